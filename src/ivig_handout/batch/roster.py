"""Batch stage, roster: a day's patients (inputs.roster) -> one print-ready PDF per layout in roster
order (``roster-LAYOUT.pdf``), optionally one file per row, and manifest.json without names or dates.

Every row is rendered in full through the library API (api.build) in the batch's worker pool; the
run is ordered (rows in, print run out) so a later step can swap the full render of a row for a
template stamped with the name (issue 12, point 3) behind ``render_row`` without touching the rest.
Rosters are always rendered: the freshness check of a plain batch does not apply (the inputs include
names, which are never hashed into a manifest).
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..api import Request
from ..design.layouts import all_layouts, get_layout
from ..errors import ContentError, IvigError, NotFoundError, OutputError
from ..inputs.content import load_handout
from ..inputs.model import Handout
from ..inputs.roster import MAX_COPIES, RosterRow, read_roster
from ..inputs.validate import validate
from ..plan.kinds.full_sheet import FULL
from ..version import __version__
from .freshness import MANIFEST
from .jobs import at_field, check_clinic, check_out_dir, item_path, path_is
from .runner import LOCK_WAIT, FolderLock, Outcome, Progress, Stop, remove_stale_parts

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..inputs.yamlio import Located

PRINT_RUN = "roster"
DEFAULT_LAYOUT = "letter"


@dataclass(frozen=True)
class Roster:
    """A checked roster run: the rows, the layouts of rows without a ``layout`` cell, the copies of rows
    without a ``copies`` cell, and where the handouts come from and go."""

    rows: tuple[RosterRow, ...]
    layouts: tuple[str, ...]
    out_dir: Path
    copies: int = 1
    mono: bool = False
    content_dir: Path | None = None
    clinic: Path | None = None
    files: bool = False  # one file per row as well

    def items(self) -> list[Item]:
        """What to render, in roster order: each row in its layout (or each default layout)."""
        return [Item(i, row, lay, row.copies or self.copies)
                for i, (row, lay) in enumerate((row, lay) for row in self.rows
                                               for lay in ((row.layout,) if row.layout else self.layouts))]

    def request(self, item: Item) -> Request:
        return Request(item.row.document, item.layout, self.mono, self.content_dir, self.clinic, item.row.patient)


@dataclass(frozen=True)
class Item:
    """One handout of the run: a row in one layout."""

    index: int
    row: RosterRow
    layout: str
    copies: int

    @property
    def file(self) -> str:
        """Named by row number, document and layout; never by the patient's name."""
        return f"row-{self.row.row:04d}-{self.row.document}-{self.layout}.pdf"


@dataclass(frozen=True)
class Rendered:
    """A row's PDF (or the one-line reason it could not be made)."""

    data: bytes = b""
    pages: int = 0
    error: str = ""


def render_row(request: Request) -> Rendered:
    """One row, rendered in full through the library API (runs in a worker)."""
    from ..api import build
    from .workers import failure_reason

    try:
        result = build(request)
    except Exception as exc:  # noqa: BLE001 - one failing row must not stop the others
        return Rendered(error=failure_reason(exc))
    return Rendered(result.data, result.pages)


# -- loading ---------------------------------------------------------------------------------------

def load_roster(path: Path, out_dir: Path, document: str | None = None, layouts: Sequence[str] = (DEFAULT_LAYOUT,),
                copies: int = 1, mono: bool = False, content_dir: Path | None = None, clinic: Path | None = None,
                files: bool = False, where: Callable[[str, str], str] | None = None) -> Roster:
    """Check the options and every row of the roster file; ContentError listing every problem at once.
    ``where(option, message)`` locates a problem with an option (default: ``--doc: message``)."""
    at = where or (lambda option, message: f"{option}: {message}")
    problems: list[str] = []
    check_out_dir(Path(out_dir), lambda m: at("--out-dir", m), problems)
    checked = _check_layouts(layouts, mono, lambda m: at("--layout", m), problems)
    clinic_ok = clinic if clinic is not None and check_clinic(clinic, problems) else None
    handout = load_handout(content_dir)
    find = document_finder(handout)
    default = None
    if document is not None:
        try:
            default = find(document)
        except NotFoundError as exc:
            problems.append(at("--doc", str(exc)))
    if problems:
        raise ContentError(problems)
    rows = read_roster(path, find, layout_finder(mono), default)
    return Roster(rows, checked, Path(out_dir), copies, mono, content_dir, clinic_ok, files)


