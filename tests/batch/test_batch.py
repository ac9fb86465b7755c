"""Batch print runs: job files, every PDF and print-run file read back, manifest, freshness, failures, Ctrl-C."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.api import review_notes
from ivig_handout.apps.cli import main
from ivig_handout.design.layouts import get_layout
from ivig_handout.inputs.model import Handout
from ivig_handout.resources import default_content_dir

from ..conftest import build_pdf
from ..pdfcheck import page_sizes, page_texts, reader
from .processes import COMMAND, ENV

DOCS = ["full", "gbs"]
LAYOUTS = ["letter", "a4"]
COPIES = 2


def write_job(folder: Path, **fields: object) -> Path:
    """A job file with one `key: value` line per field (values written as YAML flow text)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}: {json.dumps(value) if isinstance(value, list) else value}" for key, value in fields.items()]
    job = folder / "job.yaml"
    job.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return job


def batch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["batch", *args])
    return result.exit_code, result.stdout, result.stderr


def manifest(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def stats(out: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, inode) of every file in the folder: both change when a file is written again."""
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in sorted(out.iterdir())}


def assert_manifest_matches(out: Path, every_pdf: bool = True,
                            parts: bool = False) -> dict:  # type: ignore[type-arg]
    """Every record matches its file and (``every_pdf``) every PDF in the folder has a record; no hidden
    or temporary file is there (unless ``parts``: a run killed mid-write leaves one, the next removes it)."""
    data = manifest(out)
    records = {r["file"]: r for r in data["files"]}
    if every_pdf:
        assert sorted(records) == sorted(p.name for p in out.glob("*.pdf"))
    for name, record in records.items():
        raw = (out / name).read_bytes()
        assert record["bytes"] == len(raw)
        assert record["mtime_ns"] == (out / name).stat().st_mtime_ns
        assert record["sha256"] == hashlib.sha256(raw).hexdigest()
        assert record["pages"] == len(reader(raw).pages)
        assert len(record["input"]) == 64
    if not parts:
        assert not [p.name for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".part"]
    return data


def pack_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(default_content_dir(), folder)
    return folder


def edit(pack: Path, old: str, new: str, count: int = 1) -> None:
    path = pack / "sheet.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def paragraphs(count: int, text: str, indent: str) -> str:
    """``count`` YAML list items, each the paragraph ``text``."""
    return "".join(f"{indent}- >-\n{indent}  {text}\n" for _ in range(count))


def slow_pack(tmp_path: Path) -> Path:
    """A content pack within every size limit whose full sheet is long (ten paragraphs of about 1,900
    characters in both the introduction and the closing: 15 Letter pages), so it takes a while to render."""
    pack = pack_copy(tmp_path)
    sentence = "Better studies are needed on the use of IVIg for treating nerve and muscle disorders. "
    long = (sentence * 22).strip()
    text = (pack / "sheet.yaml").read_text(encoding="utf-8")
    for section, after in (("closing", "source"), ("introduction", "what_is_ivig")):
        start = text.index(f"\n{section}:\n") + 1
        end = text.index(f"\n{after}:", start)
        text = text[:start] + f"{section}:\n" + paragraphs(10, long, "  ") + text[end:]
    (pack / "sheet.yaml").write_text(text, encoding="utf-8")
    return pack


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, tuple[int, str, str]]:
    """2 documents x 2 layouts x 2 copies, run once for the module."""
    folder = tmp_path_factory.mktemp("small")
    job = write_job(folder, documents=DOCS, layouts=LAYOUTS, copies=COPIES, output="prints")
    return job, folder / "prints", batch(str(job))


# --- job files: located errors ----------------------------------------------------------------

BAD_JOBS = {
    "unknown key": ({"documents": DOCS, "layots": ["letter"], "output": "o"},
                    ("job.yaml:2:1: layots: unknown field 'layots' (allowed: clinic, content, copies, documents, "
                     "layouts, mono, output, printer)")),
    "bad layout": ({"documents": DOCS, "layouts": ["letter", "leter"], "output": "o"},
                   "job.yaml:2:21: layouts[1]: unknown layout 'leter': did you mean 'letter'?"),
    "bad document": ({"documents": ["full", "gbz"], "layouts": ["letter"], "output": "o"},
                     "job.yaml:1:21: documents[1]: unknown document 'gbz': did you mean 'gbs'?"),
    "no copies": ({"layouts": ["letter"], "copies": 0, "output": "o"},
                  "job.yaml:2:1: copies: must be greater than or equal to 1, not '0'"),
    "copies not a number": ({"layouts": ["letter"], "copies": "two", "output": "o"},
                            "job.yaml:2:1: copies: expected a whole number, got 'two'"),
    "mono not a flag": ({"layouts": ["letter"], "mono": "maybe", "output": "o"},
                        "job.yaml:2:1: mono: expected true or false, got 'maybe'"),
    "no clinic profile": ({"layouts": ["letter"], "clinic": "clinic.yaml", "output": "o"},
                          "job.yaml:2:1: clinic: clinic profile "),
    "no output": ({"layouts": ["letter"]}, "job.yaml:1:1: output: required field is missing"),
}


@pytest.mark.parametrize("name", list(BAD_JOBS))
def test_job_file_errors_are_located(tmp_path: Path, name: str) -> None:
    fields, expected = BAD_JOBS[name]
    job = write_job(tmp_path, **fields)
    code, out, err = batch(str(job))
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines)
    assert any(line.startswith(f"error: {tmp_path}/{expected}") for line in lines), err
    assert not (tmp_path / "o").exists()


def test_several_problems_reported_at_once(tmp_path: Path) -> None:
    job = write_job(tmp_path, documents=["ful", "gbs"], layouts=["letter", "a5"], output="o")
    code, _, err = batch(str(job))
    assert code == 1
    assert "layouts[1]: unknown layout 'a5'" in err
    assert "documents[0]: unknown document 'ful': did you mean 'full'?" in err


def test_job_file_is_not_yaml(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("layouts: [letter\noutput: o\n", encoding="utf-8")
    code, _, err = batch(str(job))
    assert code == 1 and err.startswith(f"error: {job}:") and "YAML syntax error" in err


@pytest.mark.parametrize(("args", "needle"), [
    ([], "give a job file"),
    (["job.yaml", "--all"], "give a job file"),
    (["job.yaml", "--layouts", "a4"], "--layouts only go with --all"),
    (["--all", "--copies", "0"], "--copies"),
])
def test_usage_errors_exit_2(args: list[str], needle: str) -> None:
    code, _, err = batch(*args)
    assert code == 2 and needle in err


@pytest.mark.parametrize(("layouts", "needle"), [
    ("letter,leter", "Invalid value for '--layouts': unknown layout 'leter': did you mean 'letter'?"),
    ("", "Invalid value for '--layouts': give at least one layout"),
    (" , ,", "Invalid value for '--layouts': give at least one layout"),
])
def test_all_with_bad_layouts_is_a_usage_error(tmp_path: Path, layouts: str, needle: str) -> None:
    code, out, err = batch("--all", "--layouts", layouts, "--out-dir", str(tmp_path / "o"))
    assert code == 2 and needle in err and out == ""  # never "wrote 0 files"
    assert not (tmp_path / "o").exists()


# --- a small batch, read back ------------------------------------------------------------------

def test_small_batch_writes_every_pdf(small, handout: Handout) -> None:  # type: ignore[no-untyped-def]
    job, out, (code, stdout, stderr) = small
    assert code == 0, stderr
    assert stdout.strip() == f"wrote 6 files to {out}/; list in {out}/manifest.json"
    assert stderr.splitlines() == [f"note: {n}" for n in review_notes(handout)]  # none while the content is recent
    for layout in LAYOUTS:
        chosen = get_layout(layout)
        for doc in DOCS:
            stem = "ivig-information-sheet" if doc == "full" else f"ivig-{doc}"
            data = (out / f"{stem}-{layout}.pdf").read_bytes()
            assert set(page_sizes(data)) == {tuple(chosen.page)}
            assert data == build_pdf(handout, doc, chosen)  # the same bytes as a single build


def test_print_run_title_names_the_run(small) -> None:  # type: ignore[no-untyped-def]
    """A print run's title (the viewer's window title) names the run, not its first handout."""
    _, out, _ = small
    for layout in LAYOUTS:
        meta = reader((out / f"print-run-{layout}.pdf").read_bytes()).metadata
        assert meta.title == f"Print run: {layout}, {len(DOCS) * COPIES} handouts"


def test_print_run_pads_so_every_copy_starts_on_a_front_side(small, handout: Handout) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = small
    one_pager_title = handout.labels.one_pager_title.format(name="")
    for layout in LAYOUTS:
        counts = {doc: len(reader(build_pdf(handout, doc, get_layout(layout))).pages) for doc in DOCS}
        texts = page_texts((out / f"print-run-{layout}.pdf").read_bytes())
        assert len(texts) == sum(COPIES * (n + n % 2) for n in counts.values())
        page = 0
        for doc in DOCS:
            for _ in range(COPIES):
                assert page % 2 == 0  # 0-based even = a front side (page 1, 3, 5 ...)
                first = texts[page]
                assert handout.sheet.title in first if doc == "full" else one_pager_title.strip() in first
                if counts[doc] % 2:
                    assert texts[page + counts[doc]].strip() == ""  # the blank back side
                page += counts[doc] + counts[doc] % 2


def test_manifest_matches_the_files(small) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = small
    data = assert_manifest_matches(out)
    assert data["complete"] is True
    order = [(r["document"], r["layout"]) for r in data["files"]]
    assert order == [(d, lay) for lay in LAYOUTS for d in [*DOCS, "print-run"]]
    runs = [r for r in data["files"] if r["document"] == "print-run"]
    assert all(r["documents"] == DOCS and r["copies"] == COPIES for r in runs)
    assert sorted(p.name for p in out.iterdir()) == sorted([r["file"] for r in data["files"]] + ["manifest.json"])


def test_unchanged_rerun_writes_nothing(small) -> None:  # type: ignore[no-untyped-def]
    job, out, _ = small
    before = stats(out)
    code, stdout, _ = batch(str(job))
    assert code == 0
    assert stdout.strip() == f"up to date: {out}/ (6 files; nothing written)"
    assert stats(out) == before


def test_unchanged_rerun_needs_no_reportlab_or_pydantic(small) -> None:  # type: ignore[no-untyped-def]
    job, _, _ = small
    code = (
        "import sys\nfrom ivig_handout.apps.cli import main\n"
        f"try:\n    main(['batch', {str(job)!r}])\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "print('reportlab' in sys.modules, 'pydantic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=True)
    assert result.stdout.strip().splitlines() == [f"up to date: {job.parent / 'prints'}/ (6 files; nothing written)",
                                                  "False False"]


def test_cached_batch_into_a_new_folder_needs_no_reportlab_or_workers(tmp_path: Path) -> None:
    """Render cache warm, inputs unchanged, a new output folder: every page design comes from the cache, so
    the batch forks no worker, preloads nothing and never imports ReportLab (print runs of whole PDFs
    stamp nothing); the files are those of the first run, byte for byte."""
    env = {**ENV, "IVIG_HANDOUT_CACHE_DIR": str(tmp_path / "cache")}
    first = write_job(tmp_path, documents=DOCS, layouts=LAYOUTS, copies=COPIES, output="first")
    subprocess.run(COMMAND + ["batch", str(first)], env=env, check=True, capture_output=True)
    job = write_job(tmp_path / "again", documents=DOCS, layouts=LAYOUTS, copies=COPIES, output="second")
    code = (
        "import os, sys\nfrom ivig_handout.apps.cli import main\nfrom ivig_handout.batch import workers\n"
        "calls = []\n"
        "os.fork = lambda: calls.append('fork') or os._exit(3)\n"
        "workers.preload = lambda request: calls.append('preload')\n"
        f"try:\n    main(['batch', {str(job)!r}])\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "print(calls, 'multiprocessing.pool' in sys.modules, 'reportlab' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[] False False", result.stdout
    made = sorted(p.name for p in (tmp_path / "first").glob("*.pdf"))
    assert made and made == sorted(p.name for p in (tmp_path / "again" / "second").glob("*.pdf"))
    for name in made:
        assert (tmp_path / "again" / "second" / name).read_bytes() == (tmp_path / "first" / name).read_bytes()
    assert assert_manifest_matches(tmp_path / "again" / "second")["complete"] is True


def test_cached_batch_reads_the_content_pack_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The freshness check, the file keys and every render-cache key of one run share one hash of the
    content pack: its files are read once per run, not once per handout."""
    from ivig_handout.inputs import digests

    monkeypatch.setenv("IVIG_HANDOUT_CACHE_DIR", str(tmp_path / "cache"))
    assert batch("--all", "--layouts", "letter,a4", "--out-dir", str(tmp_path / "first"))[0] == 0
    read: list[str] = []
    hash_file = digests._hash_file
    monkeypatch.setattr(digests, "_hash_file", lambda h, path: read.append(Path(path).name) or hash_file(h, path))
    code, stdout, _ = batch("--all", "--layouts", "letter,a4", "--out-dir", str(tmp_path / "second"))
    assert code == 0 and stdout.startswith("wrote 28 files")
    assert sorted(read) == sorted(2 * list(digests.CONTENT_FILES)), read  # the pack and its English edition


