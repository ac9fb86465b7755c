"""Template + stamp (issue 12): a patient's handout made by stamping the name and date into the
document's template reads the same as the handout rendered in full (pypdf, pdftotext, the structure
tree) and looks the same (pixels at 50 dpi); a value too wide for its slot renders in full."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ivig_handout import api
from ivig_handout.design.layouts import get_layout
from ivig_handout.errors import ContentError, FitError
from ivig_handout.inputs.model import Handout
from ivig_handout.inputs.patient import LIMITS, Patient, template_of
from ivig_handout.inputs.patient import patient as checked_patient
from ivig_handout.inputs.profile import Clinic, load_clinic
from ivig_handout.plan.kinds import resolve

from .pdfcheck import fonts, page_texts, squash
from .render.test_clinic import EXAMPLE
from .render.test_tagging import struct_text

LONGEST = ("Maria da Conceição Albuquerque Nascimento de Oliveira Santos Lima" * 2)[:LIMITS["patient_name"]].strip()
NAMES = ["Nguyễn Thị Minh Khai", "Łódź Wiśniewska", "Ω Omega", "Ana Lima", "Anne (Nan) O'Brien \\ Jr", LONGEST,
         "Élodie Ünal-Ørsted", "Ŋgozi ɓello",  # (ɓ: outside the wide subsets, drawn with a subset of its own)
         'Ana "Íñigo" &Zoë']  # (markup's escapes split a run: its letters past ASCII stay in the wide subset)
DATES = ["1 December 2026", "28 September 2026", "2026-12-01"]


@pytest.fixture(scope="module")
def clinic() -> Clinic:
    return load_clinic(EXAMPLE)


def _made(handout: Handout, doc: str, layout: str, clinic: Clinic | None, patient: Patient) -> tuple[bytes, bytes]:
    lay = get_layout(layout)
    stamped = api.make(handout, doc, lay, clinic, patient).data
    full = api.make(handout, doc, lay, clinic, patient, stamp=False).data
    return stamped, full


def _stamps(handout: Handout, doc: str, layout: str, clinic: Clinic | None, patient: Patient) -> bool:
    """Whether the patient's values fit the document's template (so make() stamps them)."""
    kind, doc_id = resolve(handout, doc, None)
    template = api.template(handout, kind, doc_id, get_layout(layout), clinic, template_of(patient))
    return api.values_for(template, patient) is not None


def _pixels(data: bytes) -> list[bytes]:
    """Each page rendered by poppler at 50 dpi (PPM bytes)."""
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "in.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "50", str(pdf), f"{folder}/page"], check=True)
        return [p.read_bytes() for p in sorted(Path(folder).glob("page*.ppm"))]


def _pdftotext(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_every_document_stamped_reads_and_looks_like_a_full_render(handout: Handout, clinic: Clinic,
                                                                   tmp_path: Path) -> None:
    """Every document, with the example profile, for a name with characters outside ASCII and its
    fonts' first subsets: the stamped handout's text, tree and pages are the full render's."""
    patient = Patient(NAMES[0], DATES[0])
    for doc in api.documents():
        assert _stamps(handout, doc, "letter", clinic, patient), doc  # really stamped, not a fallback
        stamped, full = _made(handout, doc, "letter", clinic, patient)
        assert stamped != full  # made another way ...
        assert page_texts(stamped) == page_texts(full), doc  # ... reading the same
        assert NAMES[0] in squash(" ".join(page_texts(stamped)))
        assert _pixels(stamped) == _pixels(full), doc
        assert all(font.embedded for font in fonts(stamped))
        a, b = tmp_path / f"{doc}-s.pdf", tmp_path / f"{doc}-f.pdf"
        a.write_bytes(stamped)
        b.write_bytes(full)
        assert struct_text(a) == struct_text(b), doc
        assert f'"{NAMES[0]} "' in struct_text(a)[0]  # the name is in the structure tree, in its line


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("doc", "layout", "with_clinic"), [
    ("gbs", "letter", True), ("mg", "a4", False), ("full", "letter", False), ("cidp", "large-print", True),
    ("mmn", "large-print-a4", False), ("gbs", "2up", True), ("full", "booklet", False),
])
def test_names_stamped_or_rendered_in_full_read_the_same(handout: Handout, clinic: Clinic, tmp_path: Path,
                                                         name: str, doc: str, layout: str,
                                                         with_clinic: bool) -> None:
    """Non-ASCII names, PDF string specials, a name at the length limit: on every kind of layout
    (imposed ones stamp their pages, then impose), with or without a profile."""
    profile = clinic if with_clinic else None
    patient = Patient(name, DATES[1])
    try:
        full = api.make(handout, doc, get_layout(layout), profile, patient, stamp=False).data
    except FitError as exc:  # the longest name on the fullest one-pager (`check --clinic` warns of it)
        with pytest.raises(FitError) as stamped_error:
            api.make(handout, doc, get_layout(layout), profile, patient)
        assert str(stamped_error.value) == str(exc)
        return
    stamped = api.make(handout, doc, get_layout(layout), profile, patient).data
    assert page_texts(stamped) == page_texts(full)
    assert _pdftotext(stamped, tmp_path, "s") == _pdftotext(full, tmp_path, "f")
    assert _pixels(stamped) == _pixels(full)
    assert squash(name) in squash(" ".join(page_texts(stamped)))


