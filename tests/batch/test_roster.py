"""batch --roster: one print-ready run per layout in roster order, per-row files, a manifest without names."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from ivig_handout.batch.roster import load_roster, run_roster
from ivig_handout.inputs.content import load_handout

SRC = Path(__file__).resolve().parents[2] / "src"
NAMES = ("Nguyễn Thị Minh Khai", "Łódź Wiśniewska", "Ωmega", "W" * 30 + " " + "Z" * 29)  # the last: 60 characters


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "ivig_handout", "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _text(page: object) -> str:
    return " ".join(page.extract_text().split())  # type: ignore[attr-defined]


def _documents() -> list[str]:
    return ["full"] + [d.id for d, _ in load_handout(None).disorders()]


@pytest.fixture(scope="module")
def every_disorder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, int]]]:
    """A roster with a row for every document, non-ASCII names and a name at the length limit, made by the CLI."""
    folder = tmp_path_factory.mktemp("roster")
    rows = [(f"{NAMES[i % len(NAMES)]}", doc, 2 if i == 3 else 1) for i, doc in enumerate(_documents())]
    lines = ["Name;Disorder;Date;Copies"] + [f'"{n}";{d};1 December 2026;{c}' for n, d, c in rows]
    (folder / "roster.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    result = _cli("--roster", "roster.csv", "--out-dir", "out", "--files", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "out", rows


def test_print_run_title_names_the_run_and_no_patient(every_disorder) -> None:  # type: ignore[no-untyped-def]
    """The roster's print run is titled for the run (layout, handouts), not for its first patient."""
    out, rows = every_disorder
    reader = PdfReader(out / "roster-letter.pdf")
    title = reader.metadata.title
    assert title == f"Print run: letter, {sum(c for *_, c in rows)} handouts"
    assert not any(name in title for name, *_ in rows)


def test_print_run_has_every_name_on_its_own_handout_in_roster_order(every_disorder) -> None:
    out, rows = every_disorder
    reader = PdfReader(out / "roster-letter.pdf")
    expected, page = 0, 0
    for i, (name, doc, copies) in enumerate(rows):
        handout = PdfReader(out / f"row-{i + 2:04d}-{doc}-letter.pdf")
        n = len(handout.pages)
        for _copy in range(copies):
            assert page % 2 == 0, f"row {i + 2} starts on page {page + 1}, a back side"
            assert name in _text(reader.pages[page]), (i, doc)
            assert _text(reader.pages[page]) == _text(handout.pages[0])
            for other, *_ in rows:  # nobody else's name on this handout
                if other != name:
                    assert all(other not in _text(reader.pages[p]) for p in range(page, page + n))
            page += n + n % 2
        expected += copies * (n + n % 2)
    assert len(reader.pages) == expected == page