# --- what makes a rerun rebuild ----------------------------------------------------------------

def test_changed_copies_remakes_only_the_print_runs(tmp_path: Path) -> None:
    job = write_job(tmp_path, documents=["gbs"], layouts=["letter"], copies=1, output="o")
    assert batch(str(job))[0] == 0
    out = tmp_path / "o"
    before = stats(out)
    write_job(tmp_path, documents=["gbs"], layouts=["letter"], copies=3, output="o")
    code, stdout, _ = batch(str(job))
    assert code == 0 and "wrote 1 files" in stdout and "1 already up to date" in stdout
    after = stats(out)
    assert after["ivig-gbs-letter.pdf"] == before["ivig-gbs-letter.pdf"]
    assert after["print-run-letter.pdf"] != before["print-run-letter.pdf"]
    assert len(reader((out / "print-run-letter.pdf").read_bytes()).pages) == 3 * 2  # 1 page + blank, 3 times
    assert assert_manifest_matches(out)["complete"] is True


def test_mono_option_makes_greyscale_files(tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert batch("--all", "--layouts", "letter", "--out-dir", str(out))[0] == 0
    code, _, _ = batch("--all", "--layouts", "letter", "--out-dir", str(out), "--mono")
    assert code == 0
    data = assert_manifest_matches(out, every_pdf=False)  # the colour files of the first run stay
    assert {r["layout"] for r in data["files"]} == {"letter-mono"}
    assert {r["file"] for r in data["files"]} >= {"print-run-letter-mono.pdf", "ivig-gbs-letter-mono.pdf"}
    assert (out / "print-run-letter.pdf").exists()


def test_changed_content_remakes_the_handouts(tmp_path: Path) -> None:
    pack = pack_copy(tmp_path)
    job = write_job(tmp_path, documents=["full", "mg"], layouts=["letter"], output="o", content="pack")
    assert batch(str(job))[0] == 0
    out = tmp_path / "o"
    before = stats(out)
    edit(pack, "IVIg often is used to treat problems", "IVIg often is used to treat several problems")
    code, stdout, _ = batch(str(job))
    assert code == 0 and stdout.startswith("wrote 3 files")
    after = stats(out)
    assert all(after[name] != before[name] for name in before if name != "manifest.json")
    assert "treat several problems" in " ".join(page_texts((out / "ivig-mg-letter.pdf").read_bytes()))
    assert_manifest_matches(out)


def test_force_remakes_everything(tmp_path: Path) -> None:
    job = write_job(tmp_path, documents=["gbs"], layouts=["a4"], output="o")
    assert batch(str(job))[0] == 0
    before = stats(tmp_path / "o")
    code, stdout, _ = batch(str(job), "--force")
    assert code == 0 and stdout.startswith("wrote 2 files")
    after = stats(tmp_path / "o")
    assert after["ivig-gbs-a4.pdf"][1] != before["ivig-gbs-a4.pdf"][1]
    assert after["manifest.json"] != before["manifest.json"]  # it records the new files' modification times
    assert assert_manifest_matches(tmp_path / "o")["complete"] is True


def test_booklet_and_2up_share_their_pages_yet_match_single_builds(tmp_path: Path, handout: Handout) -> None:
    out = tmp_path / "o"
    job = write_job(tmp_path, documents=["full", "postpolio"], layouts=["booklet", "2up"], output="o")
    code, _, err = batch(str(job))
    assert code == 0, err
    for layout in ("booklet", "2up"):
        for doc, stem in (("full", "ivig-information-sheet"), ("postpolio", "ivig-postpolio")):
            assert (out / f"{stem}-{layout}.pdf").read_bytes() == build_pdf(handout, doc, get_layout(layout))
    assert_manifest_matches(out)


def test_old_review_date_is_noted_once_and_everything_is_made(tmp_path: Path) -> None:
    """Content reviewed over a year ago: one note for the whole run (not one per file); printing goes ahead."""
    pack = pack_copy(tmp_path)
    edit(pack, 'review_date: "2026-11-25"', 'review_date: "2019-01-02"')
    job = write_job(tmp_path, documents=["full", "gbs"], layouts=["letter", "booklet", "2up"], output="o",
                    content="pack")
    code, stdout, err = batch(str(job))
    assert code == 0, err
    assert stdout.startswith("wrote 9 files")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("note: the content was last reviewed on 2019-01-02 ("), err
    assert assert_manifest_matches(tmp_path / "o")["complete"] is True


def test_clinic_profile_on_every_handout(tmp_path: Path) -> None:
    profile = tmp_path / "clinic.yaml"
    profile.write_text("name: Springfield Neurology\nphone: (217) 555-0142\n", encoding="utf-8")
    job = write_job(tmp_path, documents=["full"], layouts=["a4"], output="o", clinic="clinic.yaml")
    code, _, err = batch(str(job))
    assert code == 0, err
    first = page_texts((tmp_path / "o" / "ivig-information-sheet-a4.pdf").read_bytes())[0]
    assert "Springfield Neurology" in first
    profile.write_text("name: Shelbyville Neurology\nphone: (217) 555-0142\n", encoding="utf-8")
    code, stdout, _ = batch(str(job))  # the profile is an input: a new one remakes the handouts
    assert code == 0 and stdout.startswith("wrote 2 files")
    assert "Shelbyville Neurology" in page_texts((tmp_path / "o" / "ivig-information-sheet-a4.pdf").read_bytes())[0]


# --- failures and Ctrl-C -------------------------------------------------------------------------

def test_one_failing_document_does_not_stop_the_others(tmp_path: Path) -> None:
    """A one-pager whose text (within the content limits) is too long for one Letter page: a real FitError,
    no mocks."""
    pack = pack_copy(tmp_path)
    sentence = "Weak evidence shows IVIg may help treat LEMS."
    more = (" WWWWWWW WWWWWW." * 120).strip()  # within every content limit; the widest letters, past what fitting makes room for
    edit(pack, sentence + "\n", sentence + "\n" + paragraphs(1, more, " " * 12))
    job = write_job(tmp_path, documents=["full", "gbs", "lems"], layouts=["letter"], output="o", content="pack")
    code, stdout, err = batch(str(job))
    out = tmp_path / "o"
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ivig-lems-letter.pdf: ") and "lems" in lines[0] and "Traceback" not in err
    assert lines[1].startswith("error: print-run-letter.pdf: not made")
    assert lines[-1] == "error: 2 of 4 files could not be made (see above)"
    assert stdout.startswith("wrote 2 files")
    assert sorted(p.name for p in out.glob("*.pdf")) == ["ivig-gbs-letter.pdf", "ivig-information-sheet-letter.pdf"]
    assert assert_manifest_matches(out)["complete"] is False
    before = stats(out)
    assert batch(str(job))[0] == 1  # an incomplete run is never "up to date"; the good files are kept
    assert stats(out) == before


def test_interrupted_batch_leaves_only_complete_files(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) once the first file is written (the batch pauses there: batch/pauses.py): complete
    PDFs, a manifest that matches them."""
    from .processes import paused, resume, started

    slow_pack(tmp_path)
    job = write_job(tmp_path, documents=["all"], layouts=["letter", "a4", "large-print"], output="o", content="pack")
    out = tmp_path / "o"
    with started(str(job), pause="file-written") as proc:
        paused(proc, "the first file was written")
        proc.send_signal(signal.SIGINT)
        resume(proc)
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.startswith("interrupted: ") and len(stderr.strip().splitlines()) == 1
    data = assert_manifest_matches(out)
    assert data["complete"] is False
    assert 1 <= len(data["files"]) < 3 * 14
    before = stats(out)
    finish = subprocess.run(COMMAND + ["batch", str(job)], capture_output=True, text=True, env=ENV,
                            check=False)
    assert finish.returncode == 0, finish.stderr  # finishing the run keeps what was complete
    after = stats(out)
    assert all(after[f["file"]] == before[f["file"]] for f in data["files"])
    assert assert_manifest_matches(out)["complete"] is True
