"""Names and clinic text in any script: Arabic and Hebrew shaped and in display order (HarfBuzz through
ReportLab, python-bidi), Devanagari shaped, Cyrillic, Greek and Vietnamese; each read back (pixels
against a reference rendering, pdftotext in logical order, the structure tree's Lang, the fonts
embedded), and the errors for CJK without a fonts folder and for a character no font has.

IVIG_RECORD_REFERENCE=1 writes the reference renderings (tests/data/name-*.png, and a copy in docs/):
look at them before committing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pdfua import validate
from PIL import Image, ImageChops

from ivig_handout.apps.cli import main
from ivig_handout.inputs import fonts

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
ARABIC = "محمد علي"  # Muhammad Ali: joined letters, right to left, two words in right-to-left order
HEBREW = "דוד כהן"  # David Cohen: final nun, right to left
DPI = 144
MEAN_LIMIT = 2.0  # mean absolute difference, 0-255 grey levels, over the name's box
SHARE_LIMIT = 0.01  # share of the box's pixels that differ by more than DIFFERENT
DIFFERENT = 96

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                   reason="poppler-utils (pdftotext, pdftoppm) is not installed")


def one_pager(tmp_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / "handout.pdf"
    result = CliRunner().invoke(main, ["one-pager", "cidp", "--patient-name", name, "--date", "7 December 2026",
                                       "-o", str(out), *extra])
    assert result.exit_code == 0, result.stderr
    return out


def text_of(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    # pdftotext marks a right-to-left run with RLE ... PDF; shaped Arabic extracts as presentation forms
    return unicodedata.normalize("NFKC", done.stdout).replace("\u202b", "").replace("\u202c", "")


def name_box(pdf: Path, name: str) -> tuple[float, float, float, float]:
    """The box (points, from the top left) of the words pdftotext reads as the name's words."""
    done = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True)
    words = set(name.split())
    boxes = [tuple(map(float, m.group(1, 2, 3, 4))) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', done.stdout)
        if unicodedata.normalize("NFKC", m.group(5)) in words or unicodedata.normalize("NFKC", m.group(5))[::-1] in words]
    assert len(boxes) == len(words), (name, done.stdout[-2000:])
    return (min(b[0] for b in boxes) - 6, min(b[1] for b in boxes) - 6,
            max(b[2] for b in boxes) + 6, max(b[3] for b in boxes) + 6)


def rendering(pdf: Path, box: tuple[float, float, float, float], tmp_path: Path) -> Image.Image:
    """The page's pixels in ``box`` (pdftoppm, grey, DPI)."""
    x0, y0, x1, y1 = (round(v * DPI / 72) for v in box)
    stem = tmp_path / "crop"
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", "1", "-l", "1", "-x", str(x0),
                    "-y", str(y0), "-W", str(x1 - x0), "-H", str(y1 - y0), str(pdf), str(stem)], check=True)
    return Image.open(f"{stem}.png").convert("L")


@needs_poppler
@pytest.mark.parametrize(("script", "name"), [("arabic", ARABIC), ("hebrew", HEBREW)])
def test_right_to_left_name_prints_as_the_reference(tmp_path: Path, script: str, name: str) -> None:
    """The name's pixels match a reference rendering that was looked at (joined, right to left, the
    first name on the right); and pdftotext reads the name in logical order."""
    pdf = one_pager(tmp_path, name)
    got = rendering(pdf, name_box(pdf, name), tmp_path)
    reference = DATA / f"name-{script}.png"
    if os.environ.get("IVIG_RECORD_REFERENCE"):
        got.save(reference)
        got.save(ROOT / "docs" / f"name-{script}.png")
    want = Image.open(reference).convert("L")
    assert got.size == want.size, (got.size, want.size)
    diff = ImageChops.difference(got, want)
    histogram = diff.histogram()
    pixels = got.size[0] * got.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    share = sum(histogram[DIFFERENT:]) / pixels
    assert mean <= MEAN_LIMIT and share <= SHARE_LIMIT, (mean, share)
    assert f"Prepared for {name}" in text_of(pdf)


