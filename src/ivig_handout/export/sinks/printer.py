"""Export stage, printer sink: send a finished PDF to a CUPS queue with the CUPS command-line tools
(``lp``, ``lpstat``, ``lpoptions``), with the job's options taken from its layout so staff never pick
them:

- ``media``: the sheet the printer gets (Letter or A4; booklet and 2-up sheets are the landscape
  sheet the pages are imposed on);
- ``sides``: one-sided for a single page, two-sided-long-edge for a multi-page portrait document,
  two-sided-short-edge for booklet and 2-up sheets (flipped like the pages of a book);
- no scaling (``print-scaling=none``, and ``fit-to-page=false`` for older filters): fitting to the
  printable area would shrink 18 pt type and move the booklet's fold;
- ``outputorder=normal`` (a queue set to reverse would hand out the last page first), and copies.

The job name is the file name's stem (document and layout, never the patient); the PDF goes to ``lp``
on its standard input, so no file holding a patient's name is written on the way. A queue without
duplex asked for a two-sided job prints one-sided with a warning saying what to do by hand, or
refuses with ``strict``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import PurePath

from ...design.layouts import Layout, get_layout
from ...errors import OutputError
from . import Artifact

TIMEOUT = 60.0  # seconds a CUPS tool may take (a large print run over a slow link)
ONE_SIDED, LONG_EDGE, SHORT_EDGE = "one-sided", "two-sided-long-edge", "two-sided-short-edge"
# Sheets the layouts print on: (short side, long side) in points, and the PWG media name CUPS takes.
_MEDIA = (((612.0, 792.0), "na_letter_8.5x11in"), ((595.28, 841.89), "iso_a4_210x297mm"))
_MEDIA_TOLERANCE = 6.0  # pt: an A5 booklet sheet (2 x 148 mm) is 2 mm short of A4's 297 mm
_TOOLS = ("lp", "lpstat", "lpoptions")
_C_LOCALE = {"LC_ALL": "C", "LANG": "C"}  # lpstat's words are parsed: never translated


@dataclass(frozen=True)
class Queue:
    """A CUPS queue as ``ivig-handout printers`` lists it."""

    name: str
    default: bool
    state: str  # "idle", "printing" or "stopped"
    accepting: bool
    media: tuple[str, ...] = ()  # paper sizes the queue lists (PPD names: Letter, A4, ...)
    duplex: bool = False  # prints on both sides
    message: str = ""  # why it is stopped or rejecting jobs, as CUPS says it


def job_options(artifact: Artifact, copies: int) -> dict[str, str]:
    """The CUPS job options for ``artifact`` (from its layout and page count) at ``copies``."""
    layout = get_layout(artifact.layout)
    return {"media": _media(layout), "sides": _sides(layout, artifact.pages), "print-scaling": "none",
            "fit-to-page": "false", "outputorder": "normal", "copies": str(copies)}


def job_name(artifact: Artifact) -> str:
    """The job's name: the document and layout (the default file name's stem), never the patient."""
    return PurePath(artifact.file_name).stem


def printers() -> list[Queue]:
    """Every CUPS queue, with its state, paper sizes and duplex; OutputError if CUPS is missing."""
    status = _status()
    return [_with_options(q) for q in status.values()]


class PrinterSink:
    """Prints each artifact as one CUPS job on ``queue`` (None: the CUPS default destination)."""

    def __init__(self, queue: str | None = None, copies: int = 1, strict: bool = False) -> None:
        self.queue, self.copies, self.strict = queue, copies, strict
        self.warnings: list[str] = []
        self.options: dict[str, str] = {}
        self.queue_used = ""

    def check(self) -> None:
        """Refuse, before any work, a queue that cannot print now: CUPS missing or not running, no
        such queue (the closest names suggested), a stopped printer, a queue rejecting jobs."""
        self._ready()

    def send(self, artifact: Artifact) -> str:
        """Print ``artifact``; return the CUPS job id (``clinic-12``)."""
        queue = self._ready()
        options = job_options(artifact, self.copies)
        self.warnings = []
        if options["sides"] != ONE_SIDED and not queue.duplex:
            if self.strict:
                raise OutputError(f"{queue.name} cannot print on both sides, which {artifact.layout} needs; "
                                  f"choose a printer that can (see `ivig-handout printers`), or leave out --strict "
                                  f"to print one-sided")
            options["sides"] = ONE_SIDED
            self.warnings.append(_by_hand(queue.name, artifact))
        self.options, self.queue_used = options, queue.name
        return _submit(queue.name, job_name(artifact), options, artifact.data)

    def _ready(self) -> Queue:
        status = _status()
        name = self.queue or _default(status)
        if name not in status:
            raise OutputError(_unknown(name, list(status)))
        queue = _with_options(status[name])
        why = f" ({queue.message})" if queue.message else ""
        if queue.state == "stopped":
            raise OutputError(f"printer {name} is stopped{why}; fix it and start it again (cupsenable {name}), "
                              "or choose another with --printer")
        if not queue.accepting:
            raise OutputError(f"printer {name} is not accepting jobs{why}; let it take jobs again "
                              f"(cupsaccept {name}), or choose another with --printer")
        return queue


def _media(layout: Layout) -> str:
    """The PWG name of the sheet ``layout`` prints on (imposed layouts: two pages side by side)."""
    width, height = layout.page
    if layout.imposition != "none":
        width *= 2
    short, long = sorted((width, height))
    for (w, h), pwg in _MEDIA:
        if abs(short - w) <= _MEDIA_TOLERANCE and abs(long - h) <= _MEDIA_TOLERANCE:
            return pwg
    raise OutputError(f"layout {layout.name} prints on {short:g} x {long:g} pt sheets, which are neither Letter "
                      "nor A4; write it to a file and print that")


def _sides(layout: Layout, pages: int) -> str:
    if pages <= 1:
        return ONE_SIDED
    return LONG_EDGE if layout.imposition == "none" else SHORT_EDGE


def two_sided(layout: Layout, pages: int) -> bool:
    """Whether a document of ``pages`` sheet sides in ``layout`` prints on both sides of the paper (a
    single side prints one-sided; more, or booklet and 2-up sheets of more than one side, two-sided)."""
    return _sides(layout, pages) != ONE_SIDED


def sheets(layout: Layout, pages: int, copies: int = 1) -> int:
    """The sheets of paper ``copies`` copies of a document of ``pages`` sheet sides take (each copy
    starts on a sheet of its own)."""
    return copies * ((pages + 1) // 2 if two_sided(layout, pages) else pages)


def _by_hand(queue: str, artifact: Artifact) -> str:
    """What to do when a two-sided job came out one-sided, for the one who takes it from the tray."""
    edge = "short" if _sides(get_layout(artifact.layout), artifact.pages) == SHORT_EDGE else "long"
    return (f"{queue} prints on one side only, so the {artifact.pages} sides of {artifact.file_name} came out on "
            f"{artifact.pages} sheets; to print it on both sides by hand, print its odd pages, turn the stack over "
            f"on its {edge} edge, feed it back in and print its even pages (or choose a printer with duplex: "
            "`ivig-handout printers`)")


def _status() -> dict[str, Queue]:
    """Every queue's state from ``lpstat -d -p -a`` (idle/printing/stopped, accepting, default)."""
    result = _run(["lpstat", "-d", "-p", "-a"])
    if "scheduler is not running" in result.stderr.lower() or "unable to connect" in result.stderr.lower():
        where = os.environ.get("CUPS_SERVER", "this computer")
        raise OutputError(f"the CUPS print service on {where} is not running or cannot be reached; start it "
                          "(e.g. service cups start) or ask whoever looks after the printers")
    default, last = "", ""
    state: dict[str, str] = {}
    accepting: dict[str, bool] = {}
    message: dict[str, str] = {}
    for line in result.stdout.splitlines():
        if line.startswith("\t"):
            message.setdefault(last, line.strip())
        elif m := re.match(r"system default destination: (\S+)", line):
            default = m.group(1)
        elif m := re.match(r"printer (\S+) (is idle|now printing|disabled)", line):
            last = m.group(1)
            state[last] = {"is idle": "idle", "now printing": "printing"}.get(m.group(2), "stopped")
        elif m := re.match(r"(\S+) (accepting|not accepting) requests", line):
            last = m.group(1)
            accepting[last] = m.group(2) == "accepting"
    return {name: Queue(name, name == default, st, accepting.get(name, True), message=message.get(name, ""))
            for name, st in state.items()}