def document_finder(handout: Handout) -> Callable[[str], str]:
    """A cell's document -> canonical id: ``full``, a disorder id, alias, name or abbreviation (any case)."""
    names: dict[str, str] = {FULL: FULL}
    ids = [FULL]
    for disorder, _group in handout.disorders():
        ids += [disorder.id, *disorder.aliases]
        for name in (disorder.id, *disorder.aliases, disorder.name, disorder.abbreviation):
            if name:
                names.setdefault(_key(name), disorder.id)

    def find(text: str) -> str:
        found = names.get(_key(text))
        if found is None:
            raise NotFoundError(f"unknown '{text}', {_hint(_key(text), ids, 'a disorder id, alias or name')}")
        return found

    return find


def layout_finder(mono: bool) -> Callable[[str], str]:
    names = [*all_layouts(), *(f"{n}-mono" for n in all_layouts())]

    def find(text: str) -> str:
        try:
            return get_layout(text.strip().lower(), mono=mono).name
        except (NotFoundError, KeyError):
            raise NotFoundError(f"unknown '{text}', {_hint(text.strip().lower(), names, 'a layout name')} "
                                "(see `ivig-handout layouts`)") from None

    return find


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _hint(key: str, names: Sequence[str], what: str) -> str:
    close = get_close_matches(key, names, n=3, cutoff=0.5)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else f"expected {what}"


def _check_layouts(names: Sequence[str], mono: bool, where: Callable[[str], str],
                   problems: list[str]) -> tuple[str, ...]:
    find, found = layout_finder(mono), []
    for name in names:
        try:
            found.append(find(name))
        except NotFoundError as exc:
            problems.append(where(str(exc)))
    return tuple(dict.fromkeys(found))


class RosterJobFile(BaseModel):
    """A job file with ``roster:``; see README "Rosters"."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    roster: str = Field(min_length=1)
    documents: tuple[str, ...] = Field(default=(), max_length=1)  # the default document, if any
    layouts: tuple[str, ...] = Field(default=(DEFAULT_LAYOUT,), min_length=1)
    copies: int = Field(default=1, ge=1, le=MAX_COPIES)
    output: str = Field(min_length=1)
    content: str | None = None
    mono: bool = False
    clinic: str | None = None
    files: bool = False
    printer: str | None = Field(default=None, min_length=1)  # a CUPS queue for the print runs (apps/printing)

    @field_validator("documents", "layouts", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def roster_from_job(path: Path, located: Located) -> Roster:
    """A job file's roster run; paths are relative to the job file's folder."""
    fields = validate(located, RosterJobFile)
    base = Path(path).parent
    options = {"--doc": ("documents", 0), "--layout": ("layouts", 0), "--out-dir": ("output",)}

    def where(option: str, message: str) -> str:
        key = options.get(option, (option,))
        if key[0] in ("documents", "layouts"):
            key = item_path(located, key[0], 0)
        return at_field(located, tuple(key), message)

    content_dir = base / fields.content if fields.content else None
    if content_dir is not None and not path_is(content_dir, stat.S_ISDIR):
        raise ContentError([at_field(located, ("content",), f"content folder '{content_dir}' not found "
                                                       "(a relative path starts at the job file's folder)")])
    clinic = base / fields.clinic if fields.clinic else None
    return load_roster(base / fields.roster, base / fields.output, fields.documents[0] if fields.documents else None,
                       fields.layouts, fields.copies, fields.mono, content_dir, clinic, fields.files, where)


# -- running ---------------------------------------------------------------------------------------

@dataclass
class _Run:
    """One print run being assembled: the layout's handouts in roster order."""

    layout: str
    members: list[tuple[bytes, int]] = field(default_factory=list)  # (PDF, copies)
    items: list[Item] = field(default_factory=list)
    failed: bool = False


def run_roster(roster: Roster, progress: Progress | None = None, lock_wait: float = LOCK_WAIT) -> Outcome:
    """Render every row in the pool, write the per-row files (``files``) as rows finish in roster order,
    then each layout's print run, then manifest.json. Ctrl-C, SIGTERM and SIGHUP stop between files."""
    with Stop() as stop, FolderLock(lock_wait) as lock:
        lock.take(roster.out_dir, create=True)
        remove_stale_parts(roster.out_dir)
        return _Writer(roster, stop, progress, lock.descriptors()).run()