@needs_poppler
def test_reversed_name_is_not_the_reference(tmp_path: Path) -> None:
    """The comparison sees order: the two words the other way round do not match the reference."""
    swapped = " ".join(reversed(ARABIC.split()))
    pdf = one_pager(tmp_path, swapped)
    got = rendering(pdf, name_box(pdf, swapped), tmp_path)
    want = Image.open(DATA / "name-arabic.png").convert("L")
    if got.size == want.size:
        histogram = ImageChops.difference(got, want).histogram()
        assert sum(histogram[DIFFERENT:]) / (got.size[0] * got.size[1]) > SHARE_LIMIT


def structure_langs(pdf: Path) -> list[tuple[str, str]]:
    """(role, Lang) of every structure element that has a Lang."""
    found = []
    with pikepdf.open(pdf) as doc:
        todo = [doc.Root.StructTreeRoot.K]
        while todo:
            node = todo.pop()
            if isinstance(node, pikepdf.Array):
                todo += list(node)
            elif isinstance(node, pikepdf.Dictionary):
                if "/Lang" in node and "/S" in node:
                    found.append((str(node.S)[1:], str(node.Lang)))
                if "/K" in node and node.get("/Type") != "/MCR":
                    todo.append(node.K)
    return found


def font_names(pdf: Path) -> set[str]:
    with pikepdf.open(pdf) as doc:
        return {str(font.BaseFont).split("+", 1)[-1] for page in doc.pages
                for font in page.Resources.Font.values()}


@needs_poppler
@pytest.mark.parametrize(("name", "lang", "font"), [
    (ARABIC, "ar", "NotoSansArabic-Bold"),
    (HEBREW, "he", "NotoSansHebrew-Bold"),
    ("किरण शर्मा", "hi", "NotoSansDevanagari-Bold"),  # Kiran Sharma: the i sign drawn before its consonant
    ("Иван Петров", "ru", "DejaVuSans-Bold"),
    ("Νίκος Παπαδόπουλος", "el", "DejaVuSans-Bold"),
    ("Nguyễn Thị Minh Khai", None, "DejaVuSans-Bold"),  # Latin: the document's Lang holds
])
def test_name_in_any_script_prints_extracts_and_carries_its_lang(tmp_path: Path, name: str, lang: str | None,
                                                                  font: str) -> None:
    pdf = one_pager(tmp_path, name)
    lines = text_of(pdf).splitlines()
    assert any(line in (name, f"Prepared for {name}") for line in lines), lines[:6]  # logical order, whole
    assert font in font_names(pdf)
    assert structure_langs(pdf) == ([("P", lang)] if lang else [])
    report = validate(str(pdf))  # still PDF/UA-1 (the name's marked-content Span inside its P's sequence)
    assert not report.findings, [(f.rule_id, f.message) for f in report.findings]