def _with_options(queue: Queue) -> Queue:
    """``queue`` with the paper sizes and duplex ``lpoptions -l`` lists for it."""
    listed: dict[str, list[str]] = {}
    for line in _run(["lpoptions", "-p", queue.name, "-l"]).stdout.splitlines():
        key, _, choices = line.partition(":")
        listed[key.split("/")[0]] = [c.lstrip("*") for c in choices.split()]
    duplex = any(c != "None" for c in listed.get("Duplex", []))
    return Queue(queue.name, queue.default, queue.state, queue.accepting, tuple(listed.get("PageSize", [])),
                 duplex, queue.message)


def _default(status: dict[str, Queue]) -> str:
    for queue in status.values():
        if queue.default:
            return queue.name
    if not status:
        raise OutputError("no printers are set up in CUPS; add one (the system's printer settings, or lpadmin)")
    raise OutputError(f"no default printer is set; give --printer QUEUE (one of {', '.join(status)}), or set a "
                      "default with lpoptions -d QUEUE")


def _unknown(name: str, names: list[str]) -> str:
    close = get_close_matches(name, names, n=2, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    listed = f"the printers are {', '.join(names)}" if names else "no printers are set up in CUPS"
    return f"there is no printer called '{name}'; {hint}({listed}; see `ivig-handout printers`)"


def _submit(queue: str, name: str, options: dict[str, str], data: bytes) -> str:
    """Hand the PDF to ``lp`` on its standard input; the job id CUPS gave it."""
    command = ["lp", "-d", queue, "-t", name]
    for key, value in options.items():
        command += ["-o", f"{key}={value}"]
    result = _run(command, data)
    found = re.search(r"request id is (\S+)", result.stdout)
    if result.returncode != 0 or not found:
        said = _first_line(result.stderr) or f"lp exited with status {result.returncode}"
        raise OutputError(f"printer {queue} did not take the job ({said}); nothing was printed")
    return found.group(1)


def _run(command: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run a CUPS tool in the C locale; OutputError if CUPS's tools are not installed."""
    tool = shutil.which(command[0])
    if tool is None:
        missing = [t for t in _TOOLS if shutil.which(t) is None]
        raise OutputError(f"the CUPS printing tools ({', '.join(missing)}) are not installed; install CUPS "
                          "(Debian, Ubuntu: apt-get install cups-client), or write the PDF to a file and print that")
    try:
        done = subprocess.run(command, executable=tool, input=data, capture_output=True, timeout=TIMEOUT,
                              check=False, env={**os.environ, **_C_LOCALE})
    except subprocess.TimeoutExpired:
        raise OutputError(f"{command[0]} did not answer within {TIMEOUT:g} s; check the CUPS print service") from None
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(errors="replace"),
                                       done.stderr.decode(errors="replace"))


def _first_line(text: str) -> str:
    """The first line a CUPS tool printed, without its ``lp:``/``Error -`` prefix."""
    line = (text.strip().splitlines() or [""])[0]
    return re.sub(r"^\w+: (Error - )?", "", line).strip()
