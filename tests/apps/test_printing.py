"""ivig-handout print, printers and batch --printer, against the real private print server
(tests/printserver.py): what the user reads, the exit codes, and what reaches the printer."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.export.pdfinfo import page_count

from ..printserver import PrintServer, free_port, page_words

SRC = Path(__file__).resolve().parents[2] / "src"
NAME = "Zofia Wiśniewska"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _batch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "ivig_handout", "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _words(data: bytes) -> list[Counter[str]]:
    return [Counter(w for w, *_ in page) for page in page_words(data)]


def test_print_a_one_pager(print_server: PrintServer) -> None:
    mark = print_server.mark()
    code, out, err = _run("print", "mg", "--patient-name", NAME, "--date", "1 December 2026", "--copies", "2")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"printed mg \(1 page, letter\) on clinic as job clinic-\d+\n", out)
    job = print_server.job("clinic", mark)
    assert (job["copies"], job["sides"], job["job-name"]) == ("2", "one-sided", "ivig-mg-letter")
    assert "21590" in job["media-col"] and not any("Zofia" in v for v in job.attributes.values())
    assert any(w == "Wiśniewska" for w, *_ in page_words(job.document)[0])  # printed on the handout, only there


def test_print_a_booklet(print_server: PrintServer) -> None:
    mark = print_server.mark()
    code, out, err = _run("print", "full", "--layout", "booklet", "--printer", "clinic")
    assert (code, err) == (0, "")
    assert re.fullmatch(r"printed full \(4 pages, booklet\) on clinic as job clinic-\d+\n", out)
    job = print_server.job("clinic", mark)
    assert (job["sides"], job["job-name"]) == ("two-sided-short-edge", "ivig-information-sheet-booklet")


def test_print_a_booklet_on_a_one_sided_printer(print_server: PrintServer) -> None:
    mark = print_server.mark("simplex")
    code, out, err = _run("print", "full", "--layout", "booklet", "--printer", "simplex")
    assert code == 0 and out.startswith("printed full (4 pages, booklet) on simplex as job simplex-")
    assert err == ("note: simplex prints on one side only, so the 4 sides of ivig-information-sheet-booklet.pdf came "
                   "out on 4 sheets; to print it on both sides by hand, print its odd pages, turn the stack over on its "
                   "short edge, feed it back in and print its even pages (or choose a printer with duplex: "
                   "`ivig-handout printers`)\n")
    assert print_server.job("simplex", mark)["job-name"] == "ivig-information-sheet-booklet"


def test_print_strict_refuses_a_one_sided_printer(print_server: PrintServer) -> None:
    before = print_server.jobs_at_cups()
    code, out, err = _run("print", "full", "--layout", "booklet", "--printer", "simplex", "--strict")
    assert (code, out) == (1, "")
    assert err == ("error: simplex cannot print on both sides, which booklet needs; choose a printer that can (see "
                   "`ivig-handout printers`), or leave out --strict to print one-sided\n")
    assert print_server.jobs_at_cups() == before


@pytest.mark.parametrize("case", ["unknown", "stopped", "rejecting", "refused", "not running", "no cups"])
def test_print_errors_are_one_line(print_server: PrintServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                   case: str) -> None:
    queue = {"unknown": "simplx", "refused": "locked"}.get(case, "simplex")
    undo = {"stopped": "cupsenable", "rejecting": "cupsaccept"}.get(case)
    if case in ("stopped", "rejecting"):
        print_server.admin("cupsdisable" if case == "stopped" else "cupsreject", "simplex")
    if case == "not running":
        monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{free_port()}")
    if case == "no cups":
        monkeypatch.setenv("PATH", str(tmp_path))
    before = print_server.jobs_at_cups()
    try:
        code, out, err = _run("print", "mg", "--printer", queue, "--patient-name", NAME)
    finally:
        if undo:
            print_server.admin(undo, "simplex")
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    said = {"unknown": "there is no printer called 'simplx'; did you mean simplex?",
            "stopped": "printer simplex is stopped", "rejecting": "printer simplex is not accepting jobs",
            "refused": "printer locked did not take the job (Not allowed to print.); nothing was printed",
            "not running": "the CUPS print service on 127.0.0.1:", "no cups": "the CUPS printing tools"}[case]
    assert line.startswith(f"error: {said}") and "Zofia" not in err
    assert print_server.jobs_at_cups() == before


def test_printers_lists_the_queues(print_server: PrintServer) -> None:
    code, out, err = _run("printers")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "clinic   default  idle; two-sided; paper: A4, Env10, EnvDL, Legal, Letter",
        "locked            idle; one-sided only; paper: A4, Env10, EnvDL, Legal, Letter",
        "simplex           idle; one-sided only; paper: A4, Env10, EnvDL, Legal, Letter",
    ]


def test_batch_prints_each_print_run_file(print_server: PrintServer, tmp_path: Path) -> None:
    mark = print_server.mark()
    result = _batch("--all", "--layouts", "letter,booklet", "--printer", "clinic", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if line.startswith("printed")]
    assert len(printed) == 2
    for number, (line, layout, sides) in enumerate(zip(printed, ("letter", "booklet"),
                                                       ("two-sided-long-edge", "two-sided-short-edge"), strict=True)):
        file = tmp_path / "out" / f"print-run-{layout}.pdf"
        data = file.read_bytes()
        assert re.fullmatch(rf"printed {file.name} \({page_count(data)} pages, {layout}\) on clinic as job clinic-\d+",
                            line)
        job = print_server.job("clinic", mark + number)
        assert (job["job-name"], job["sides"], job["copies"]) == (f"print-run-{layout}", sides, "")  # "": one copy
        assert _words(job.document) == _words(data)  # every page, in order
    again = _batch("--all", "--layouts", "letter,booklet", "--printer", "clinic", "--out-dir", "out", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("up to date:")  # nothing remade, both printed again
    assert [line.split(" on ")[0] for line in again.stdout.splitlines()[1:]] == [
        line.split(" on ")[0] for line in printed]
    print_server.job("clinic", mark + 3)


def test_batch_prints_a_roster_without_the_names_in_the_job(print_server: PrintServer, tmp_path: Path) -> None:
    (tmp_path / "today.csv").write_text(f"name,disorder\n{NAME},gbs\nAnn Lee,mg\n", encoding="utf-8")
    mark = print_server.mark()
    result = _batch("--roster", "today.csv", "--printer", "clinic", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^printed roster-letter.pdf \(4 pages, letter\) on clinic as job clinic-\d+$", result.stdout, re.M)
    job = print_server.job("clinic", mark)
    assert (job["job-name"], job["sides"]) == ("roster-letter", "two-sided-long-edge")
    assert not any(n in v for v in job.attributes.values() for n in ("Zofia", "Ann Lee"))
    text = " ".join(w for page in page_words(job.document) for w, *_ in page)
    assert text.index("Wiśniewska") < text.index("Lee")  # roster order


def test_batch_checks_the_printer_before_any_work(print_server: PrintServer, tmp_path: Path) -> None:
    result = _batch("--all", "--layouts", "letter", "--printer", "clnic", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: there is no printer called 'clnic'; did you mean clinic?")
    assert list(tmp_path.iterdir()) == []


def test_a_job_files_printer(print_server: PrintServer, tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("documents: [gbs]\nlayouts: [2up]\noutput: out\nprinter: clinic\n", encoding="utf-8")
    mark = print_server.mark()
    result = _batch("job.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"^printed print-run-2up.pdf \(2 pages, 2up\) on clinic as job clinic-\d+$", result.stdout, re.M)
    assert print_server.job("clinic", mark)["sides"] == "two-sided-short-edge"
    job.write_text(job.read_text().replace("printer: clinic", "printer: simplex"), encoding="utf-8")
    mark = print_server.mark("simplex")
    again = _batch("job.yaml", cwd=tmp_path)  # another printer is no reason to make the files again
    assert again.returncode == 0 and again.stdout.startswith("up to date:")
    assert "note: simplex prints on one side only" in again.stderr
    assert print_server.job("simplex", mark)["job-name"] == "print-run-2up"
    roster = tmp_path / "roster.yaml"
    (tmp_path / "today.csv").write_text("name,disorder\nAnn Lee,mg\n", encoding="utf-8")
    roster.write_text("roster: today.csv\noutput: rostered\nprinter: clnic\n", encoding="utf-8")
    refused = _batch("roster.yaml", cwd=tmp_path)
    assert refused.returncode == 1 and refused.stderr.startswith("error: there is no printer called 'clnic'")
    assert not (tmp_path / "rostered").exists()


def test_a_batch_with_errors_prints_nothing(print_server: PrintServer, tmp_path: Path) -> None:
    (tmp_path / "today.csv").write_text(f"name,disorder\n{NAME},gbs\n", encoding="utf-8")
    (tmp_path / "out" / "roster-letter.pdf").mkdir(parents=True)  # a folder where the print run must go
    before = print_server.jobs_at_cups()
    result = _batch("--roster", "today.csv", "--printer", "clinic", "--out-dir", "out", cwd=tmp_path)
    assert result.returncode == 1 and "printed" not in result.stdout
    assert result.stderr.splitlines()[-1] == "error: 1 of 1 files could not be made (see above); nothing was printed"
    assert print_server.jobs_at_cups() == before