@pytest.mark.parametrize(("name", "lang"), [("Νίκος Ρήγας", "el"), ("Иван Петров", "ru"), ("Þóra Nguyễn", None)])
@pytest.mark.parametrize(("doc", "layout", "with_clinic"), [("gbs", "letter", True), ("full", "a4", False),
                                                           ("mmn", "large-print", False)])
def test_greek_and_cyrillic_names_are_stamped_with_their_lang(handout: Handout, clinic: Clinic, tmp_path: Path,
                                                              name: str, lang: str | None, doc: str,
                                                              layout: str, with_clinic: bool) -> None:
    """Issue 25: a name in Greek or Cyrillic is stamped too (no font of its own: the process's wide
    subsets), reading and looking as the full render does, its structure element carrying its Lang
    as the full render's does, still PDF/UA-1; every font embedded."""
    from pdfua import validate

    from .render.test_scripts import structure_langs

    patient, profile = Patient(name, DATES[0]), clinic if with_clinic else None
    assert _stamps(handout, doc, layout, profile, patient)
    stamped, full = _made(handout, doc, layout, profile, patient)
    assert stamped != full
    assert page_texts(stamped) == page_texts(full)
    assert _pdftotext(stamped, tmp_path, "s") == _pdftotext(full, tmp_path, "f")
    assert name in squash(" ".join(page_texts(stamped)))
    assert _pixels(stamped) == _pixels(full)
    assert all(font.embedded for font in fonts(stamped))
    a, b = tmp_path / "s.pdf", tmp_path / "f.pdf"
    a.write_bytes(stamped)
    b.write_bytes(full)
    assert struct_text(a) == struct_text(b)
    assert structure_langs(a) == structure_langs(b) == ([("P", lang)] if lang else [])
    report = validate(str(a))
    assert not report.findings, [(f.rule_id, f.message) for f in report.findings]


def test_names_outside_ascii_add_the_process_wide_subsets(handout: Handout) -> None:
    """Issue 25: names outside ASCII are drawn in subsets made once per process (render/wide.py), so
    what a patient's handout adds to the template's fonts is some of those, never a subset made for
    the name; and the file is sound."""
    from io import BytesIO

    import pikepdf

    from ivig_handout.render.wide import _fonts_pdf, wide_for

    def programs(data: bytes) -> set[bytes]:
        with pikepdf.open(BytesIO(data)) as pdf:
            assert pdf.check_pdf_syntax() == []
            return {bytes(font.FontDescriptor.FontFile2.read_raw_bytes()) for page in pdf.pages
                    for font in page.Resources.Font.values() if "/FontDescriptor" in font}

    layout = get_layout("letter")
    template = api.template(handout, *resolve(handout, "gbs", None), layout, None, template_of(Patient("A", "B")))
    wide_programs = set()
    for values in ((), ("José",)):  # with the fallback's faces, and without (a name in the main font's)
        wide = wide_for(template.slots, values)
        wide_programs |= programs(_fonts_pdf(wide.key, wide.names))
    plain = programs(api.make(handout, "gbs", layout, None, Patient("Ana Lima", DATES[0])).data)
    for name in ("José Núñez", "Łódź Wiśniewska", "Nguyễn Thị Minh", "Trần Văn Đức", "Νίκος Ρήγας", "Иван Петров"):
        added = programs(api.make(handout, "gbs", layout, None, Patient(name, DATES[0])).data) - plain
        assert added and added <= wide_programs, name


