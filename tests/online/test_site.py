"""The online copy (``ivig-handout site``): the same words in the same order as the PDF, every page valid
HTML5 with one h1 and no skipped heading, every link resolving inside the site, the PDFs beside each page,
never a patient, and a second run that writes nothing."""

from __future__ import annotations

import inspect
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout import api
from ivig_handout.apps.check import WARN, run_checks
from ivig_handout.apps.cli import main
from ivig_handout.inputs.model import Handout
from ivig_handout.online.names import page_pattern, problem

from ..conftest import edit
from ..pdfcheck import page_texts, squash
from ..render.test_clinic import _one_pager_text_is_all_there
from ..render.test_full_sheet import assert_in_order, corrected_source, source_sentences
from .conftest import EXAMPLE, main_text, parse, text_of, write_site

LAYOUTS = ("letter", "a4", "large-print")
SRC = Path(__file__).resolve().parents[2] / "src"


def site_process(code: str, tmp_path: Path) -> list[str]:
    """The lines ``code`` prints, run in a new process (the render cache in ``tmp_path``/cache)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "IVIG_HANDOUT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip().splitlines()


def pages(site: Path) -> list[Path]:
    return sorted(site.glob("*.html"))


def test_every_document_has_a_page_and_its_pdfs(any_site: Path, handout: Handout) -> None:
    docs = api.documents()
    assert {p.name for p in pages(any_site)} == {f"{d}.html" for d in docs} | {"index.html"}
    index = main_text(any_site / "index.html")
    tree, _ = parse(any_site / "index.html")
    linked = [a.get("href") for a in tree.iter("a")]
    for doc in docs:
        assert f"{doc}.html" in linked
        for layout in LAYOUTS:
            pdf = any_site / f"{doc}-{layout}.pdf"
            first = squash(page_texts(pdf.read_bytes())[0])
            title = api.about(doc)[1].title
            assert squash(title).split(" (")[0] in first.replace("\xa0", " "), (pdf.name, first[:80])
    assert squash(handout.sheet.title) in index


def test_full_sheet_holds_every_corrected_source_sentence_in_order(any_site: Path, handout: Handout,
                                                                  source_text: str) -> None:
    text = main_text(any_site / "full.html")
    sentences = source_sentences(corrected_source(source_text, handout))
    assert len(sentences) > 90
    assert_in_order(text, sentences)
    for fix in handout.corrections:  # every correction is in, none of the typos
        if fix.typo:
            assert fix.typo not in text, fix.typo


def test_each_disorder_page_holds_its_own_text_in_order(any_site: Path, handout: Handout, source_text: str) -> None:
    for disorder, _group in handout.disorders():
        text = main_text(any_site / f"{disorder.id}.html")
        _one_pager_text_is_all_there(handout, source_text, disorder.id, text)
        assert text.startswith(squash(handout.labels.one_pager_title.format(name=disorder.label))), disorder.id


def test_valid_html5_one_h1_no_skipped_heading_lang_title(any_site: Path, handout: Handout) -> None:
    titles = set()
    for path in pages(any_site):
        tree, errors = parse(path)
        assert errors == [], (path.name, errors[:3])
        assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert tree.get("lang") == handout.sheet.meta.language
        levels = [int(e.tag[1]) for e in tree.iter() if isinstance(e.tag, str) and re.fullmatch(r"h[1-6]", e.tag)]
        assert levels[0] == 1 and levels.count(1) == 1, (path.name, levels)
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (path.name, levels)
        title = text_of(tree.find(".//title"))
        assert title and title not in titles, path.name  # a title of its own
        titles.add(title)
        skip = tree.find(".//body/a")
        assert skip.get("href") == "#main" and tree.find(".//main").get("id") == "main"
        footer = text_of(tree.find(".//footer"))
        for words in (handout.edition, handout.sheet.source.publisher, str(handout.sheet.source.year),
                      handout.sheet.meta.review_date.isoformat()):
            assert words in footer, (path.name, words)


def test_semantics_badges_lists_table_aside(any_site: Path, handout: Handout) -> None:
    tree, _ = parse(any_site / "full.html")
    rows = tree.findall(".//table//tr")
    assert len(rows) == len(handout.disorders()) - len(handout.sheet.other_disorders.disorders) + 1
    for row in rows:
        assert row[0].tag == "th" and row[0].get("scope") == "row"
        meter = row.find(".//meter")
        word = tree.find(f".//*[@id='{meter.get('aria-labelledby')}']")  # the meter's text alternative
        assert text_of(word) in {handout.labels.rating(r) for r in ("strong", "moderate", "weak", "insufficient")}
    aside = tree.find(".//aside")
    assert text_of(aside.find("h2")) == handout.sheet.side_effects.heading
    assert [text_of(li) for li in aside.findall("ul/li")] == list(handout.sheet.side_effects.items)
    others = [text_of(li) for ul in tree.findall(".//main/ul") for li in ul.findall("li")]
    assert others == [d.name for d in handout.sheet.other_disorders.disorders]
    text = main_text(any_site / "full.html")
    for words in (handout.notice(), handout.sheet.disclaimer, handout.sheet.source.citation):
        assert squash(words) in text


def test_no_script_nothing_from_elsewhere(any_site: Path) -> None:
    for path in pages(any_site):
        tree, _ = parse(path)
        assert tree.find(".//script") is None and tree.find(".//iframe") is None
        assert not any(e.get("style") or any(k.startswith("on") for k in e.keys()) for e in tree.iter())
    css = (any_site / "site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
    for query in ("prefers-color-scheme: dark", "prefers-reduced-motion: reduce", "@media print"):
        assert query in css


def test_every_link_resolves(any_site: Path) -> None:
    for path in pages(any_site):
        tree, _ = parse(path)
        ids = {e.get("id") for e in tree.iter() if e.get("id")}
        for e in tree.iter():
            target = e.get("href") or (e.get("src") if e.tag == "img" else None)
            if target is None:
                continue
            assert "://" not in target and not target.startswith("//"), (path.name, target)  # nothing elsewhere
            if target.startswith("#"):
                assert target[1:] in ids, (path.name, target)
            else:
                assert (any_site / target).is_file(), (path.name, target)


def test_the_clinic_letterhead_questions_and_note(clinic_site: Path, plain_site: Path) -> None:
    for name in ("index.html", "gbs.html", "full.html"):
        tree, _ = parse(clinic_site / name)
        header = text_of(tree.find(".//header"))
        assert "Clínica São José" in header and "Phone: (217) 555-0142" in header.replace("\xa0", " ")
        assert tree.find(".//header//img").get("alt") == ""  # the name beside it says it all
    gbs = main_text(clinic_site / "gbs.html").replace("\xa0", " ")
    assert "Questions about your treatment? Call (217) 555-0142" in gbs
    assert gbs.index("After your infusion") < gbs.index("Please note")
    assert "Clínica" not in (plain_site / "gbs.html").read_text(encoding="utf-8")


def test_never_a_patient(tmp_path: Path, handout: Handout) -> None:
    """The command takes no patient; a patient's handout made first in the same process (the template
    caches warm with their name) leaves no name, no "Prepared for" line and no date on the site."""
    assert "patient" not in inspect.signature(api.online_site).parameters
    result = CliRunner().invoke(main, ["site", "--out-dir", str(tmp_path / "x"), "--patient-name", "Ada Lovelace"])
    assert result.exit_code == 2 and "No such option" in result.output
    help_text = CliRunner().invoke(main, ["site", "--help"]).output
    assert "--patient" not in help_text and "--date" not in help_text and "--roster" not in help_text
    named = api.build(api.Request("gbs", clinic=EXAMPLE, patient=api.patient("Ada Lovelace", "3 May 2026")))
    assert "Ada Lovelace" in squash(page_texts(named.data)[0])  # the name was there to leak
    out = tmp_path / "site"
    os.environ["IVIG_PATIENT_NAME"] = "Ada Lovelace"  # nothing reads such a variable; nor may it
    try:
        write_site(out, "--clinic", str(EXAMPLE))
    finally:
        del os.environ["IVIG_PATIENT_NAME"]
    prepared = handout.labels.clinic.prepared_for
    for path in out.iterdir():
        data = path.read_bytes()
        assert b"Ada" not in data and b"Lovelace" not in data and b"3 May 2026" not in data, path.name
        if path.suffix == ".html":
            assert prepared not in data.decode(), path.name


def test_a_second_run_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write_site(out)
    count = len(api.documents()) * (1 + len(LAYOUTS)) + 2  # pages and PDFs, the index, the stylesheet
    assert first.startswith(f"wrote {count} files")
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes()) for p in out.iterdir()}
    assert write_site(out) == f"up to date: {out}/ ({count} files; nothing written)\n"
    after = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes()) for p in out.iterdir()}
    assert after == before
    (out / "gbs.html").write_bytes(b"changed")
    assert write_site(out).startswith("wrote 1 files")
    assert (out / "gbs.html").read_bytes() == before["gbs.html"][2]


def test_a_changed_qr_url_removes_the_files_of_the_old_names_and_never_a_users(tmp_path: Path) -> None:
    """After qr_url's pattern changed, the files an earlier run wrote under the old names go (was: left in
    the folder); a file the site did not write, or one changed since it was written, stays."""
    out, clinic = tmp_path / "site", tmp_path / "clinic.yaml"
    clinic.write_text("name: A clinic\nqr_url: https://clinic.example/ivig/{id}.html\n", encoding="utf-8")
    write_site(out, "--clinic", str(clinic))
    old = {p.name for p in out.iterdir()}
    assert {"gbs.html", "gbs-letter.pdf", "index.html", "site.css"} <= old
    (out / "notes.txt").write_text("the clinic's own file", encoding="utf-8")
    (out / "mg.html").write_text("edited by hand", encoding="utf-8")
    clinic.write_text("name: A clinic\nqr_url: https://clinic.example/ivig/ivig-{id}.htm\n", encoding="utf-8")
    said = write_site(out, "--clinic", str(clinic))
    made = api.online_site(clinic=clinic)
    new = set(made.files) | set(made.pdfs)
    assert "ivig-gbs.htm" in new and "gbs.html" not in new
    kept = {"notes.txt", "mg.html", ".ivig-handout-site.json"}
    assert {p.name for p in out.iterdir()} == new | kept
    assert f"removed {len(old - new - kept)} of an earlier run" in said, said
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the clinic's own file"
    assert (out / "mg.html").read_text(encoding="utf-8") == "edited by hand"
    assert all((out / name).read_bytes() == data for name, data in made.files.items())
    assert write_site(out, "--clinic", str(clinic)).startswith("up to date: ")


def test_an_unchanged_rerun_loads_nothing(tmp_path: Path) -> None:
    """Nothing changed since the last run (its inputs and every file it wrote): the re-run neither loads
    the content (pydantic) nor ReportLab, and writes nothing (was: every page made again to compare)."""
    out = tmp_path / "site"
    write_site(out, "--clinic", str(EXAMPLE))
    code = ("import sys\nfrom ivig_handout.apps.cli import main\n"
            f"try:\n    main(['site', '--out-dir', {str(out)!r}, '--clinic', {str(EXAMPLE)!r}])\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
            "print('pydantic' in sys.modules, 'reportlab' in sys.modules)")
    count = len(list(out.glob("*"))) - 1  # not the site's own list
    assert site_process(code, tmp_path) == [f"up to date: {out}/ ({count} files; nothing written)", "False False"]


def test_pdfs_not_in_the_render_cache_are_rendered_in_workers(tmp_path: Path) -> None:
    """With an empty render cache the PDFs are rendered by the batch's workers, one task each (was: one
    after another in the one process); each is byte for byte the plain build()'s, and stored."""
    out = tmp_path / "site"
    code = ("from ivig_handout.apps.cli import main\nfrom ivig_handout.batch import workers\n"
            "made = workers.make_executor\n"
            "workers.make_executor = lambda request, tasks, *a: print('tasks', tasks) or made(request, tasks, *a)\n"
            f"try:\n    main(['site', '--out-dir', {str(out)!r}])\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n")
    site = api.online_site()
    assert site_process(code, tmp_path)[0] == f"tasks {len(site.pdfs)}"
    for name, request in site.pdfs.items():
        assert (out / name).read_bytes() == api.build(request).data, name
    assert len(list((tmp_path / "cache").glob("*.render"))) == len(site.pdfs)


