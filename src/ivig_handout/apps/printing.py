"""Apps stage, printing: ``ivig-handout print`` and ``printers``, and a batch's print-run files sent to a
CUPS queue (``batch --printer``). The job options come from the layout (export/sinks/printer.py). Every
job CUPS accepts is recorded in the education record (apps/recording.py); a job refused records nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli import (
    Text,
    allow_draft_option,
    also_option,
    clinic_options,
    content_option,
    echo_notices,
    friendly,
    layout_option,
    mono_option,
    request,
)
from .recording import open_printed, record_options, recorded_after

if TYPE_CHECKING:
    from ..export.sinks.printer import PrinterSink
    from .recording import BatchRecord

MAX_COPIES = 1000
printer_option = click.option("--printer", "-P", "queue", type=Text(), default=None, metavar="QUEUE",
                              help="CUPS printer queue (default: the CUPS default); see `ivig-handout printers`.")


@click.command("print")
@click.argument("document")
@layout_option
@mono_option
@content_option
@also_option
@printer_option
@click.option("--copies", "-n", type=click.IntRange(1, MAX_COPIES), default=1, show_default=True,
              help="Copies to print.")
@click.option("--strict", is_flag=True,
              help="Refuse a printer that cannot print on both sides when the layout needs it (default: print "
                   "one-sided and say what to do by hand).")
@clinic_options
@allow_draft_option
@record_options
@friendly
def print_handout(document: str, layout: str, mono: bool, content_dir: Path | None, also: str | None,
                  queue: str | None, copies: int,
                  strict: bool, clinic_file: Path | None, patient_name: str | None, date: str | None,
                  allow_draft: bool, by: str | None, record_db: Path | str | None) -> None:
    """Print DOCUMENT (`full`, or a disorder id or alias: see `ivig-handout list`) on a CUPS printer, with
    the paper, sides, scaling and page order its layout needs; the education record gets a row for it."""
    from ..api import build, given
    from ..export.sinks.printer import PrinterSink
    from ..export.sinks.record import initials
    from .cli import refuse_draft

    refuse_draft(content_dir, allow_draft, also)
    sink = PrinterSink(queue, copies, strict)
    sink.check()  # before rendering: a stopped or unknown printer is said at once
    wanted = request(document, layout, mono, content_dir, clinic_file, patient_name, date, also=also)
    record = open_printed(by, record_db)  # so is a record that cannot be written
    result = build(wanted)
    echo_notices(result.notes)
    job = sink.send(result.artifact())
    echo_notices(sink.warnings)
    click.echo(f"printed {result.document} ({_pages(result.pages)}, {result.layout.name}) on {sink.queue_used} "
               f"as job {job}")
    rows = [given(result, copies=copies, printer=sink.queue_used, job_id=job, by=initials(by))]
    recorded_after(record, rows, f"printed on {sink.queue_used} as job {job}")


@click.command()
@friendly
def printers() -> None:
    """List the CUPS printers: the default, whether each takes jobs, whether it prints on both sides,
    and its paper sizes."""
    from ..export.sinks.printer import printers as all_printers

    queues = all_printers()
    if not queues:
        click.echo("no printers are set up in CUPS; add one (the system's printer settings, or lpadmin)")
        return
    width = max(len(q.name) for q in queues)
    for q in queues:
        state = q.state if q.accepting else f"{q.state}, not accepting jobs"
        why = f" ({q.message})" if q.message and (q.state == "stopped" or not q.accepting) else ""
        sides = "two-sided" if q.duplex else "one-sided only"
        paper = ", ".join(q.media) or "not listed"
        click.echo(f"{q.name:<{width}}  {'default' if q.default else '':<7}  {state}{why}; {sides}; paper: {paper}")


def checked_printer(queue: str | None) -> PrinterSink | None:
    """The printer for ``batch --printer QUEUE`` (checked before the batch renders anything), or None."""
    if queue is None:
        return None
    from ..export.sinks.printer import PrinterSink

    sink = PrinterSink(queue)
    sink.check()
    return sink


def job_printer(spec: Any) -> tuple[str | None, Any]:
    """A job file's ``printer:`` (when it is a queue name), and the job without it: where the print runs
    are printed is not what they are made from, so it stays out of the freshness hash."""
    options = spec.options
    if not isinstance(options, dict) or not isinstance(options.get("printer"), str):
        return None, spec
    from dataclasses import replace

    from ..errors import ContentError
    from .cli import text_problem

    problem = text_problem(options["printer"])
    if problem:
        raise ContentError([f"{spec.job_path}: printer: {problem}"])

    return options["printer"], replace(spec, options={k: v for k, v in options.items() if k != "printer"})


def print_runs(outcome: Any, sink: PrinterSink | None, given: BatchRecord | None = None) -> int:
    """Send each print-run file of a finished batch (written or already up to date) as one job, in the
    manifest's order, recording each job CUPS takes (``given``); without a printer, record a roster's
    handouts as made. The exit code (1 when a job was refused: the files after it are not sent)."""
    if sink is None:
        if given is not None:
            given.made(manifest_files(Path(outcome.out_dir)))
        return 0
    from ..api import page_count, read_regular
    from ..errors import IvigError
    from ..export.sinks import Artifact

    files = manifest_files(Path(outcome.out_dir))
    runs = print_run_files(files)
    if not runs:
        click.echo("error: the batch made no print-run file, so nothing was printed", err=True)
        return 1
    for run, personal in runs:
        file, layout = run["file"], run["layout"]
        data = read_regular(Path(outcome.out_dir) / file, int(run["bytes"]))  # as the batch wrote it, no more
        pages = page_count(data)
        try:
            job = sink.send(Artifact(data, "print-run", "print-run", layout, pages, file, personal))
        except IvigError as exc:
            click.echo(f"error: {file}: {exc}", err=True)
            return 1
        echo_notices(sink.warnings)
        click.echo(f"printed {file} ({_pages(pages)}, {layout}) on {sink.queue_used} as job {job}")
        if given is not None:
            given.printed(files, run, sink.queue_used, job)
    return 0


def manifest_files(out_dir: Path) -> list[dict[str, Any]]:
    """The records of a finished batch's manifest.json: one per file, in its order."""
    from ..batch.freshness import read_manifest

    files: list[dict[str, Any]] = (read_manifest(out_dir) or {}).get("files", [])
    return files


def print_run_files(files: list[dict[str, Any]]) -> list[tuple[dict[str, Any], bool]]:
    """The manifest record of each print-run file, and whether it prints patients' names, in manifest
    order: ``print-run-LAYOUT.pdf`` of a batch, ``roster-LAYOUT.pdf`` of a roster (which prints names)."""
    from ..batch import roster, runner

    found = []
    for record in files:
        layout = record.get("layout")
        for prefix, personal in ((runner.PRINT_RUN, False), (roster.PRINT_RUN, True)):
            if record.get("file") == f"{prefix}-{layout}.pdf":
                found.append((record, personal))
    return found


def _pages(n: int) -> str:
    return f"{n} page{'s' if n != 1 else ''}"
