"""Apps stage, command line: a thin Click layer over the library API; errors become one line and exit 1."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..version import __version__
from .recording import open_record, record, record_made, record_options

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_OUT = Path("out")


DEBUG = "IVIG_HANDOUT_DEBUG"  # set to 1 for the traceback of an unexpected error


def friendly(func: F) -> F:
    """Turn library errors into one clear line on stderr and exit code 1 (no traceback). An error
    that is not the user's to fix (a bug) is one line too, saying so; IVIG_HANDOUT_DEBUG=1 shows it whole."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import os

        from ..errors import IvigError

        try:
            return func(*args, **kwargs)
        except IvigError as exc:
            for line in str(exc).splitlines() or ["error"]:
                click.echo(f"error: {line}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # `check | head`: the reader has all it wants; exit as `yes | head` does
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            sys.exit(128 + 13)
        except Exception as exc:  # the last resort: never a traceback for a user
            if os.environ.get(DEBUG):
                raise
            first = (str(exc).splitlines() or [""])[0][:200]
            click.echo(f"error: unexpected {type(exc).__name__}: {first} (a bug in ivig-handout; please report "
                       f"it, with {DEBUG}=1 set for the details)", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


if TYPE_CHECKING:  # generic in the Click that mypy checks against; plain in older ones at run time
    _StrType = click.ParamType[str]
    _ListType = click.ParamType[list[str]]
else:
    _StrType = _ListType = click.ParamType


def text_problem(value: str) -> str:
    """Why ``value`` cannot be a name given as an option (a printer queue, a layout, a document): empty, or
    holding a control character (a line break would split every message that shows it); "" when fine."""
    if not value.strip():
        return f"{value!r} is empty; give a value, or leave the option out for its default"
    if any(unicodedata.category(c) == "Cc" for c in value):
        return f"{value!r} holds a control character (a line break or a tab?); give the name without it"
    return ""


class Text(_StrType):
    """A name given as an option: not empty and without control characters (a usage error, on one line)."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        problem = text_problem(str(value))
        if problem:
            self.fail(problem, param, ctx)
        return str(value)


class LayoutName(_StrType):
    """A layout name (``NAME`` or ``NAME-mono``); an unknown one is a usage error with the closest names."""

    name = "layout"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..design.names import layout_key
        from ..errors import IvigError

        Text().convert(value, param, ctx)
        try:
            layout_key(str(value))  # names only: no pydantic, so an up-to-date batch stays fast
        except IvigError as exc:
            self.fail(str(exc), param, ctx)
        return str(value)


class LayoutNames(_ListType):
    """Comma-separated layout names, at least one, each checked like ``--layout``."""

    name = "layouts"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list[str]:
        if isinstance(value, list):
            return value
        names = [n.strip() for n in str(value).split(",") if n.strip()]
        if not names:
            self.fail("give at least one layout, e.g. letter,booklet (see `ivig-handout layouts`)", param, ctx)
        return [LayoutName().convert(n, param, ctx) for n in names]


def pack_folder(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    """``--content es``: a shipped pack by name (inputs.content.resolve_pack); else the folder given
    (``./es`` for a folder called es: the text as typed, before it becomes a Path)."""
    from ..resources import resolve_pack  # not inputs.content: an unchanged batch imports no pydantic

    return resolve_pack(value)


content_option: Callable[[F], F] = click.option(
    "--content", "content_dir", type=click.Path(), default=None, callback=pack_folder,
    help="Content pack: a folder, or a shipped language pack by name (es). Default: the English AAN sheet.",
)
def refuse_draft(content_dir: Path | None, allow: bool, also: str | None = None) -> None:
    """A draft or out-of-date translation is not printed for patients: an error unless --allow-draft
    (either side of a two-language handout: ``also``, --also's pack)."""
    if allow:
        return
    from ..api import draft_problem, load_handout
    from ..errors import ContentError

    folders = [content_dir]
    if also is not None:
        from ..api import also_pack

        folders.append(also_pack(also))
    for folder in folders:
        problem = draft_problem(load_handout(folder), folder)
        if problem:
            raise ContentError([problem])


also_option: Callable[[F], F] = click.option(
    "--also", default=None, metavar="LANGUAGE",
    help="A second language on the back (a shipped pack such as es, en for English, or a pack's folder): "
         "printed on both sides, each language starting on a front side.")
def refuse_draft_rows(rows: Sequence[Any], label: str, allow: bool) -> None:
    """A roster's rows whose ``language`` or ``also`` is a draft translation: an error (each row located)
    unless --allow-draft."""
    if allow:
        return
    from ..api import draft_rows
    from ..errors import ProblemsError

    problems = draft_rows(rows, label)
    if problems:
        raise ProblemsError(problems)


allow_draft_option: Callable[[F], F] = click.option(
    "--allow-draft", is_flag=True,
    help="Use a draft or out-of-date translation anyway (every page carries the draft band).",
)
layout_option: Callable[[F], F] = click.option(
    "--layout", "-l", type=LayoutName(), default="letter", show_default=True,
    help="Print layout; see `ivig-handout layouts`.",
)
mono_option: Callable[[F], F] = click.option("--mono", is_flag=True, help="Print in greyscale.")


def _use_fonts(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    """``--fonts DIR``: its fonts are fallbacks after the bundled ones, here and in worker processes."""
    if value is not None:
        import os

        from ..inputs.fonts import FONTS_ENV, use_folder

        os.environ[FONTS_ENV] = str(value.resolve())
        use_folder(value)


fonts_option: Callable[[F], F] = click.option(
    "--fonts", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None, expose_value=False,
    is_eager=True, callback=_use_fonts, help="A folder of TrueType fonts for names in scripts not bundled (CJK).")


def clinic_options(func: F) -> F:
    """``--clinic FILE``, ``--patient-name``, ``--date``: shared by every command that prints handouts."""
    options = [
        click.option("--clinic", "clinic_file", type=click.Path(path_type=Path), default=None,
                     help="Clinic profile (YAML): name, logo, phone, note, QR code; see examples/clinic.yaml."),
        click.option("--patient-name", default=None, help='Fills in "Prepared for" (and prints that line).'),
        click.option("--date", default=None, help='Fills in "Date" on the "Prepared for" line.'),
        fonts_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def request(document: str, layout: str, mono: bool, content_dir: Path | None, clinic_file: Path | None,
            patient_name: str | None, date: str | None, kind: str | None = None, also: str | None = None) -> Any:
    """The API request for the options; the patient's name and date are checked here, so an error
    names the option."""
    from ..api import Request, load_clinic, patient

    if clinic_file is not None and clinic_file.is_file():
        load_clinic(clinic_file)  # first: its fonts folder (``fonts:``) may print the patient's name
    return Request(document, layout, mono, content_dir, clinic_file, patient(patient_name, date), kind, also=also)


def echo_notices(notices: Sequence[str]) -> None:
    for line in notices:
        click.echo(f"note: {line}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ivig-handout")
def main() -> None:
    """Print patient handouts of the AAN sheet "IV Immunoglobulin for Treating Neuromuscular
    Disorders": the full sheet, one page per disorder, in several print layouts."""
    import atexit
    import gc

    # When the command is done, Python's final collections would walk every object the imports and
    # the rendering made (50-90 ms after a batch) only to free memory the process is giving back.
    atexit.unregister(gc.freeze)  # once, however often main runs in one process (tests)
    atexit.register(gc.freeze)


@main.command()
@layout_option
@mono_option
@content_option
@also_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="PDF file to write (default: out/ivig-information-sheet-LAYOUT.pdf).")
@clinic_options
@record_options
@friendly
def build(layout: str, mono: bool, content_dir: Path | None, also: str | None, output: Path | None,
          clinic_file: Path | None, patient_name: str | None, date: str | None, by: str | None,
          record_db: Path | str | None) -> None:
    """Write the full information sheet."""
    from ..api import build as build_doc
    from ..export.sinks.file import FileSink

    sink = FileSink(output, DEFAULT_OUT)
    sink.check()
    wanted = request("full", layout, mono, content_dir, clinic_file, patient_name, date, "full-sheet", also)
    given_to = open_record(patient_name, by, record_db)
    result = build_doc(wanted)
    echo_notices(result.notes)
    where = sink.send(result.artifact())  # with -o - the PDF is all there is on stdout
    click.echo(f"wrote {where} ({result.pages} pages, {result.layout.name})", err=sink.to_stdout)
    record_made(given_to, [result], by, sink.to_stdout)


@main.command()
def layouts() -> None:
    """List the print layouts (add --mono to any of them for greyscale)."""
    from ..api import layouts as all_layouts

    for name, layout in all_layouts().items():
        first, second = layout.summary()
        click.echo(f"{name:<15} {first}\n{'':<15} {second}")


@main.command("one-pager")
@click.argument("disorder", required=False)
@click.option("--all", "all_disorders", is_flag=True, help="Every disorder, one file each, into --out-dir.")
@layout_option
@mono_option
@content_option
@also_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="PDF file to write (one disorder; default: OUT-DIR/ivig-ID-LAYOUT.pdf).")
@click.option("--out-dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Folder for files named ivig-ID-LAYOUT.pdf.")
@clinic_options
@record_options
@friendly
def one_pager(disorder: str | None, all_disorders: bool, layout: str, mono: bool, content_dir: Path | None,
              also: str | None, output: Path | None, out_dir: Path, clinic_file: Path | None, patient_name: str | None,
              date: str | None, by: str | None, record_db: Path | str | None) -> None:
    """Write the one-page handout for DISORDER (an id or alias; see `ivig-handout list`), or --all."""
    from ..api import build_all, documents
    from ..export.sinks.file import FileSink

    if bool(disorder) == all_disorders:
        raise click.UsageError("give one disorder id (see `ivig-handout list`) or --all")
    if all_disorders and output:
        raise click.UsageError("-o/--output names one file; with --all use --out-dir")
    sink = FileSink(output, out_dir)
    sink.check()
    base = request(str(disorder or ""), layout, mono, content_dir, clinic_file, patient_name, date, "one-pager", also)
    given_to = open_record(patient_name, by, record_db)
    wanted = documents(content_dir, "one-pager") if all_disorders else [str(disorder)]
    made = build_all([replace(base, document=doc) for doc in wanted])
    for line in dict.fromkeys(note for result in made for note in result.notes):
        echo_notices([line])
    # every one rendered (and fitted) before the first is written, and then all are written or none
    for result, where in zip(made, sink.send_all([result.artifact() for result in made]), strict=True):
        pages = result.pages
        click.echo(f"wrote {where} ({pages} page{'s' if pages != 1 else ''}, {result.layout.name})",
                   err=sink.to_stdout)
    record_made(given_to, made, by, sink.to_stdout)


@main.command("list")
@content_option
@click.option("--json", "as_json", is_flag=True, help="Print the disorders as JSON (for scripts).")
@friendly
def list_disorders(content_dir: Path | None, as_json: bool) -> None:
    """List the disorders: id, abbreviation, evidence rating, name and aliases (for `one-pager`)."""
    from ..api import content
    from .listing import as_text, disorder_rows

    rows = disorder_rows(content(content_dir))
    if as_json:
        import json

        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for line in as_text(rows):
            click.echo(line)


@main.command()
@content_option
@click.option("--clinic", type=click.Path(path_type=Path), default=None, help="Clinic profile to check too.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--skip-fit", is_flag=True, help="Do not render the one-pagers to check they fit (faster).")
@friendly
def check(content_dir: Path | None, clinic: Path | None, as_json: bool, skip_fit: bool) -> None:
    """Check content (and a clinic profile) is fit to print; exit 1 if anything would print wrong."""
    from .check import as_json as findings_json
    from .check import exit_code, run_checks

    findings = run_checks(content_dir, clinic, fit=not skip_fit)
    if as_json:
        import json

        click.echo(json.dumps(findings_json(findings), indent=2, ensure_ascii=False))
    else:
        width = max(len(f.check) for f in findings)
        for f in findings:
            click.echo(f"{f.status.upper():<5} {f.check:<{width}}  {f.detail}")
            for item in f.items:
                click.echo(f"{'':<5} {'':<{width}}    - {item}")
    sys.exit(exit_code(findings))


BATCH_LAYOUTS = "letter,a4,large-print,booklet,2up"
_ALL_ONLY = {"layout_list": "--layouts", "out_dir": "--out-dir", "copies": "--copies", "mono": "--mono",
             "content_dir": "--content", "clinic_file": "--clinic"}
_ROSTER_ONLY = {"roster_doc": "--doc", "roster_layout": "--layout", "roster_files": "--files"}


@main.command()
@click.argument("job_file", required=False, type=click.Path(path_type=Path))
@click.option("--all", "all_docs", is_flag=True, help="Every document: the full sheet and every one-pager.")
@click.option("--layouts", "layout_list", type=LayoutNames(), default=BATCH_LAYOUTS, show_default=True,
              help="Comma-separated layouts (with --all).")
@click.option("--out-dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Folder for the handouts (with --all).")
@click.option("--copies", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Copies of each handout in the print-run files (with --all).")
@mono_option
@content_option
@click.option("--clinic", "clinic_file", type=click.Path(path_type=Path), default=None,
              help="Clinic profile printed on every handout (with --all).")
@click.option("--force", is_flag=True, help="Remake every file, even those already up to date.")
@click.option("--roster", "roster_file", type=click.Path(path_type=Path), default=None,
              help="A day's patients (CSV or XLSX): one personalised handout per row, in roster order.")
@click.option("--doc", "roster_doc", type=Text(), default=None,
              help="Document for roster rows without a disorder (with --roster).")
@click.option("--layout", "roster_layout", type=LayoutName(), default=None,
              help="Layout for roster rows without a layout (with --roster; default letter).")
@click.option("--files", "roster_files", is_flag=True, help="One file per roster row as well (with --roster).")
@click.option("--no-cache", is_flag=True, help="Render everything again instead of taking unchanged renderings "
              "from the render cache (the user's cache folder; never a patient's handout).")
@click.option("--printer", type=Text(), metavar="QUEUE", default=None,
              help="Then print each print-run file on this CUPS queue.")
@allow_draft_option
@record_options
@fonts_option
@friendly
def batch(job_file: Path | None, all_docs: bool, layout_list: list[str], out_dir: Path, copies: int, mono: bool,
          content_dir: Path | None, clinic_file: Path | None, force: bool, roster_file: Path | None,
          roster_doc: str | None, roster_layout: str | None, roster_files: bool, printer: str | None,
          no_cache: bool, allow_draft: bool, by: str | None, record_db: Path | str | None) -> None:
    """Write many handouts at once, from JOB_FILE (YAML), --all or --roster: each PDF, one print-run PDF
    per layout (every handout x copies, each starting on a front side) and manifest.json. Files already
    up to date are not written again (a roster is always printed). Each print run printed, and a roster's
    handouts, are recorded in the education record."""
    from ..batch.runner import run, spec_for_all, spec_from_file
    from .printing import checked_printer, job_printer
    from .recording import open_batch

    ctx = click.get_current_context()

    def given(names: dict[str, str]) -> list[str]:
        return [flag for name, flag in names.items()
                if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT]

    roster_only = given(_ROSTER_ONLY)
    if sum((bool(job_file), all_docs, roster_file is not None)) != 1:
        raise click.UsageError("give a job file (ivig-handout batch JOB.yaml), --all or --roster FILE: one of them")
    if roster_file is not None:
        if force or given({"layout_list": "--layouts"}):
            raise click.UsageError("--force and --layouts do not go with --roster (a roster is always printed; "
                                   "use --layout)")
    elif roster_only:
        raise click.UsageError(f"{', '.join(roster_only)} only go with --roster")
    if job_file and given(_ALL_ONLY):
        raise click.UsageError(f"{', '.join(given(_ALL_ONLY))} only go with --all; set them in the job file instead")
    sink = checked_printer(printer)
    try:
        if roster_file is not None:
            from ..batch.roster import load_roster, run_roster

            roster = load_roster(roster_file, out_dir, roster_doc, (roster_layout or "letter",), copies, mono,
                                 content_dir, clinic_file, roster_files)
            refuse_draft(roster.content_dir, allow_draft)
            refuse_draft_rows(roster.rows, str(roster_file), allow_draft)
            given_to = open_batch(by, record_db, sink is not None, None, roster)
            with _Progress() as progress:
                outcome = run_roster(roster, progress=progress, cache=_cache(no_cache))
            sys.exit(_batch_report(outcome, sink, given_to))
        if job_file:
            queue, spec = job_printer(spec_from_file(job_file))
            sink = sink or checked_printer(queue)
            if isinstance(spec.options, dict) and "roster" in spec.options:  # no heavy imports otherwise
                from ..batch.roster import roster_from_job, run_roster

                roster = roster_from_job(job_file, spec.located)
                refuse_draft(roster.content_dir, allow_draft)
                refuse_draft_rows(roster.rows, str(spec.options["roster"]), allow_draft)
                given_to = open_batch(by, record_db, sink is not None, None, roster)
                with _Progress() as progress:
                    outcome = run_roster(roster, progress=progress, cache=_cache(no_cache))
                sys.exit(_batch_report(outcome, sink, given_to))
        else:
            spec = spec_for_all(layout_list, out_dir, copies, mono, content_dir, clinic_file)
        if sink is not None:  # printed: handed out; only written: drafts may be (with the band)
            refuse_draft(spec.content_dir, allow_draft)
        given_to = open_batch(by, record_db, sink is not None, spec.content_dir)
        with _Progress() as progress:
            outcome = run(spec, force=force, progress=progress, cache=_cache(no_cache))
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP before any file was written
        click.echo("interrupted before any file was written", err=True)
        sys.exit(128 + getattr(exc, "signum", 2))
    sys.exit(_batch_report(outcome, sink, given_to))


def _cache(off: bool) -> Any:
    """The render cache of a batch (None with --no-cache)."""
    from ..personalise.disk import RenderCache  # not the api: an unchanged batch loads no pydantic

    return None if off else RenderCache.default()


def _batch_report(outcome: Any, sink: Any = None, given_to: Any = None) -> int:
    """Summary on stdout, problems on stderr; then the print runs printed (``sink``) and the handouts
    recorded (``given_to``); the exit code."""
    from .printing import print_runs

    where = f"{outcome.out_dir}/"
    if outcome.up_to_date:
        click.echo(f"up to date: {where} ({len(outcome.kept)} files; nothing written)")
        return print_runs(outcome, sink, given_to)
    if outcome.interrupted:
        click.echo(f"interrupted: {len(outcome.written)} complete files written to {where} and listed in its "
                   "manifest.json; run the same command again to finish", err=True)
        return 128 + (outcome.signal or 2)  # 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
    echo_notices(outcome.notices)
    for file, reason in outcome.failed:
        click.echo(f"error: {file}: {reason}", err=True)
    kept = f", {len(outcome.kept)} already up to date" if outcome.kept else ""
    click.echo(f"wrote {len(outcome.written)} files to {where}{kept}; list in {where}manifest.json")
    if outcome.failed:
        click.echo(f"error: {len(outcome.failed)} of {outcome.total} files could not be made (see above)"
                   f"{'; nothing was printed' if sink else ''}", err=True)
        return 1
    return print_runs(outcome, sink, given_to)


class _Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    def __enter__(self) -> _Progress | None:
        return self if sys.stderr.isatty() else None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="batch", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


from .printing import print_handout, printers  # noqa: E402  (they use the options above)
from .serving import serve  # noqa: E402 - the web page's command, in its own module
from .site import site  # noqa: E402 - the online copy's command

main.add_command(print_handout)
main.add_command(printers)
main.add_command(record)
main.add_command(serve)
main.add_command(site)

if __name__ == "__main__":  # pragma: no cover
    main()