def test_files_are_named_by_row_and_private(every_disorder) -> None:
    out, rows = every_disorder
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["manifest.json", "roster-letter.pdf",
                            *(f"row-{i + 2:04d}-{doc}-letter.pdf" for i, (_n, doc, _c) in enumerate(rows))])
    for path in out.glob("*.pdf"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_manifest_lists_rows_and_hashes_never_names_or_dates(every_disorder) -> None:
    import hashlib

    out, rows = every_disorder
    text = (out / "manifest.json").read_text(encoding="utf-8")
    for name in NAMES:
        assert name not in text and name.split()[0] not in text
    assert "December" not in text
    manifest = json.loads(text)
    assert manifest["complete"] is True
    run = next(f for f in manifest["files"] if f["file"] == "roster-letter.pdf")
    assert run["rows"] == list(range(2, len(rows) + 2))
    assert run["documents"] == [doc for _n, doc, _c in rows]
    for record in manifest["files"]:
        assert record["sha256"] == hashlib.sha256((out / record["file"]).read_bytes()).hexdigest()
        assert record["pages"] == len(PdfReader(out / record["file"]).pages)


def test_bad_rows_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("name,disorder,copies\nAnn,gbz,1\n,gbs,1\nBo,mg,0\n", encoding="utf-8")
    result = _cli("--roster", "roster.csv", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["error: roster.csv:2: disorder: unknown 'gbz', did you mean 'gbs'?",
                                          "error: roster.csv:3: name: is empty; every row needs the patient's name",
                                          "error: roster.csv:4: copies: '0' is not a whole number from 1 to 1000"]
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_unknown_doc_option_and_usage(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("name\nAnn\n", encoding="utf-8")
    result = _cli("--roster", "roster.csv", "--doc", "gbz", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: --doc: unknown 'gbz', did you mean 'gbs'?")
    assert _cli("--roster", "roster.csv", "--all", cwd=tmp_path).returncode == 2
    assert _cli("--all", "--doc", "gbs", cwd=tmp_path).returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv"]


def test_xlsx_job_file_layouts_and_default_doc(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from datetime import date

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "date", "layout", "disorder"])
    sheet.append([NAMES[0], date(2026, 12, 1), None, None])
    sheet.append([NAMES[1], None, "a4", "mg"])
    (tmp_path / "data").mkdir()
    book.save(tmp_path / "data" / "day.xlsx")
    (tmp_path / "job.yaml").write_text("roster: data/day.xlsx\ndocuments: gbs\nlayouts: [letter, large-print]\n"
                                       "output: prints\n", encoding="utf-8")
    result = _cli("job.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "prints"
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "roster-a4.pdf", "roster-large-print.pdf",
                                                    "roster-letter.pdf"]
    letter = PdfReader(out / "roster-letter.pdf")
    assert NAMES[0] in _text(letter.pages[0]) and "1 December 2026" in _text(letter.pages[0])
    a4 = PdfReader(out / "roster-a4.pdf")
    assert NAMES[1] in _text(a4.pages[0]) and "Myasthenia" in _text(a4.pages[0])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(f["file"], f["rows"], f["documents"]) for f in manifest["files"]] == [
        ("roster-letter.pdf", [2], ["gbs"]), ("roster-large-print.pdf", [2], ["gbs"]), ("roster-a4.pdf", [3], ["mg"])]


def test_in_process_run_with_copies(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("name,copies\nAnn Lee,3\nBo Chan,\n", encoding="utf-8")
    roster = load_roster(tmp_path / "r.csv", tmp_path / "out", document="mg", copies=2)
    outcome = run_roster(roster)
    assert not outcome.failed and outcome.written == ["roster-letter.pdf"]
    reader = PdfReader(io.BytesIO((tmp_path / "out" / "roster-letter.pdf").read_bytes()))
    firsts = [_text(p) for p in reader.pages if "Prepared for" in _text(p)]
    assert [("Ann Lee" in t, "Bo Chan" in t) for t in firsts] == [(True, False)] * 3 + [(False, True)] * 2


def test_stamped_rows_read_as_full_renders(every_disorder) -> None:
    """Each row's file, and its handout in the print run, read as the full render of that row (the
    rows are stamped into one template per document; the longest name is rendered in full)."""
    from ivig_handout.api import make
    from ivig_handout.design.layouts import get_layout
    from ivig_handout.inputs.patient import Patient

    out, rows = every_disorder
    run = PdfReader(out / "roster-letter.pdf")
    page = 0
    handout = load_handout(None)
    for i, (name, doc, copies) in enumerate(rows):
        full = PdfReader(io.BytesIO(make(handout, doc, get_layout("letter"), None, Patient(name, "1 December 2026"),
                                         stamp=False).data))
        row = PdfReader(out / f"row-{i + 2:04d}-{doc}-letter.pdf")
        assert [_text(p) for p in row.pages] == [_text(p) for p in full.pages], (i, doc)
        n = len(full.pages)
        for _copy in range(copies):
            assert [_text(run.pages[page + k]) for k in range(n)] == [_text(p) for p in full.pages], (i, doc)
            page += n + n % 2
        tree = subprocess.run(["pdfinfo", "-struct-text", str(out / f"row-{i + 2:04d}-{doc}-letter.pdf")],
                              capture_output=True, text=True, check=True).stdout
        assert f'"{name} "' in tree  # in the structure tree, as a full render has it


def test_a_roster_of_a_thousand_rows_shares_one_template_per_document(tmp_path: Path) -> None:
    """1,000 rows of one document: one print run holding every name in order, about the size of one
    handout plus a few hundred bytes a row (the template's fonts and pages are not repeated)."""
    names = [f"Patient {i:04d} Ngô" if i % 3 == 0 else f"Patient {i:04d}" for i in range(1000)]
    (tmp_path / "r.csv").write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    outcome = run_roster(load_roster(tmp_path / "r.csv", tmp_path / "out", document="gbs"))
    assert not outcome.failed
    path = tmp_path / "out" / "roster-letter.pdf"
    data = path.read_bytes()
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]  # poppler: pypdf takes 20 ms a page
    assert len(pages) == len(PdfReader(io.BytesIO(data)).pages) == 2000
    firsts = [" ".join(pages[p].split()) for p in range(0, 2000, 2)]
    assert all(f"Prepared for {name} Date" in text for name, text in zip(names, firsts, strict=True))
    assert all(not pages[p].strip() for p in range(1, 2000, 2))  # blank backs
    assert len(data) < 120_000 + 1000 * 600, len(data)
    [record] = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert len(data) > 3 * (1 << 16)  # several times the buffer (64 KB) the print run is gathered in
    assert (record["bytes"], record["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


def _forms(path: Path) -> int:
    """The Form XObjects (placed pages) an imposed print file holds."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return sum(1 for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Form")


@pytest.mark.parametrize("layout", ["booklet", "2up"])
def test_rows_on_imposed_layouts_are_stamped_on_the_template_s_sheets(tmp_path: Path, layout: str) -> None:
    """issue 25: a row on booklet or 2-up adds only its stamped placed page to the print run, not every
    page of its handout imposed again (which held each row's PDF and 864 MB for 10,000 rows); every name
    prints in roster order, on its own handout (2-up: twice, side by side), reading as a full render."""
    from ivig_handout.api import Patient, Request, build

    names = [f"Patient Number{i:02d}" for i in range(6)]
    made = {}
    for count in (1, 6):
        roster, out = tmp_path / f"r{count}.csv", tmp_path / f"out{count}"
        roster.write_text("name,date\n" + "".join(f"{n},1 December 2026\n" for n in names[:count]), encoding="utf-8")
        outcome = run_roster(load_roster(roster, out, document="full", layouts=(layout,)))
        assert not outcome.failed and outcome.written == [f"roster-{layout}.pdf"]
        made[count] = out / f"roster-{layout}.pdf"
    assert _forms(made[6]) - _forms(made[1]) == 5  # one stamped placed page a further row
    text = subprocess.run(["pdftotext", str(made[6]), "-"], capture_output=True, text=True, check=True).stdout
    pages = [" ".join(p.split()) for p in text.split("\f")[:-1]]
    full = build(Request("full", layout, patient=Patient(names[2], "1 December 2026")), stamp=False)
    (tmp_path / "full.pdf").write_bytes(full.data)
    one = subprocess.run(["pdftotext", str(tmp_path / "full.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    n = full.pages + full.pages % 2
    assert len(pages) == 6 * n
    assert pages[2 * n: 3 * n][:full.pages] == [" ".join(p.split()) for p in one.split("\f")[:-1]]
    for i, name in enumerate(names):
        mine = " ".join(pages[i * n: (i + 1) * n])
        assert mine.count(name) == (2 if layout == "2up" else 1), (i, name)
    manifest = json.loads((made[6].parent / "manifest.json").read_text(encoding="utf-8"))
    [record] = manifest["files"]
    assert (record["pages"], record["bytes"]) == (len(pages), made[6].stat().st_size)
    assert record["sha256"] == hashlib.sha256(made[6].read_bytes()).hexdigest()
    assert stat.S_IMODE(made[6].stat().st_mode) == 0o600



def test_a_roster_without_language_cells_reads_no_language_data_and_one_with_them_does(tmp_path: Path) -> None:
    """Issue 25: the shipped packs and Babel's language names are read only for a row naming a language
    (in a fresh process: this one may have Babel loaded); such a row is still checked and resolved. A
    CSV roster given on the command line builds no job-file model and loads no XLSX reader."""
    plain, named = tmp_path / "plain.csv", tmp_path / "named.csv"
    plain.write_text("name,disorder\nAna Lima,gbs\nBob Li,mg\n", encoding="utf-8")
    named.write_text("name,disorder,language\nAna Lima,gbs,Spanish\nBob Li,mg,\nCy Do,mg,klingon\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ivig_handout.batch.roster import load_roster\n"
        "from ivig_handout.errors import ContentError\n"
        "rows = load_roster(Path(sys.argv[1]), Path(sys.argv[3])).rows\n"
        "print([row.language for row in rows], 'babel' in sys.modules)\n"
        "print(sorted(m for m in ('ivig_handout.batch.roster_job', 'ivig_handout.inputs.xlsx') if m in sys.modules))\n"
        "try:\n"
        "    load_roster(Path(sys.argv[2]), Path(sys.argv[3]))\n"
        "except ContentError as exc:\n"
        "    print(exc.problems, 'babel' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", code, str(plain), str(named), str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[None, None] False",
        "[]",  # nor the job file's model, nor the XLSX reader
        f"[\"{named}:4: language: unknown language 'klingon', expected en or es\"] True"]


def test_a_print_run_that_cannot_be_written_fails_alone_and_leaves_nothing_behind(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: the print run is gathered in a buffer before it is written; a write that fails part way
    (the disk full) fails that file with one line, as before, leaves no file under its name, and what
    was left in the buffer is never written later (no "Exception ignored" when the buffer is collected;
    flushed from pikepdf while it unwinds from the error, it aborted the process)."""
    import errno
    import gc

    import ivig_handout.batch.roster as batch_roster

    names = [f"Patient {i:04d}" for i in range(400)]  # a print run of several 64 KB buffers
    (tmp_path / "r.csv").write_text("name\n" + "\n".join(names) + "\n", encoding="utf-8")
    roster = load_roster(tmp_path / "r.csv", tmp_path / "out", document="gbs")
    write, calls = batch_roster._Hashed.write, []

    def full(self: object, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(self, data)  # type: ignore[arg-type]

    unraisable: list[object] = []
    monkeypatch.setattr(batch_roster._Hashed, "write", full)
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    outcome = run_roster(roster)
    gc.collect()
    assert len(calls) == 2  # a buffer written, the next one failed (then nothing more)
    reason = f"{tmp_path / 'out' / 'roster-letter.pdf'}: could not be written (the disk is full); nothing was changed"
    assert outcome.failed == [("roster-letter.pdf", reason)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["manifest.json"]
    assert unraisable == []


def test_a_shipped_pack_that_cannot_be_read_is_the_runs_error_as_before(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: the languages are read when a row first names one; if they cannot be (a shipped pack's
    error), that error ends the run as it did when they were read first, never a problem of a row; a
    roster naming no language does not read them."""
    import ivig_handout.batch.roster as batch_roster
    from ivig_handout.errors import ContentError

    def broken() -> object:
        raise ContentError(["content/es/pack.yaml: line 3: broken"])

    monkeypatch.setattr(batch_roster, "language_finder", broken)
    named, plain = tmp_path / "named.csv", tmp_path / "plain.csv"
    named.write_text("name,disorder,language\nAna Lima,gbs,\nBob Li,gbs,es\nCy Do,gbs,es\n", encoding="utf-8")
    plain.write_text("name,disorder\nAna Lima,gbs\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_roster(named, tmp_path / "out")
    assert info.value.problems == ["content/es/pack.yaml: line 3: broken"]
    assert [row.patient.name for row in load_roster(plain, tmp_path / "out").rows] == ["Ana Lima"]