@needs_poppler
def test_mixed_direction_clinic_name(tmp_path: Path) -> None:
    """A clinic name in English and Arabic: printed, extracted in logical order, Lang from its script."""
    profile = tmp_path / "clinic.yaml"
    profile.write_text("name: Al-Noor Clinic مركز النور\nprepared_for: true\n", encoding="utf-8")
    out = tmp_path / "clinic.pdf"
    result = CliRunner().invoke(main, ["one-pager", "cidp", "--clinic", str(profile), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "Al-Noor Clinic مركز النور" in text_of(out)
    assert ("P", "ar") in structure_langs(out)
    assert "NotoSansArabic-Bold" in font_names(out)


def _error(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_cjk_name_without_a_fonts_folder_names_what_to_install(tmp_path: Path) -> None:
    line = _error(["one-pager", "cidp", "--patient-name", "王明", "-o", str(tmp_path / "x.pdf")])
    assert line == ("error: --patient-name: the character '王' (U+738B) needs a CJK font, which is too large to "
                    "bundle: install a TrueType one (e.g. fonts-wqy-zenhei) and give its folder with --fonts DIR "
                    "(or fonts: in the clinic profile)")
    assert not (tmp_path / "x.pdf").exists()


def test_character_no_font_has_names_it_and_the_fix(tmp_path: Path) -> None:
    line = _error(["one-pager", "cidp", "--patient-name", "Ann \U0001d11e", "-o", str(tmp_path / "x.pdf")])
    assert line == ("error: --patient-name: the character '\U0001d11e' (U+1D11E) is in no bundled font nor the "
                    "fonts folder; remove it, or put a TrueType font that has it in a folder and give --fonts DIR "
                    "(or fonts: in the clinic profile)")


def test_two_scripts_in_one_shaped_word_is_a_located_error(tmp_path: Path) -> None:
    line = _error(["one-pager", "cidp", "--patient-name", "Dr.محمد", "-o", str(tmp_path / "x.pdf")])
    assert line.startswith("error: --patient-name: the character ") and "put a space between them" in line


def _cjk_font(folder: Path) -> Path:
    """A tiny TrueType font with two CJK glyphs (a box and a bar), made with fontTools."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def glyph(points: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
        pen = TTGlyphPen(None)
        pen.moveTo(points[0])
        for point in points[1:]:
            pen.lineTo(point)
        pen.closePath()
        return pen.glyph()

    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "wang", "ming"])
    builder.setupCharacterMap({0x738B: "wang", 0x660E: "ming"})
    builder.setupGlyf({".notdef": glyph([(0, 0), (0, 700), (500, 700), (500, 0)]),
                       "wang": glyph([(100, 0), (100, 800), (900, 800), (900, 0)]),
                       "ming": glyph([(100, 350), (100, 450), (900, 450), (900, 350)])})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "wang": (1000, 100), "ming": (1000, 100)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Test CJK", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    folder.mkdir()
    path = folder / "TestCJK.ttf"
    builder.save(str(path))
    return path


@needs_poppler
def test_cjk_name_prints_with_a_fonts_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fonts.FONTS_ENV, raising=False)
    monkeypatch.setattr(fonts, "_EXTRA", {})
    _cjk_font(tmp_path / "fonts")
    pdf = one_pager(tmp_path, "王明", "--fonts", str(tmp_path / "fonts"))
    assert "Prepared for 王明" in text_of(pdf)
    assert "Test-CJK" in font_names(pdf)  # the folder's font, embedded (a subset)
    assert structure_langs(pdf) == [("P", "zh")]


def test_shaped_script_in_a_content_pack_is_refused_by_check(pack: Path) -> None:
    """Content packs are not shaped yet: `check` says so, naming the field (never prints it wrong)."""
    text = (pack / "sheet.yaml").read_text(encoding="utf-8")
    (pack / "sheet.yaml").write_text(text.replace("name: Polymyositis", "name: Polymyositis محمد", 1),
                                     encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(pack)])
    assert result.exit_code == 1
    assert "not yet in a content pack's text" in result.output and "U+0645" in result.output


def test_a_shaped_name_is_never_stamped() -> None:
    """A template's slot takes a Latin, Greek or Cyrillic name (the fast stamp; tests/test_stamp.py
    compares them with the full render, Lang included); a shaped one renders in full, so it is shaped,
    tagged with its Lang and given in logical order (api.stamped: None)."""
    from ivig_handout.api import Request, stamped, template_for
    from ivig_handout.inputs.patient import Patient

    template = template_for(Request("cidp", "letter", False, None, None, Patient("Ann Lee", "7 December 2026")))
    assert template.slots
    assert stamped(template, Patient("Ann Lee", "7 December 2026")) is not None
    for name in (ARABIC, HEBREW, "किरण शर्मा"):
        assert stamped(template, Patient(name, "7 December 2026")) is None, name
    for name in ("Иван Петров", "Νίκος Παπαδόπουλος"):
        assert stamped(template, Patient(name, "7 December 2026")) is not None, name


@needs_poppler
def test_fonts_folder_from_the_clinic_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``fonts:`` in the profile (relative to it) prints a CJK clinic name; a missing folder is a located error."""
    monkeypatch.delenv(fonts.FONTS_ENV, raising=False)
    monkeypatch.setattr(fonts, "_EXTRA", {})
    profile = tmp_path / "clinic.yaml"
    profile.write_text("name: Clinic\nfonts: nowhere\n", encoding="utf-8")
    line = _error(["one-pager", "cidp", "--clinic", str(profile), "-o", str(tmp_path / "x.pdf")])
    assert line.startswith(f"error: {profile}:2:") and "fonts: " in line and "is not a folder" in line
    _cjk_font(tmp_path / "cjk")
    profile.write_text("name: 王明\nfonts: cjk\n", encoding="utf-8")
    out = tmp_path / "clinic.pdf"
    result = CliRunner().invoke(main, ["one-pager", "cidp", "--clinic", str(profile), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "王明" in text_of(out).splitlines()
    assert "Test-CJK" in font_names(out)


NOTE = ("يرجى الاتصال بالعيادة إذا شعرت بصداع شديد أو ألم في الصدر أو ضيق في التنفس بعد العلاج نحن هنا "
        "لمساعدتك في أي وقت خلال ساعات العمل")  # "Please call the clinic if ... We are here to help you ..."


@needs_poppler
def test_right_to_left_clinic_note_on_several_lines_reads_in_order(tmp_path: Path) -> None:
    """A note that wraps is broken into lines first and each line put in display order: the first
    line holds the note's first words, the last its last (pdftotext reads each line in logical order)."""
    profile = tmp_path / "clinic.yaml"
    profile.write_text(f"name: Clinic\nnote_heading: ملاحظة\nnote: {NOTE}\n", encoding="utf-8")
    out = tmp_path / "clinic.pdf"
    result = CliRunner().invoke(main, ["one-pager", "cidp", "--clinic", str(profile), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    lines = [line.strip() for line in text_of(out).splitlines() if any(ch in NOTE for ch in line if ch.isalpha())
             and not line.strip().startswith("ملاحظة")]
    assert len(lines) >= 2, lines
    assert " ".join(lines) == NOTE, lines


@needs_poppler
@pytest.mark.parametrize("name", ["Nguyễn محمد", "Sara أحمد", "Dr. דוד כהן", "Zoë किरण"])
def test_latin_beside_a_shaped_script_in_one_name(tmp_path: Path, name: str) -> None:
    """Each word is shaped in one font: a Latin word needing the fallback font (ễ) is set in it whole,
    so no glyph is taken from the wrong font; the name extracts as written."""
    pdf = one_pager(tmp_path, name)
    assert f"Prepared for {name}" in text_of(pdf).splitlines() or name in text_of(pdf).splitlines()


@needs_poppler
def test_zero_width_non_joiner_keeps_persian_letters_apart(tmp_path: Path) -> None:
    """Ali-Akbar in Persian is written with a ZERO WIDTH NON-JOINER after its yeh: kept in shaped text,
    so the yeh takes its final form (without it the yeh joins the alef: another picture)."""
    pictures = []
    for folder, name in (("a", "علیاکبر رضایی"), ("b", "علی\u200cاکبر رضایی")):
        (tmp_path / folder).mkdir()
        pdf = one_pager(tmp_path / folder, name)
        assert "Prepared for" in text_of(pdf)
        label = name_box(pdf, "Prepared")  # the name's place: right of its label, the same for both
        pictures.append(rendering(pdf, (label[2], label[1], label[2] + 120, label[3]), tmp_path / folder))
    assert pictures[0].tobytes() != pictures[1].tobytes()


@needs_poppler
def test_roster_print_run_with_names_in_several_scripts(tmp_path: Path) -> None:
    """A roster's print run stamps the Latin names into templates and renders the others in full:
    every page reads its own patient's name, in logical order."""
    import sys

    names = ["Ann Lee", ARABIC, HEBREW, "Иван Петров", "Bob Stone"]
    (tmp_path / "roster.csv").write_text("name,disorder,date\n" + "".join(f"{n},cidp,7 December 2026\n" for n in names),
                                         encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "ivig_handout", "batch", "--roster", "roster.csv", "--out-dir", "out"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    pages = text_of(tmp_path / "out" / "roster-letter.pdf").split("\f")
    assert [next(line.removeprefix("Prepared for ") for line in page.splitlines() if line.startswith("Prepared for"))
            for page in pages if page.strip()] == names