def test_a_value_wider_than_its_slot_renders_in_full(handout: Handout, clinic: Clinic) -> None:
    """The longest name takes a row of its own under the band on a one-pager: no template has that
    row, so the handout is rendered in full (and still has the name); a short name is stamped."""
    longest = Patient(LONGEST, DATES[0])
    assert len(LONGEST) >= LIMITS["patient_name"] - 1
    assert not _stamps(handout, "cidp", "letter", None, longest)
    assert _stamps(handout, "cidp", "letter", clinic, Patient("Ana Lima", DATES[0]))
    stamped, full = _made(handout, "cidp", "letter", None, longest)
    assert stamped == full  # the same full render, byte for byte
    assert LONGEST in squash(" ".join(page_texts(stamped)))


def test_a_wide_date_renders_in_full_and_dates_as_rosters_print_them_stamp(handout: Handout) -> None:
    wide = "Wednesday, 30 September 2026"
    assert not _stamps(handout, "gbs", "letter", None, Patient("Ana Lima", wide))
    for date in DATES:
        assert _stamps(handout, "gbs", "letter", None, Patient("Ana Lima", date)), date
    stamped, full = _made(handout, "gbs", "letter", None, Patient("Ana Lima", wide))
    assert stamped == full


@pytest.mark.parametrize("patient", [Patient("Ana Lima", None), Patient(None, "1 December 2026")])
def test_a_name_or_a_date_alone_has_a_template_of_its_own(handout: Handout, patient: Patient) -> None:
    """Without a date the date line stays blank to write on (and wider): another template."""
    assert _stamps(handout, "mg", "letter", None, patient)
    stamped, full = _made(handout, "mg", "letter", None, patient)
    assert page_texts(stamped) == page_texts(full)
    assert _pixels(stamped) == _pixels(full)


def test_the_template_prints_no_name_and_is_not_personal(handout: Handout) -> None:
    kind, doc_id = resolve(handout, "gbs", None)
    template = api.template(handout, kind, doc_id, get_layout("letter"), None, template_of(Patient("A", "B")))
    assert not template.personal
    assert [s.field for s in template.slots] == ["patient name", "date"]
    text = squash(" ".join(page_texts(template.data)))
    assert "Prepared for Date" in text  # the values left out: nothing printed where they go
    made = api.stamped(template, Patient("Ana Lima", "1 December 2026"))
    assert made is not None and made.personal and not made.slots
    assert "Prepared for Ana Lima Date 1 December 2026" in squash(" ".join(page_texts(made.data)))


def test_an_ascii_name_adds_no_font_and_others_add_one_subset(handout: Handout) -> None:
    """ASCII values are drawn in the first subset of the template's own faces, which holds every
    ASCII glyph; other values add the subset of the glyphs they need."""
    plain = api.make(handout, "gbs", get_layout("letter"), None, Patient("Ana Lima", "1 December 2026")).data
    full = api.make(handout, "gbs", get_layout("letter"), None, Patient("Ana Lima", "1 December 2026"),
                    stamp=False).data
    other = api.make(handout, "gbs", get_layout("letter"), None, Patient("Łódź Nguyễn", "1 December 2026")).data
    assert len(fonts(plain)) == len(fonts(full))
    assert len(fonts(other)) > len(fonts(full))
    assert all(font.embedded for font in fonts(other))


def test_stamped_files_are_sound_and_each_has_its_own_id(handout: Handout, clinic: Clinic, tmp_path: Path) -> None:
    """The fast stamp rewrites the file's content stream and cross-reference table in place: qpdf
    finds nothing wrong, pypdf reads it strictly, the PDF/UA checker passes it as it passes the full
    render, and two patients' files differ in their /ID."""
    from io import BytesIO

    import pikepdf
    import pypdf
    from pdfua import validate

    made = [api.make(handout, "mg", get_layout("a4"), clinic, Patient(name, "1 December 2026")).data
            for name in ("Ana Lima", "Bo Chan (Jr)")]
    full = api.make(handout, "mg", get_layout("a4"), clinic, Patient("Ana Lima", "1 December 2026"),
                    stamp=False).data
    ids = []
    for number, data in enumerate([*made, full]):
        with pikepdf.open(BytesIO(data)) as pdf:
            assert pdf.check_pdf_syntax() == []
            ids.append(bytes(pdf.trailer.ID[1]))
        assert len(pypdf.PdfReader(BytesIO(data), strict=True).pages) == 1
        path = tmp_path / f"{number}.pdf"
        path.write_bytes(data)
        report = validate(str(path))
        assert not report.findings and len(report.outcomes) >= 10, [f.rule_id for f in report.findings]
    assert ids[0] != ids[1]


