"""Batch stage, roster: a day's patients (inputs.roster) -> one print-ready PDF per layout in roster
order (``roster-LAYOUT.pdf``), optionally one file per row, and manifest.json without names or dates.

Each distinct (document, layout, values given) is rendered once, as a template (in the worker pool);
each row's name and date are stamped into it where they fit (api.run_member; how is personalise/'s
business): in the print run a row adds only its stamped values, sharing the template's pages. A row
whose values do not fit the template's slots, and every row on an imposed layout, is made by api.build
in the pool.
Rosters are always rendered: the freshness check of a plain batch does not apply (the inputs include
names, which are never hashed into a manifest).
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import sys
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from ..api import (
    Member,
    Patient,
    Request,
    Result,
    RosterRow,
    RowTemplate,
    __version__,
    document_finder,
    language_finder,
    layout_finder,
    load_handout,
    read_roster,
    row_template,
    validate,
)
from ..errors import ContentError, IvigError, NotFoundError, OutputError
from . import pauses
from .freshness import MANIFEST, read_manifest
from .jobs import at_field, check_clinic, check_out_dir, item_path, path_is
from .runner import LOCK_WAIT, FolderLock, Outcome, Progress, Stop, remove_stale_parts

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from ..api import Located, RenderCache
    from .workers import Workers

PRINT_RUN = "roster"
WRITERS = 4  # threads writing files: each mostly waits for the disk (fsync)
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
    stamp: bool = True  # False: every row rendered in full, the plain way (benchmarks pair the two)

    def items(self) -> list[Item]:
        """What to render, in roster order: each row in its layout (or each default layout)."""
        return [Item(i, row, lay, row.copies or self.copies)
                for i, (row, lay) in enumerate((row, lay) for row in self.rows
                                               for lay in ((row.layout,) if row.layout else self.layouts))]

    def request(self, item: Item) -> Request:
        """What the item asks for (in its row's own language, if it names one; a second one on the back)."""
        from ..api import also_pack

        row = item.row
        content = also_pack(row.language) if row.language is not None else self.content_dir
        return Request(row.document, item.layout, self.mono, content, self.clinic, row.patient, also=row.also)


@dataclass(frozen=True)
class Item:
    """One handout of the run: a row in one layout."""

    index: int
    row: RosterRow
    layout: str
    copies: int

    @property
    def file(self) -> str:
        """Named by row number, document and layout; never by the patient's name (api.row_file)."""
        from ..api import row_file

        return row_file(self.row, self.layout)


@dataclass(frozen=True)
class Rendered:
    """A row's PDF (or the one-line reason it could not be made); a stamped row's print-run member
    (api.run_member) and, with ``files``, its own PDF."""

    data: bytes = b""
    pages: int = 0
    error: str = ""
    member: bytes | Member | None = None  # its place in the print run, if not ``data``


def render_row(request: Request, stamp: bool = True) -> Rendered:
    """One row through the library API (runs in a worker): stamped into the worker's template of its
    document, or rendered in full where its values do not fit (and on imposed layouts, imposed)."""
    from ..api import build
    from .workers import failure_reason

    try:
        result = build(request, stamp)
    except Exception as exc:  # noqa: BLE001 - one failing row must not stop the others
        return Rendered(error=failure_reason(exc))
    return Rendered(result.data, result.pages)


def template_request(request: Request) -> Request:
    """The request of ``request``'s template: its patient's values as slots."""
    from ..api import template_of

    return replace(request, patient=template_of(request.patient or Patient()))


def render_template(request: Request, cache: RenderCache | None = None) -> Result | str:
    """A document's template (``request``: a template_request; runs in a worker; kept in ``cache``);
    the reason if it fails."""
    from ..api import cached, template_for

    try:
        return cached(cache, request, template_for)
    except Exception as exc:  # noqa: BLE001 - the rows of a failing template fail, the others go on
        from .workers import failure_reason  # (only then: a roster that needs no pool imports none of it)

        return failure_reason(exc)


def _worker_lost(exc: Exception) -> bool:
    """Whether ``exc`` is the pool's WorkerLostError (workers.py, imported only when a pool starts)."""
    workers = sys.modules.get(f"{__package__}.workers")
    return workers is not None and isinstance(exc, workers.WorkerLostError)


class _Hashed:
    """A file a print run is saved into, hashing and counting what passes through."""

    def __init__(self) -> None:
        self.out: BinaryIO | None = None
        self.sha = hashlib.sha256()
        self.size = 0
        self.pause = pauses.wanted("print-run-writing")  # (asked once: pikepdf writes about 30 times a row)

    def write(self, data: bytes) -> int:
        assert self.out is not None
        self.sha.update(data)
        self.size += len(data)
        wrote = self.out.write(data)
        if self.pause:
            pauses.reached("print-run-writing", self.out.flush)  # tests: part of it on disk, under a temporary name
        return wrote

    def flush(self) -> None:
        if self.out is not None:
            self.out.flush()

    def tell(self) -> int:
        return self.size

    def seek(self, offset: int, whence: int = 0) -> int:
        """Only to where it is (pikepdf asks for a seekable file; a print run is written in one pass)."""
        if (offset, whence) not in ((self.size, 0), (0, 1), (0, 2)):
            raise OSError("a print run is written in one pass")
        return self.size


_BUFFER = 1 << 16  # bytes of a print run gathered before they are hashed and written


class _Gathered:
    """What pikepdf saves a print run into: a buffer in front of a _Hashed. pikepdf writes in pieces of
    about 15 bytes, each a call into Python were it not the buffer's own ``write`` (C code). The buffer
    is flushed by the caller once the save is over, never by pikepdf: a write failing (the disk full)
    while pikepdf unwinds from an error would abort the process."""

    def __init__(self, hashed: _Hashed) -> None:
        self.raw = _Raw(hashed)
        self.buffer = io.BufferedWriter(self.raw, _BUFFER)
        self.write = self.buffer.write

    def flush(self) -> None:
        """Nothing: the caller flushes the buffer once the save is over."""

    def tell(self) -> int:
        return self.buffer.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buffer.seek(offset, whence)

    def seekable(self) -> bool:
        return True


class _Raw(io.RawIOBase):
    """A _Hashed as the raw stream under _Gathered's buffer."""

    def __init__(self, hashed: _Hashed) -> None:
        super().__init__()
        self.hashed: _Hashed | None = hashed  # None once the print run is over

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.hashed is None:  # (a buffer's leftovers after a failed save: dropped)
            return len(data)
        return self.hashed.write(bytes(data))

    def tell(self) -> int:
        return self.hashed.tell() if self.hashed is not None else 0

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.hashed is None:
            raise OSError("the print run is over")
        return self.hashed.seek(offset, whence)


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
    try:
        rows = read_roster(path, find, layout_finder(mono), default, language=handout.language,
                           languages=_languages_later())
    except _NoLanguages as exc:  # (the error as it was when the languages were read first)
        raise exc.error from None
    return Roster(rows, checked, Path(out_dir), copies, mono, content_dir, clinic_ok, files)


class _NoLanguages(Exception):  # noqa: N818 - not an error of its own: it carries one past the rows' checks
    """The languages could not be read (a shipped pack's error): the run's error, not a row's problem."""

    def __init__(self, error: IvigError) -> None:
        super().__init__(str(error))
        self.error = error


def _languages_later() -> Callable[[str], str]:
    """api.language_finder, made the first time a row names a language (it reads every shipped pack and
    Babel's language names: a roster without ``language`` or ``also`` cells needs neither)."""
    made: list[Callable[[str], str]] = []

    def find(text: str) -> str:
        if not made:
            try:
                made.append(language_finder())
            except IvigError as exc:
                raise _NoLanguages(exc) from exc
        return made[0](text)

    return find


def _check_layouts(names: Sequence[str], mono: bool, where: Callable[[str], str],
                   problems: list[str]) -> tuple[str, ...]:
    find, found = layout_finder(mono), []
    for name in names:
        try:
            found.append(find(name))
        except NotFoundError as exc:
            problems.append(where(str(exc)))
    return tuple(dict.fromkeys(found))


def roster_from_job(path: Path, located: Located) -> Roster:
    """A job file's roster run; paths are relative to the job file's folder."""
    from .roster_job import RosterJobFile  # (a pydantic model: built only for a job file)

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
    """One print run being assembled: the layout's handouts in roster order (a PDF, or a template
    with the row's values: api.run_member), with its copies."""

    layout: str
    members: list[tuple[bytes | Member, int]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    failed: bool = False
    pages: int = 0  # each handout's pages x its copies, each padded to start on a front side


def run_roster(roster: Roster, progress: Progress | None = None, lock_wait: float = LOCK_WAIT,
               cache: RenderCache | None = None) -> Outcome:
    """Render every row in the pool, write the per-row files (``files``) as rows finish in roster order,
    then each layout's print run, then manifest.json. Ctrl-C, SIGTERM and SIGHUP stop between files."""
    with Stop() as stop, FolderLock(lock_wait) as lock:
        lock.take(roster.out_dir, create=True)
        cut = remove_stale_parts(roster.out_dir)
        return _Writer(roster, stop, progress, lock.descriptors(), cache).run(len(cut))


class _Writer:
    def __init__(self, roster: Roster, stop: Stop, progress: Progress | None, inherited: tuple[int, ...],
                 cache: RenderCache | None = None) -> None:
        self.roster, self.stop, self.progress, self.inherited, self.cache = roster, stop, progress, inherited, cache
        self.items = roster.items()
        self.runs = {lay: _Run(lay) for lay in dict.fromkeys(item.layout for item in self.items)}
        total = len(self.runs) + (len(self.items) if roster.files else 0)
        self.outcome = Outcome(roster.out_dir, total=total)
        self.records: list[dict[str, Any]] = []
        self.done = 0
        self.templates: dict[tuple[str, str, bool, bool, str], RowTemplate] = {}
        self.executor: Workers | None = None  # the worker pool, once needed
        self.workers = 0
        self.writers: ThreadPoolExecutor | None = None  # made for the first file
        self.writing: deque[tuple[Future[dict[str, Any]], str]] = deque()  # under way, in order
        self.cursor = 0  # the next item to take in, in roster order

    def run(self, cut: int = 0) -> Outcome:
        """``cut``: temporary files of a killed run just removed from the folder."""
        self.stop.defer()  # a stop signal now ends the run between files
        self._clear(cut)
        try:
            self._render()
            if not self.outcome.interrupted:
                for run in self.runs.values():
                    if self.stop.signum:
                        self.outcome.interrupted, self.outcome.signal = True, self.stop.signum
                        break
                    self._print_run(run)
        finally:
            self._settle()  # every write under way finished (each is whole or not there) and taken in
            if self.writers is not None:
                self.writers.shutdown()
            self._write_manifest()
        return self.outcome

    def _files(self) -> list[str]:
        """Every file this run writes, in manifest order."""
        rows = [item.file for item in self.items] if self.roster.files else []
        return rows + [f"{PRINT_RUN}-{layout}.pdf" for layout in self.runs]

    def _clear(self, cut: int) -> None:
        """Before the first file: remove the files the folder's manifest owns (the last run's rows, with
        other patients' names; only files it lists, never others), say so if that run was stopped before
        its end (kill -9: its manifest still lists the files it was about to write), and list this run's
        files in the manifest before any is written, so a run killed now leaves nothing unowned."""
        from .runner import owned_files, remove_owned

        folder = self.roster.out_dir
        last = read_manifest(folder)
        if last is not None and isinstance(last.get("planned"), list):
            planned = owned_files({"files": [], "planned": last["planned"]})
            done = sum(1 for name in planned if path_is(folder / name, stat.S_ISREG))
            cut_off = f" and {cut} {'was' if cut == 1 else 'were'} cut off mid-write" if cut else ""
            self.outcome.notices.append(f"the last run into {folder}/ was stopped before it finished: {done} of "
                                        f"its {len(planned)} files were complete{cut_off}; they are removed before "
                                        "this run writes its own")
        elif cut:
            self.outcome.notices.append(f"removed {cut} file{'s' if cut != 1 else ''} that a stopped run left "
                                        f"cut off mid-write in {folder}/")
        remove_owned(folder, last, set())
        self._write_manifest(planned=self._files())

    def _render(self) -> None:
        """Templates first (each distinct document and layout once: from the render cache here, the
        others rendered in the pool), then the rows in roster order: stamped here, or rendered in the
        pool where their values do not fit or the layout imposes. No pool is started when nothing
        needs one (every template cached, every row stamped)."""
        self.cursor = 0
        try:
            self._templates()
            self._rows()
        except Exception as exc:
            if not _worker_lost(exc):
                raise
            if not self.stop.signum:
                raise IvigError("a worker process stopped unexpectedly (out of memory?); run the same "
                                "command again") from None
        finally:
            self.outcome.interrupted = self.cursor < len(self.items)
            self.outcome.signal = self.stop.signum if self.outcome.interrupted else 0
            if self.executor is not None:
                from . import workers

                workers.shut_down(self.executor, now=self.outcome.interrupted)

    def _pool(self, tasks: int) -> tuple[Workers, int]:
        """The worker pool, started the first time it is needed (for about ``tasks`` tasks)."""
        if self.executor is None:
            from . import workers

            self.executor, self.workers = workers.make_executor(self.roster.request(self.items[0]), tasks,
                                                                self.inherited)
        return self.executor, self.workers

    def _templates(self) -> None:
        """The template of every (document, layout, values given) of rows on unimposed layouts."""
        from ..api import stored as lookup

        wanted: dict[tuple[str, str, bool, bool, str], Request] = {}
        for item in self.items:
            key = self._template_key(item)
            if key is not None and key not in wanted:  # (rows share their templates)
                wanted[key] = template_request(self.roster.request(item))
        for key, request in wanted.items():
            found = lookup(self.cache, request)
            if found is not None:
                self.templates[key] = row_template(found)
        missing = {key: request for key, request in wanted.items() if key not in self.templates}
        if not missing:
            return
        executor, _n = self._pool(len(self.items))
        futures = {key: executor.submit(render_template, request, self.cache) for key, request in missing.items()}
        for key, future in futures.items():
            while not future.done() and not self.stop.signum:
                executor.wait([future], 0.1)
            if self.stop.signum:
                return
            made = future.result()
            if isinstance(made, Result):  # a template that fails: its rows render in full (and say why)
                self.templates[key] = row_template(made)

    def _template_key(self, item: Item) -> tuple[str, str, bool, bool, str] | None:
        """Which template the item is stamped into (None: rendered in full, as a two-language one is);
        on a layout that imposes, the template is imposed once and each row stamped on its sheets."""
        if not self.roster.stamp or item.row.also is not None:
            return None
        patient = item.row.patient
        return (item.row.document, item.layout, bool(patient and patient.name), bool(patient and patient.date),
                item.row.language or "")

    def _stamp_values(self, item: Item) -> tuple[RowTemplate, Member] | None:
        """The row's template and its print-run member, if its values fit the template's slots."""
        from ..api import run_member

        key = self._template_key(item)
        template = self.templates.get(key) if key is not None else None
        if template is None or item.row.patient is None:
            return None
        member = run_member(template.sheets, item.row.patient)
        return None if member is None else (template, member)

    def _rows(self) -> None:
        stamped = {item.index: made for item in self.items if (made := self._stamp_values(item)) is not None}
        pooled = [item for item in self.items if item.index not in stamped]
        executor, n = self._pool(len(pooled)) if pooled else (None, 0)
        pending = iter(pooled)
        running: dict[Future[Rendered], Item] = {}
        finished: dict[int, Rendered] = {}
        while self.cursor < len(self.items) and not self.stop.signum:
            while executor is not None and len(running) < 2 * n and (item := next(pending, None)) is not None:
                running[executor.submit(render_row, self.roster.request(item), self.roster.stamp)] = item
            item = self.items[self.cursor]
            if item.index in stamped:  # in roster order: only what is next is taken in
                self._take(item, self._stamped(item, *stamped.pop(item.index)))
            elif item.index in finished:
                self._take(item, finished.pop(item.index))
            else:
                for future in executor.wait(running, 0.1) if executor is not None else ():
                    finished[running.pop(future).index] = future.result()
                continue
            self.cursor += 1

    def _stamped(self, item: Item, template: RowTemplate, member: Member) -> Rendered:
        """A stamped row: its print-run member and, with ``files``, its own PDF (api.roster_row, as
        api.print_runs makes them)."""
        from ..api import roster_row

        if not self.roster.files:
            return Rendered(b"", template.sheets.pages, member=member)
        try:
            made = roster_row(self.roster.request(item), template, own=True)
        except Exception as exc:  # noqa: BLE001 - one failing row must not stop the others
            from .workers import failure_reason

            return Rendered(error=failure_reason(exc))
        return Rendered(made.data, made.pages, member=made.member)

    def _take(self, item: Item, made: Rendered) -> None:
        run = self.runs[item.layout]
        if made.error:
            run.failed = True
            self.outcome.failed.append((f"row {item.row.row}", f"{item.row.document} on {item.layout}: {made.error}"))
            return
        run.members.append((made.member if made.member is not None else made.data, item.copies))
        run.items.append(item)
        run.pages += item.copies * (made.pages + made.pages % 2)
        if self.roster.files:
            record = {"file": item.file, "row": item.row.row, "document": item.row.document, "layout": item.layout,
                      "copies": item.copies}
            self._write(item.file, made.data, made.pages, record)

    def _print_run(self, run: _Run) -> None:
        """The layout's print run, streamed to disk as it is saved (a temporary file renamed into place
        once whole; never held in memory whole), after the rows' own files."""
        from ..api import print_run, run_title
        from ..export.sinks.file import write_atomic_from

        file = f"{PRINT_RUN}-{run.layout}.pdf"
        if run.failed or not run.members:
            self.outcome.failed.append((file, "not made because rows of it failed (see above)"))
            return
        handouts = sum(copies for _, copies in run.members)
        record: dict[str, Any] = {"file": file, "layout": run.layout, "rows": [i.row.row for i in run.items],
                                  "documents": [i.row.document for i in run.items],
                                  "copies": [i.copies for i in run.items]}
        self._settle()  # the files before it are taken in first, in order
        hashed = _Hashed()

        def fill(out: BinaryIO) -> None:
            hashed.out = out
            if hashed.pause:  # (a test pausing mid-write: every piece written as it comes)
                print_run(run.members, run_title(run.layout, handouts), into=cast("BinaryIO", hashed))
                return
            gathered = _Gathered(hashed)
            try:
                print_run(run.members, run_title(run.layout, handouts), into=cast("BinaryIO", gathered))
                gathered.buffer.flush()
            finally:
                gathered.raw.hashed = None  # what a failed save left in the buffer is dropped, never written later

        try:
            write_atomic_from(self.roster.out_dir / file, fill, private=True)  # prints names: 0600
        except (OutputError, OSError) as exc:
            self._taken(file, exc)
        else:
            self._taken(file, record | {"pages": run.pages, "bytes": hashed.size, "sha256": hashed.sha.hexdigest()})
        run.members.clear()

    def _write(self, file: str, data: bytes, pages: int, record: dict[str, Any]) -> None:
        """Write a file atomically on a writer thread (writing waits on the disk, mostly in fsync, and
        several can wait at once); its outcome is taken in order, as it finishes (``_settle``)."""
        from concurrent.futures import ThreadPoolExecutor

        from ..export.sinks.file import write_atomic

        def write() -> dict[str, Any]:  # on a writer thread: hashing and fsync release the GIL
            write_atomic(self.roster.out_dir / file, data, private=True)  # prints names: 0600
            return record | {"pages": pages, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

        if self.writers is None:
            self.writers = ThreadPoolExecutor(WRITERS, thread_name_prefix="write")
        self.writing.append((self.writers.submit(write), file))
        self._settle(WRITERS * 4)

    def _settle(self, keep: int = 0) -> None:
        """Take in the writes that have finished, in order, until at most ``keep`` are under way."""
        while self.writing and (len(self.writing) > keep or self.writing[0][0].done()):
            done, file = self.writing.popleft()
            try:
                record = done.result()
            except (OutputError, OSError) as exc:
                self._taken(file, exc)
            else:
                self._taken(file, record)

    def _taken(self, file: str, made: dict[str, Any] | OutputError | OSError) -> None:
        """A file written (its manifest record) or not (why), counted in order."""
        if isinstance(made, dict):
            self.records.append(made)
            self.outcome.written.append(file)
            pauses.reached("file-written")
        else:
            self.outcome.failed.append((file, (str(made).splitlines() or [type(made).__name__])[0]))
        self.done += 1
        if self.progress:
            self.progress(self.done, self.outcome.total)

    def _write_manifest(self, planned: list[str] | None = None) -> None:
        """manifest.json: files, row numbers, documents, layouts, pages and hashes; never names or dates.
        Written first with the ``planned`` files (none yet complete), and again at the end."""
        from ..export.sinks.file import write_atomic

        complete = planned is None and not self.outcome.failed and not self.outcome.interrupted
        manifest: dict[str, Any] = {"generator": f"ivig-handout {__version__}", "complete": complete,
                                    "roster": True, "rows": len(self.roster.rows), "total": self.outcome.total,
                                    "files": self.records}
        if planned is not None:
            manifest["planned"] = planned
        write_atomic(self.roster.out_dir / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