def test_a_pdf_that_does_not_fit_stops_the_workers_with_one_line(pack: Path, tmp_path: Path) -> None:
    """A handout rendered in a worker that does not fit: the site stops with the one line that says what to
    shorten, writes nothing and leaves no worker behind."""
    last = "The person may need a breathing machine."
    edit(pack, "sheet.yaml", last, last + " WWWWWWW WWWWWW." * 100)  # past what fitting makes room for
    out = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(SRC), "IVIG_HANDOUT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "ivig_handout", "site", "--out-dir", str(out), "--content", str(pack)],
                          capture_output=True, text=True, env=env, check=False)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: the one-pager for 'mg' does not fit on one page of layout"), lines
    assert not out.exists() or not any(out.iterdir())


def test_text_is_escaped(pack: Path) -> None:
    sheet = pack / "sheet.yaml"
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("This information sheet may help you", "This <b>information</b> & sheet "
                                  "may help you", 1), encoding="utf-8")
    made = api.online_site(pack)
    html = made.files["full.html"].decode()
    assert "This &lt;b&gt;information&lt;/b&gt; &amp; sheet" in html and "<b>" not in html


@pytest.mark.parametrize(("url", "pattern"), [
    ("https://clinic.example/ivig/{id}", "{id}.html"),
    ("https://clinic.example/ivig/{id}.html", "{id}.html"),
    ("https://clinic.example/handouts/ivig-{id}.htm", "ivig-{id}.htm"),
])
def test_page_names_follow_qr_url(url: str, pattern: str, tmp_path: Path) -> None:
    assert problem(url) == "" and page_pattern(url) == pattern
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(f"name: A clinic\nqr_url: {url}\n", encoding="utf-8")
    made = api.online_site(clinic=clinic)
    assert made.pages["gbs"] == pattern.replace("{id}", "gbs") and made.pages["gbs"] in made.files
    stem = made.pages["gbs"].rsplit(".", 1)[0]
    assert sorted(n for n, r in made.pdfs.items() if r.document == "gbs") == sorted(
        f"{stem}-{layout}.pdf" for layout in LAYOUTS)
    finding = next(f for f in run_checks(None, clinic, fit=False) if f.check == "online copy")
    assert finding.status == "ok", finding


@pytest.mark.parametrize(("url", "why"), [
    ("https://clinic.example/ivig", "no {id}"),
    ("https://clinic.example/ivig?doc={id}", "query"),
    ("https://clinic.example/{id}/index.html", "last part"),
    ("https://clinic.example/ivig/{id}.pdf", ".pdf"),
    ("https://clinic.example/ivig/{id}~x", "characters"),
])
def test_check_warns_when_qr_url_cannot_lead_to_the_site(url: str, why: str, tmp_path: Path) -> None:
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text(f"name: A clinic\nqr_url: '{url}'\n", encoding="utf-8")
    finding = next(f for f in run_checks(None, clinic, fit=False) if f.check == "online copy")
    assert finding.status == WARN and why in finding.detail, finding
    assert api.online_site(clinic=clinic).pages["gbs"] == "gbs.html"  # the default names, still a site


def test_bad_output_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "site" / "gbs.html").mkdir(parents=True)
    for out, words in ((tmp_path / "file", "is a file, not a folder"), (tmp_path / "site", "is not a regular file")):
        result = CliRunner().invoke(main, ["site", "--out-dir", str(out)])
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["gbs.html"]  # nothing was written