def test_a_template_the_fast_stamp_cannot_read_is_stamped_through_pikepdf(handout: Handout) -> None:
    """A template with a cross-reference stream (not a file the tagging step writes) is not rewritten
    in place: prepare() declines it and the values are set in through pikepdf, reading the same."""
    from dataclasses import replace
    from io import BytesIO

    import pikepdf

    from ivig_handout.export.stamp import prepare

    kind, doc_id = resolve(handout, "mmn", None)
    template = api.template(handout, kind, doc_id, get_layout("letter"), None, template_of(Patient("A", "B")))
    out = BytesIO()
    with pikepdf.open(BytesIO(template.data)) as pdf:
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    other = replace(template, data=out.getvalue())
    assert prepare(other.data) is None and api.prepared(other.data) is None
    patient = Patient("Ana Lima", "1 December 2026")
    made = api.stamped(other, patient)
    assert made is not None
    assert page_texts(made.data) == page_texts(api.make(handout, "mmn", get_layout("letter"), None, patient,
                                                        stamp=False).data)


# --- property: any printable name stamps as it renders in full ------------------------------------------

# Where names meet the template's markup and the PDF string syntax: ASCII specials beside letters past
# ASCII split a run (the escaped-character bug: 'Ana "Ñ"' drew a box), so both are drawn often.
_SPECIALS = "<>&;\"'\\()/ Aa-."
_CASES = [("gbs", "letter", True), ("mg", "a4", False), ("cidp", "large-print", True), ("mmn", "2up", False)]


def _name_alphabets() -> tuple[list[str], list[str]]:
    """The printable characters (test_markup's alphabet) a name may hold: those in the process's wide
    subsets (render/wide.py's ranges, so the name is stamped in them), and all of them."""
    from ivig_handout.render.wide import RANGES

    from .render.test_markup import _printable_alphabet

    every = [ch for ch in _printable_alphabet() if ch not in "\n\t"]
    return [ch for ch in every if any(lo <= ord(ch) <= hi for lo, hi in RANGES)], every


def _names() -> st.SearchStrategy[str]:
    """Three names in four only of ASCII specials and wide-subset letters (any one other character sends
    a name the old way, a subset of its own), the fourth of any printable character."""
    wide, every = _name_alphabets()
    within = st.one_of(st.sampled_from(_SPECIALS), st.sampled_from(wide))
    anything = st.one_of(st.sampled_from(_SPECIALS), st.sampled_from(every))
    return st.sampled_from([within, within, within, anything]).flatmap(
        lambda chars: st.text(chars, min_size=1, max_size=24))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=_names(),
       case=st.sampled_from(_CASES))
@example(name='Ana "Ñ"', case=_CASES[0])
@example(name="Ann &José", case=_CASES[2])
def test_any_printable_name_stamps_as_it_renders_in_full(handout: Handout, clinic: Clinic, name: str,
                                                         case: tuple[str, str, bool]) -> None:
    """A name of any characters the shipped fonts print (Latin, Greek, Cyrillic, Vietnamese, DejaVu's
    symbols), mixed with markup and PDF string specials: stamped, or rendered in full where it does not
    fit its slot, the handout reads and looks as the full render does, the name in it."""
    try:
        given_patient = checked_patient(name, DATES[1])
    except ContentError:  # refused with a message (a script the fonts join wrongly): tested elsewhere
        assume(False)
    assume(given_patient is not None and given_patient.name is not None)
    assert given_patient is not None and given_patient.name is not None
    doc, layout, with_clinic = case
    profile = clinic if with_clinic else None
    full = api.make(handout, doc, get_layout(layout), profile, given_patient, stamp=False).data
    stamped = api.make(handout, doc, get_layout(layout), profile, given_patient).data
    assert page_texts(stamped) == page_texts(full)
    assert squash(given_patient.name) in squash(" ".join(page_texts(stamped)))
    assert _pixels(stamped) == _pixels(full)
    assert all(font.embedded for font in fonts(stamped))