class _Writer:
    def __init__(self, roster: Roster, stop: Stop, progress: Progress | None, inherited: tuple[int, ...]) -> None:
        self.roster, self.stop, self.progress, self.inherited = roster, stop, progress, inherited
        self.items = roster.items()
        self.runs = {lay: _Run(lay) for lay in dict.fromkeys(item.layout for item in self.items)}
        total = len(self.runs) + (len(self.items) if roster.files else 0)
        self.outcome = Outcome(roster.out_dir, total=total)
        self.records: list[dict[str, Any]] = []
        self.done = 0

    def run(self) -> Outcome:
        self.stop.defer()  # a stop signal now ends the run between files
        try:
            self._render()
            if not self.outcome.interrupted:
                for run in self.runs.values():
                    if self.stop.signum:
                        self.outcome.interrupted, self.outcome.signal = True, self.stop.signum
                        break
                    self._print_run(run)
        finally:
            self._write_manifest()
        return self.outcome

    def _render(self) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        from . import workers

        first = self.items[0]
        executor, n = workers.make_executor(self.roster.request(first), len(self.items), self.inherited)
        pending = iter(self.items)
        running: dict[Future[Rendered], Item] = {}
        finished: dict[int, Rendered] = {}
        cursor = 0
        try:
            while cursor < len(self.items) and not self.stop.signum:
                while len(running) < 2 * n and (item := next(pending, None)) is not None:
                    running[executor.submit(render_row, self.roster.request(item))] = item
                done, _ = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    finished[running.pop(future).index] = future.result()
                while cursor in finished:  # in roster order: only what is next is taken in
                    self._take(self.items[cursor], finished.pop(cursor))
                    cursor += 1
        except BrokenProcessPool:
            if not self.stop.signum:
                raise IvigError("a worker process stopped unexpectedly (out of memory?); run the same "
                                "command again") from None
        finally:
            self.outcome.interrupted = cursor < len(self.items)
            self.outcome.signal = self.stop.signum if self.outcome.interrupted else 0
            workers.shut_down(executor, now=self.outcome.interrupted)

    def _take(self, item: Item, made: Rendered) -> None:
        run = self.runs[item.layout]
        if made.error:
            run.failed = True
            self.outcome.failed.append((f"row {item.row.row}", f"{item.row.document} on {item.layout}: {made.error}"))
            return
        run.members.append((made.data, item.copies))
        run.items.append(item)
        if self.roster.files:
            record = {"file": item.file, "row": item.row.row, "document": item.row.document, "layout": item.layout,
                      "copies": item.copies}
            self._write(item.file, made.data, made.pages, record)

    def _print_run(self, run: _Run) -> None:
        from ..export.impose import combine
        from ..export.pdfinfo import page_count

        file = f"{PRINT_RUN}-{run.layout}.pdf"
        if run.failed or not run.members:
            self.outcome.failed.append((file, "not made because rows of it failed (see above)"))
            return
        data, _starts = combine([pdf for pdf, copies in run.members for _ in range(copies)], pad_to_even=True)
        run.members.clear()  # the print run holds them now
        record = {"file": file, "layout": run.layout, "rows": [i.row.row for i in run.items],
                  "documents": [i.row.document for i in run.items], "copies": [i.copies for i in run.items]}
        self._write(file, data, page_count(data), record)

    def _write(self, file: str, data: bytes, pages: int, record: dict[str, Any]) -> None:
        from ..export.sinks.file import write_atomic

        path = self.roster.out_dir / file
        try:
            write_atomic(path, data, private=True)  # prints patients' names
        except (OutputError, OSError) as exc:
            self.outcome.failed.append((file, (str(exc).splitlines() or [type(exc).__name__])[0]))
        else:
            self.records.append(record | {"pages": pages, "bytes": len(data),
                                          "sha256": hashlib.sha256(data).hexdigest()})
            self.outcome.written.append(file)
        self.done += 1
        if self.progress:
            self.progress(self.done, self.outcome.total)

    def _write_manifest(self) -> None:
        """manifest.json: files, row numbers, documents, layouts, pages and hashes; never names or dates."""
        from ..export.sinks.file import write_atomic

        if not self.records:
            return
        complete = not self.outcome.failed and not self.outcome.interrupted
        manifest = {"generator": f"ivig-handout {__version__}", "complete": complete, "roster": True,
                    "rows": len(self.roster.rows), "total": self.outcome.total, "files": self.records}
        write_atomic(self.roster.out_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
