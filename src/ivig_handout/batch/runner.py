"""Batch stage, runner: documents x layouts x copies -> PDFs, one print-run file per layout, and manifest.json."""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import re
import signal
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IvigError, OutputError
from ..resources import default_content_dir
from ..version import __version__
from . import pauses
from .freshness import (
    MANIFEST,
    canonical,
    clinic_files,
    content_digest,
    file_matches,
    files_digest,
    hashed_once,
    manifest_bytes,
    parse_manifest,
    plain_name,
    program_digest,
    read_manifest_text,
    records,
    run_digest,
    sha256_bytes,
    up_to_date,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..api import Handout, Layout, RenderCache
    from .jobs import Job
    from .workers import Made

PRINT_RUN = "print-run"
# Layout fields that name or place a design but do not change how its pages are drawn:
# layouts equal in everything else share one rendering (booklet and 2up: the half-letter pages).
_NOT_DRAWN = {"name", "description", "paper", "sheet", "imposition"}

Progress = Callable[[int, int], None]  # (files done, files in the run)
LOCK_WAIT = 10.0  # seconds a batch waits for another batch writing into the same folder
# Signals that stop a batch between files (each like Ctrl-C); the command exits 128 + the signal number.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class Spec:
    """What a run is asked for, read without pydantic or ReportLab: enough to check freshness."""

    options: Any  # plain data hashed into the run digest
    out_dir: Path | None  # None when the job file is too broken to say
    content_dir: Path | None  # the content folder the digest reads (None: cannot tell yet)
    job_path: Path | None = None
    located: Any = None  # the parsed job file (yamlio.Located)
    content_arg: Path | None = None  # --content as given
    clinic_arg: Path | None = None  # --clinic as given
    extra: tuple[Path, ...] = ()  # other files the handouts are made from: clinic profile and logo


def spec_from_file(path: Path) -> Spec:
    """Read a job file as plain YAML; its fields are checked later, only if work is needed."""
    from ..inputs.yamlio import load

    path = Path(path)
    located = load(path)
    data, base = located.data, path.parent
    out_dir = content = None
    extra: tuple[Path, ...] = ()
    if isinstance(data, dict):
        if isinstance(data.get("output"), str) and data["output"]:
            out_dir = base / data["output"]
        raw = data.get("content")
        content = default_content_dir() if raw is None else (base / raw if isinstance(raw, str) else None)
        if isinstance(data.get("clinic"), str):
            extra = clinic_files(base / data["clinic"])
    return Spec(data, out_dir, content, path, located, extra=extra)


def spec_for_all(layouts: list[str], out_dir: Path, copies: int, mono: bool, content_dir: Path | None,
                 clinic: Path | None = None) -> Spec:
    """Every document in ``layouts`` (the ``--all`` shortcut)."""
    options = {"documents": ["all"], "layouts": layouts, "copies": copies, "mono": mono,
               "clinic": str(clinic) if clinic else None}
    content = Path(content_dir) if content_dir is not None else default_content_dir()
    extra = clinic_files(Path(clinic)) if clinic else ()
    return Spec(options, Path(out_dir), content, content_arg=content_dir, clinic_arg=clinic, extra=extra)


@dataclass
class Outcome:
    """What a run did, for the command's summary and exit code."""

    out_dir: Path
    total: int = 0
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    up_to_date: bool = False
    interrupted: bool = False
    signal: int = 0  # the signal that stopped the run (with ``interrupted``): exit 128 + signal


class Interrupted(KeyboardInterrupt):
    """A stop signal before any file was written (loading, waiting for the folder); ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run(spec: Spec, force: bool = False, progress: Progress | None = None, lock_wait: float = LOCK_WAIT,
        cache: RenderCache | None = None) -> Outcome:
    """Check freshness from input hashes first; only when something changed load, render and write.

    The output folder is locked for the whole run (another batch into it waits up to ``lock_wait``
    seconds, then is refused), and temporary files that runs killed mid-write left behind are removed.
    """
    with Stop() as stop, FolderLock(lock_wait) as lock, hashed_once():
        if spec.out_dir is not None and _is_dir(spec.out_dir):
            lock.take(spec.out_dir)
            remove_stale_parts(spec.out_dir)
        digest = run_digest(spec.options, spec.content_dir, spec.extra) if spec.content_dir is not None else ""
        if digest and not force and spec.out_dir is not None:
            manifest = up_to_date(spec.out_dir, digest)
            if manifest is not None:
                files = [e["file"] for e in manifest["files"]]
                return Outcome(spec.out_dir, len(files), kept=files, up_to_date=True)
        if digest and cache is not None and spec.out_dir is not None:  # the same run made before: copied
            replayed = _replay(spec, digest, cache, lock, stop, progress)
            if replayed is not None:
                return replayed
        gc.disable()  # imports and loading make many objects and no garbage; workers.make_executor re-enables
        try:
            job, handout = _resolve(spec)
            batch = Batch(job, handout, spec, digest, force, progress, stop, cache)  # refuses clashing file names
            if lock.folder != job.out_dir:
                lock.take(job.out_dir, create=True)
                remove_stale_parts(job.out_dir)
            batch.inherited = lock.descriptors()
            return batch.run()
        finally:
            gc.enable()


def _replay(spec: Spec, digest: str, cache: RenderCache, lock: FolderLock, stop: Stop,
            progress: Progress | None) -> Outcome | None:
    """Into a new (or empty) folder, the files of the same run kept by an earlier one (batch/replay.py):
    written and listed as a run writes them, with nothing loaded; None when there is no such entry."""
    from . import replay

    folder = spec.out_dir
    if folder is None or not _empty_or_absent(folder):
        return None
    stored = replay.load(cache.folder, kept_run_key(spec))
    if stored is None:
        return None
    lock.take(folder, create=True)
    if not _empty_or_absent(folder):  # another run wrote into it before we held it
        return None
    return Replay(folder, digest, stored, stop, progress).run()


# Options that say where the files go or what happens to them afterwards, not what they hold.
_NOT_IN_FILES = ("output", "printer")


def kept_run_key(spec: Spec) -> str:
    """The key of the run's kept files (batch/replay.py): its inputs and options, except where the files
    go (a job file's ``output``: the same job into another folder makes the same files)."""
    from . import replay

    options = spec.options
    if isinstance(options, dict):
        options = {k: v for k, v in options.items() if k not in _NOT_IN_FILES}
    content = spec.content_dir if spec.content_dir is not None else default_content_dir()
    return replay.run_key(run_digest(options, content, spec.extra))


def _empty_or_absent(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(iter(entries), None) is None
    except FileNotFoundError:
        return True
    except OSError:
        return False  # not a folder, or unreadable: the full run reports it


def manifest_of(digest: str, total: int, complete: bool, files: list[dict[str, Any]]) -> dict[str, Any]:
    """The fields of manifest.json, in order."""
    return {"generator": f"ivig-handout {__version__}", "complete": complete, "inputs": digest, "total": total,
            "files": files}


def _with_time(record: dict[str, Any], mtime: int) -> dict[str, Any]:
    """A stored record with its file's time, where a run puts it (before the sha256)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key == "sha256":
            out["mtime_ns"] = mtime
        out[key] = value
    return out


class ManifestFile:
    """manifest.json written as a run grows it: a version that only adds to the one on disk (a record
    inserted before the closing lines, and a new seal) is written in place when the bytes that change lie
    in one memory page (one write of one page is whole or not done at all, even under kill -9); any
    other version is written whole (temporary file, then rename). Renaming over the manifest after
    every file made the file system write each version out (ext4 does so on a rename over a file):
    about 2 ms a file."""

    PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def __init__(self, path: Path) -> None:
        self.path = path
        self.on_disk: bytes | None = None
        self.fd: int | None = None

    def write(self, data: bytes, sync: bool = False) -> None:
        from ..export.sinks.file import write_atomic

        if data == self.on_disk:
            return
        if not sync and self._in_place(data):
            self.on_disk = data
            return
        self.close()
        self.on_disk = None
        write_atomic(self.path, data, sync=sync)
        self.on_disk = data
        with suppress(OSError):
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CLOEXEC)

    def _in_place(self, data: bytes) -> bool:
        """Write the part of ``data`` that differs from the manifest on disk over it, if that part lies in
        one page and ``data`` is no shorter; True if done."""
        old, fd = self.on_disk, self.fd
        if old is None or fd is None or len(data) < len(old):
            return False
        start = _common_prefix(old, data)
        if start // self.PAGE != (len(data) - 1) // self.PAGE:
            return False
        try:
            return os.pwrite(fd, data[start:], start) == len(data) - start
        except OSError:
            return False

    def close(self) -> None:
        if self.fd is not None:
            with suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix of ``a`` and ``b`` (a binary search of slice compares)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class Replay:
    """Write a stored run (replay.Stored) into an empty folder: each file atomically, then the manifest
    listing it (so a kill -9 leaves at most one file unlisted), stopping between files on a signal; the
    files are synced together before the last manifest, as a run does."""

    def __init__(self, folder: Path, digest: str, stored: Any, stop: Stop, progress: Progress | None) -> None:
        self.folder, self.digest, self.stored, self.stop, self.progress = folder, digest, stored, stop, progress
        self.outcome = Outcome(folder, total=len(stored.records), notices=list(stored.notices))
        self.files: list[dict[str, Any]] = []
        self.lines: dict[str, tuple[Any, str]] = {}
        self.manifest = ManifestFile(folder / MANIFEST)

    def run(self) -> Outcome:
        from ..export.sinks.file import write_atomic

        self.stop.defer()
        paths: list[Path] = []
        failed_layouts: dict[str, int] = {}
        try:
            for record, data in zip(self.stored.records, self.stored.data, strict=True):
                if self.stop.signum:
                    break
                path = self.folder / record["file"]
                if record["document"] == PRINT_RUN and failed_layouts.get(record["layout"]):
                    self._fail(record, f"not made because {failed_layouts[record['layout']]} of its handouts "
                               "failed (see above)")
                    continue
                try:
                    write_atomic(path, data, sync=False)
                    mtime = path.stat().st_mtime_ns
                except (OutputError, OSError) as exc:
                    failed_layouts[record["layout"]] = failed_layouts.get(record["layout"], 0) + 1
                    self._fail(record, _without_path(exc, path))
                    continue
                paths.append(path)
                self.files.append(_with_time(record, mtime))
                self.outcome.written.append(record["file"])
                self._manifest()
                pauses.reached("file-written")
                self._tick()
        finally:
            done = len(self.outcome.written) + len(self.outcome.failed)
            self.outcome.interrupted = bool(self.stop.signum) and done < self.outcome.total
            self.outcome.signal = self.stop.signum if self.outcome.interrupted else 0
            try:
                sync_files(self.folder, [*paths, self.folder / MANIFEST])
                self._manifest()
            finally:
                self.manifest.close()
        return self.outcome

    def _fail(self, record: dict[str, Any], reason: str) -> None:
        self.outcome.failed.append((record["file"], reason))
        self._tick()

    def _tick(self) -> None:
        if self.progress:
            o = self.outcome
            self.progress(len(o.written) + len(o.failed), o.total)

    def _manifest(self) -> None:
        o = self.outcome
        complete = not o.failed and not o.interrupted and len(self.files) == o.total
        self.manifest.write(manifest_bytes(manifest_of(self.digest, o.total, complete, self.files), self.lines))


def _resolve(spec: Spec) -> tuple[Job, Handout]:
    from .jobs import job_for_all, load_job

    if spec.job_path is not None:
        return load_job(spec.job_path, spec.located)
    o = spec.options
    return job_for_all(o["layouts"], spec.out_dir or Path("out"), o["copies"], o["mono"], spec.content_arg,
                       spec.clinic_arg)


def render_key(layout: Layout) -> str:
    """Layouts with the same key draw identical pages (they differ only in name or imposition)."""
    return canonical(layout.model_dump(mode="json", exclude=_NOT_DRAWN))


@dataclass
class Entry:
    """One output file of the run, and what is known about it."""

    file: str
    document: str  # "full", a disorder id, or "print-run"
    layout: Layout
    input: str = ""  # hash of what the file is made from
    record: dict[str, Any] | None = None  # its manifest record, once the file is on disk
    data: bytes | None = None  # its bytes, when made or read in this run
    error: str = ""


class Batch:
    """One run: decide what is stale, render it in the pool, write files and the manifest."""

    def __init__(self, job: Job, handout: Handout, spec: Spec, digest: str, force: bool,
                 progress: Progress | None, stop: Stop | None = None, cache: RenderCache | None = None) -> None:
        from ..api import kind_of

        self.job, self.handout, self.digest, self.progress, self.spec = job, handout, digest, progress, spec
        self.force, self.stop, self.cache = force, stop or Stop(), cache
        self.old: dict[str, dict[str, Any]] = {}  # the last manifest's records, read once the folder is locked
        self.intact: dict[str, bool] = {}  # file -> whether it matches its old record (checked once)
        self.inherited: tuple[int, ...] = ()  # descriptors forked workers close (the folder lock)
        self.manifest_on_disk: bytes | None = None  # the text last written (or handed to the writer)
        self.writer: ManifestWriter | None = None
        self.lines: dict[str, tuple[Any, str]] = {}  # manifest_bytes's text of each record
        # What every document is made from, besides its id and layout: program, fonts, content, clinic.
        made_from = [program_digest(), content_digest(job.content_dir or default_content_dir()),
                     files_digest(spec.extra)]
        self.docs: dict[tuple[str, str], Entry] = {}
        self.runs: dict[str, Entry] = {}
        self.kinds = {doc: kind_of(handout, doc) for doc in job.documents}  # looked up once (a name search)
        self.synced: list[Path] = []  # files written without their own fsync: synced together at the end
        for layout in job.layouts:
            for doc in job.documents:
                drawn = layout.model_dump(mode="json", exclude={"description", "paper", "sheet"})
                key = sha256_bytes(canonical([made_from, doc, drawn]).encode())
                name = self.kinds[doc].file_name(doc, layout.name)
                self.docs[doc, layout.name] = Entry(name, doc, layout, key)
            self.runs[layout.name] = Entry(f"{PRINT_RUN}-{layout.name}.pdf", PRINT_RUN, layout)
        self.outcome = Outcome(job.out_dir, total=len(self.docs) + len(self.runs))
        self._refuse_clashes()

    def _refuse_clashes(self) -> None:
        """Two files of the run with one name (ids that differ only in case count as one on some disks)."""
        seen: dict[str, Entry] = {}
        for entry in self._entries():
            other = seen.setdefault(entry.file.casefold(), entry)
            if other is not entry:
                raise IvigError(f"'{other.document}' and '{entry.document}' would both be written to "
                                f"{entry.file}; give one of them another id (nothing was written)")

    def run(self) -> Outcome:
        """Make what is missing or stale; the manifest is rewritten as each file is written, so a run that
        is killed (even with kill -9) leaves a manifest of what is complete, and the next run finishes it."""
        self.stop.defer()  # from here on, a stop signal ends the run between files, never inside one
        path = self.job.out_dir / MANIFEST
        reason = _not_a_file(path)
        if reason:
            raise OutputError(f"{path}: {reason}; move it out of the way (the batch writes its manifest there)")
        raw = read_manifest_text(self.job.out_dir)
        last = parse_manifest(raw)
        if last and last.get("roster") is True:  # a roster's files (patients' names) are not this run's
            remove_owned(self.job.out_dir, last, {e.file for e in self._entries()})
        old = None if self.force else last
        self.old = records(old) if old else {}
        self.manifest_on_disk = raw
        self.writer = ManifestWriter(path)
        try:
            for entry in self._entries():  # a folder, FIFO or device named like a file of the run
                reason = _not_a_file(self.job.out_dir / entry.file)
                if reason:
                    self._fail(entry, f"{reason}; move it out of the way, then run the same command again")
            tasks = self._render_tasks()  # decides first which files are already up to date
            for layout in self.job.layouts:
                tasks[:0] = self._print_run_if_ready(layout.name)  # every member was up to date
            self._execute(tasks)
        finally:
            writer, self.writer = self.writer, None
            try:
                writer.close()  # every version handed to it is on disk (or what went wrong is raised)
            finally:
                sync_files(self.job.out_dir, [*self.synced, path])  # this run's files, together
                self._write_manifest()  # the last word: complete or not, in this thread
        order = {e.file: i for i, e in enumerate(self._entries())}
        self.outcome.failed.sort(key=lambda f: order[f[0]])
        self._keep_run()
        return self.outcome

    def _keep_run(self) -> None:
        """A complete run's files kept beside the render cache (batch/replay.py), so the same run into a
        new folder copies them; not while the content needs a review note (it depends on the day)."""
        from datetime import timedelta

        from ..api import REVIEW_AFTER_DAYS, read_regular, review_notes
        from . import replay

        o = self.outcome
        entries = self._entries()
        if (self.cache is None or not self.digest or o.failed or o.interrupted or review_notes(self.handout)
                or not all(e.record for e in entries)):
            return
        data = []
        for entry in entries:
            record = entry.record or {}
            try:
                piece = entry.data if entry.data is not None else read_regular(self.job.out_dir / entry.file,
                                                                               record["bytes"])
            except (OSError, IvigError):
                return
            if sha256_bytes(piece) != record["sha256"]:
                return
            data.append(piece)
        fresh_until = self.handout.sheet.meta.review_date + timedelta(days=REVIEW_AFTER_DAYS)
        replay.store(self.cache.folder, kept_run_key(self.spec), [e.record or {} for e in entries], data,
                     list(o.notices), fresh_until)

    def _fail(self, entry: Entry, reason: str) -> None:
        entry.error = reason
        self.outcome.failed.append((entry.file, reason))

    def _entries(self) -> list[Entry]:
        """Every output file of the run, in manifest order: per layout its documents, then its print run."""
        return [e for lay in self.job.layouts
                for e in (*(self.docs[doc, lay.name] for doc in self.job.documents), self.runs[lay.name])]

    def _render_tasks(self) -> list[Task]:
        """One task per document and page design: booklet and 2up share their half-letter pages.

        Ordered design by design (so each layout's print run can start while the next design
        renders), the full sheet, the longest document, first in each.
        """
        designs = {key: i for i, key in enumerate(dict.fromkeys(render_key(lay) for lay in self.job.layouts))}
        tasks = []
        for order, doc in enumerate(self.job.documents):
            groups: dict[str, list[Layout]] = {}
            for layout in self.job.layouts:
                entry = self.docs[doc, layout.name]
                if not entry.error and not self._keep(entry):
                    groups.setdefault(render_key(layout), []).append(layout)
            for key, layouts in groups.items():
                cost = (designs[key], self.kinds[doc].fitting != "flow", order)  # long ones first
                tasks.append(Task(cost, "render_group", (self.job.request(doc), tuple(layouts), self.cache),
                                  self._rendered(doc)))
        self._tick()
        return sorted(tasks, key=lambda t: t.cost)

    def _keep(self, entry: Entry) -> bool:
        """True (and recorded) when the file on disk was made from the same inputs and is intact."""
        old = self.old.get(entry.file)
        if old is None or old.get("input") != entry.input or not self._intact(entry.file):
            return False
        entry.record = old
        self.outcome.kept.append(entry.file)
        return True

    def _intact(self, file: str) -> bool:
        """The file matches its record in the last manifest (size, time, sha256); checked once per run."""
        if file not in self.intact:
            self.intact[file] = file in self.old and file_matches(self.job.out_dir, self.old[file])
        return self.intact[file]

    def _rendered(self, doc: str) -> Callable[[list[Made]], list[Task]]:
        def done(results: list[Made]) -> list[Task]:
            follow: list[Task] = []
            for made in results:
                self._store(self.docs[doc, made.layout], made)
                follow += self._print_run_if_ready(made.layout)
            return follow

        return done

    def _print_run_if_ready(self, layout: str) -> list[Task]:
        """The layout's print-run task once every member is on disk; nothing if one failed."""
        members = [self.docs[doc, layout] for doc in self.job.documents]
        run = self.runs[layout]
        if run.record or run.error or any(m.record is None and not m.error for m in members):
            return []
        failed = [m for m in members if m.error]
        if failed:
            self._fail(run, f"not made because {len(failed)} of its handouts failed (see above)")
            self._tick()
            return []
        shas = [m.record["sha256"] for m in members]  # type: ignore[index]
        run.input = sha256_bytes(canonical([PRINT_RUN, layout, self.job.copies, shas]).encode())
        if self._keep(run):
            self._tick()
            return []
        from ..inputs.files import read_regular  # a kept file: a regular file of its recorded size, or refused

        data = [m.data if m.data is not None else read_regular(self.job.out_dir / m.file, m.record["bytes"])  # type: ignore[index]
                for m in members]

        def done(made: Made) -> list[Task]:
            self._store(run, made)
            return []

        return [Task((-1,), "combine_run", (layout, data, self.job.copies), done)]

    def _store(self, entry: Entry, made: Made) -> None:
        """Write a finished PDF atomically and record it; or record why it could not be made."""
        from ..export.sinks.file import write_atomic

        self.outcome.notices += [n for n in made.notices if n not in self.outcome.notices]
        path = self.job.out_dir / entry.file
        if made.error:
            self._fail(entry, made.error)
        else:
            if self.writer is not None:
                self.writer.flush()  # every file written so far is listed on disk before this one lands
            try:
                write_atomic(path, made.data, sync=False)  # synced with the others at the end of the run
                self.synced.append(path)
                mtime = path.stat().st_mtime_ns
            except (OutputError, OSError) as exc:  # this file only (a folder in the way, a full disk)
                self._fail(entry, _without_path(exc, path))
            else:
                entry.data = made.data
                entry.record = self._record(entry, made, mtime)
                self.outcome.written.append(entry.file)
                self._write_manifest()  # at once: a run killed now loses only the files in flight
                pauses.reached("file-written", self.writer.flush if self.writer else None)
        self._tick()

    def _record(self, entry: Entry, made: Made, mtime: int) -> dict[str, Any]:
        record: dict[str, Any] = {"file": entry.file, "document": entry.document, "layout": entry.layout.name}
        if entry.document == PRINT_RUN:
            record |= {"documents": list(self.job.documents), "copies": self.job.copies}
        return record | {"pages": made.pages, "bytes": len(made.data), "mtime_ns": mtime, "sha256": made.sha256,
                         "input": entry.input}

    def _tick(self) -> None:
        if self.progress:
            o = self.outcome
            self.progress(len(o.written) + len(o.kept) + len(o.failed), o.total)

    def _execute(self, tasks: list[Task]) -> None:
        """Run tasks in the pool; follow-up tasks (print runs) go to the front of the queue."""
        if not tasks:
            return
        from . import workers

        inline = all(t.function != "render_group" or _stored(t.args[2], t.args[0], t.args[1]) for t in tasks)
        workers.Trace.phase("loaded")
        executor, n = workers.make_executor(self.job.request("full"), len(tasks), self.inherited, inline)
        workers.Trace.phase("workers ready")
        queue: deque[Task] = deque(tasks)
        running: dict[Future[Any], Task] = {}
        try:
            while (queue or running) and not self.stop.signum:
                while queue and len(running) < 2 * n:
                    task = queue.popleft()
                    running[executor.submit(getattr(workers, task.function), *task.args)] = task
                for future in executor.wait(running, 0.1):
                    queue.extendleft(running.pop(future).then(future.result()))
        except workers.WorkerLostError:
            if not self.stop.signum:  # a signal to the whole process group also ends the workers: a stop
                raise IvigError("a worker process stopped unexpectedly (out of memory?); manifest.json lists "
                                "the files that are complete; run the same command again to finish") from None
        finally:
            self.outcome.interrupted = bool(queue or running)
            self.outcome.signal = self.stop.signum if self.outcome.interrupted else 0
            workers.shut_down(executor, now=self.outcome.interrupted)

    def _write_manifest(self) -> None:
        """manifest.json: a record for every file of the run that is on disk and known, in job order."""
        from ..export.sinks.file import write_atomic

        files = [r for r in (e.record or self._old_if_intact(e) for e in self._entries()) if r]
        total = self.outcome.total
        complete = (not self.outcome.failed and not self.outcome.interrupted and len(files) == total
                    and all(e.record for e in self._entries()))
        data = manifest_bytes(manifest_of(self.digest, total, complete, files), self.lines)
        if data != self.manifest_on_disk and (files or self.manifest_on_disk is not None):
            if self.writer is not None:  # during the run: written beside the rendering
                self.writer.put(data)
            else:
                write_atomic(self.job.out_dir / MANIFEST, data)
            self.manifest_on_disk = data

    def _old_if_intact(self, entry: Entry) -> dict[str, Any] | None:
        """An earlier run's record of a file this run did not remake, if the file still matches it."""
        return self.old[entry.file] if self._intact(entry.file) else None


class ManifestWriter:
    """Writes manifest.json in a thread, so syncing it to disk after every file overlaps with the run
    (collecting results, feeding the pool) instead of holding it up.

    ``put`` hands over the newest text; ``flush`` waits until it is on disk. The batch flushes before it
    writes the next PDF, so whenever a PDF is renamed into place every earlier one is listed on disk:
    a kill -9 leaves at most that one file unlisted. ``close`` flushes, ends the thread and raises what
    writing raised."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = ManifestFile(path)
        self._pending: bytes | None = None
        self._busy = False
        self._closed = False
        self._error: BaseException | None = None
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, data: bytes) -> None:
        self._raise()
        with self._ready:
            self._pending = data
            self._ready.notify_all()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="manifest-writer", daemon=True)
            self._thread.start()

    def flush(self) -> None:
        with self._ready:
            while ((self._pending is not None or self._busy) and self._error is None
                   and self._thread is not None and self._thread.is_alive()):
                self._ready.wait(timeout=1.0)
        self._raise()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        try:
            self._write_each()
        finally:
            self.file.close()

    def _write_each(self) -> None:
        while True:
            with self._ready:
                while self._pending is None and not self._closed:
                    self._ready.wait()
                if self._pending is None:
                    return
                data, self._pending, self._busy = self._pending, None, True
            try:
                self.file.write(data)  # whole after a kill; synced at the end of the run
            except BaseException as exc:  # noqa: BLE001 - raised again in the batch's thread
                with self._ready:
                    self._error, self._busy = exc, False
                    self._ready.notify_all()
                return
            with self._ready:
                self._busy = False
                self._ready.notify_all()


@dataclass(frozen=True)
class Task:
    """A call to run in a worker, and what to do with its result (which may queue more tasks)."""

    cost: tuple[Any, ...]
    function: str  # a function of ivig_handout.workers
    args: tuple[Any, ...]
    then: Callable[[Any], list[Task]]


class Stop:
    """SIGINT, SIGTERM and SIGHUP while a run is active (each not ignored when the run began: ``nohup``).

    Until ``defer()`` (loading, waiting for the folder: nothing written yet) a signal ends the run at
    once with Interrupted; after it, a signal only sets ``signum`` and the batch stops between files.
    """

    def __init__(self) -> None:
        self.signum = 0
        self.deferred = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Stop:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def defer(self) -> None:
        self.deferred = True

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.deferred:
            raise Interrupted(signum)
        self.signum = self.signum or signum

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()


class FolderLock:
    """An exclusive flock on the output folder itself (no lock file appears in the output)."""

    def __init__(self, wait: float = LOCK_WAIT) -> None:
        self.wait = wait
        self.folder: Path | None = None
        self.fd: int | None = None
        self.created = False

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def descriptors(self) -> tuple[int, ...]:
        return () if self.fd is None else (self.fd,)

    def take(self, folder: Path, create: bool = False) -> None:
        """Lock ``folder``, waiting up to ``wait`` seconds for another holder. With ``create`` the folder is
        made first if need be; without, a folder that is not there is left unlocked (nothing to protect)."""
        self.release()
        folder = Path(folder)
        deadline = 0.0  # set when the folder is first found locked
        while True:
            if create and not _is_dir(folder):
                try:
                    folder.mkdir(parents=True)
                    self.created = True
                except FileExistsError:
                    pass  # made meanwhile by another run (or a file: the open below says so)
                except OSError as exc:
                    raise OutputError(f"{folder}: cannot make the output folder ({exc.strerror or exc})") from None
            try:
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except FileNotFoundError:
                if create:
                    continue  # removed between the two calls: make it again
                return
            except OSError as exc:
                raise OutputError(f"{folder}: cannot open the output folder ({exc.strerror or exc})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not deadline:
                    pauses.reached("folder-wait")
                    deadline = time.monotonic() + self.wait
                holder = _lock_holder(fd)
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise OutputError(f"{folder}: another batch is writing into this folder ({holder}); "
                                      "let it finish, or give another output folder") from None
                time.sleep(0.05)
                continue
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.ENOLCK, errno.EBADF, errno.EINVAL, errno.EOPNOTSUPP):
                    self.folder = folder  # a file system without locks (some network disks): go on unlocked
                    return
                raise OutputError(f"{folder}: cannot lock the output folder ({exc.strerror or exc})") from None
            if _same_file(fd, folder):
                self.folder, self.fd = folder, fd
                return
            os.close(fd)  # the folder was removed or replaced while we waited: lock the one there now

    def release(self) -> None:
        if self.fd is not None:
            if self.created and self.folder is not None:
                with suppress(OSError):
                    if not any(self.folder.iterdir()):  # made for this run, nothing written: leave no trace
                        self.folder.rmdir()
            os.close(self.fd)
        self.folder, self.fd, self.created = None, None, False


def _stored(cache: RenderCache | None, request: Any, layouts: tuple[Layout, ...]) -> bool:
    """Whether the render cache holds the pages of ``request`` on the layouts' design (an entry file of its
    key is there; it is checked when read): then nothing needs ReportLab or a worker pool."""
    from dataclasses import replace

    return cache is not None and cache.has(replace(request, layout=layouts[0].name))


def sync_files(folder: Path, paths: list[Path]) -> None:
    """Flush ``paths`` (written without their own fsync) and their folder to disk in one go: Linux's
    syncfs on the folder, else an fsync of each. A file that cannot be synced is left as it is: the next
    run checks every file against its record (size, time, sha256) before keeping it."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if _syncfs(fd):
            return
        for path in paths:
            with suppress(OSError):
                file_fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    os.fsync(file_fd)
                finally:
                    os.close(file_fd)
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(fd: int) -> bool:
    """syncfs(2) on the file system holding ``fd``; False where there is none (not Linux) or it failed."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        return int(ctypes.CDLL(None, use_errno=True).syncfs(fd)) == 0
    except (OSError, AttributeError):
        return False


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), Path(path).stat()
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _lock_holder(fd: int) -> str:
    """Who holds the flock on the folder open as ``fd``: "pid N: its command line", from /proc (Linux)."""
    status = os.fstat(fd)
    key = (os.major(status.st_dev), os.minor(status.st_dev), status.st_ino)
    pid = None
    text = _read_small(Path("/proc/locks"), 1 << 20) or b""
    for line in text.decode("ascii", "replace").splitlines():
        parts = line.split()  # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters have "->"
        if len(parts) < 6 or parts[1] != "FLOCK":
            continue
        try:
            major, minor, inode = parts[5].split(":")
            if (int(major, 16), int(minor, 16), int(inode)) == key:
                pid = int(parts[4])
                break
        except ValueError:
            continue
    if pid is None or pid <= 0:
        return "held by another process"
    raw = _read_small(Path(f"/proc/{pid}/cmdline"), 4096)
    command = _command_line(raw) if raw else ""
    return f"pid {pid}: {command}" if command else f"pid {pid}"


_PRIVATE_OPTIONS = ("--patient-name",)  # values never shown (another program's command line)


def _command_line(raw: bytes) -> str:
    words = raw.rstrip(b"\0").decode("utf-8", "replace").split("\0")
    shown: list[str] = []
    hide = False
    for word in words:
        if hide:
            shown.append("...")
            hide = False
            continue
        name = word.split("=", 1)[0]
        text = word
        if name in _PRIVATE_OPTIONS:
            hide = "=" not in word
            text = name if hide else f"{name}=..."
        shown.append("".join(c if c.isprintable() else "?" for c in text))
    text = " ".join(shown)
    return text if len(text) <= 200 else text[:197] + "..."


# The names of the files a batch or a roster writes: only such files, listed in a folder's manifest, are
# ever removed by a later run (remove_owned).
_OUR_FILES = re.compile(r"(?:ivig|print-run|roster|row-\d{4,})-[A-Za-z0-9._-]+\.pdf")


def owned_files(manifest: dict[str, Any] | None) -> list[str]:
    """The files a manifest says a run wrote or was about to write (``planned``: a roster run that did not
    reach its end), in order, without repeats; only plain names of the kinds of file this program writes."""
    if not manifest:
        return []
    names = [r.get("file") for r in manifest.get("files", []) if isinstance(r, dict)]
    planned = manifest.get("planned")
    names += planned if isinstance(planned, list) else []
    return [n for n in dict.fromkeys(n for n in names if isinstance(n, str))
            if plain_name(n) and _OUR_FILES.fullmatch(n)]


def remove_owned(folder: Path, manifest: dict[str, Any] | None, keep: set[str]) -> list[str]:
    """Delete the files ``manifest`` owns that are not in ``keep`` (a new run's files): regular files only,
    and only while they still hold what the manifest recorded (a file someone replaced is left alone).
    The names removed."""
    records_by_name = records(manifest) if manifest else {}
    removed = []
    for name in owned_files(manifest):
        if name in keep:
            continue
        path = Path(folder) / name
        sha = records_by_name.get(name, {}).get("sha256")
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            if isinstance(sha, str) and sha256_bytes(_read_small(path, 256 * 1024 * 1024) or b"") != sha:
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(name)
    return removed


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete the temporary files of writers that are gone (a run killed mid-write); the removed paths."""
    from ..export.sinks.file import stale_parts

    removed = []
    for path in stale_parts(folder):
        with suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _is_dir(path: Path) -> bool:
    """Path.is_dir without its exceptions (a name too long raises there; the job's checks report it)."""
    try:
        return stat.S_ISDIR(Path(path).stat().st_mode)
    except (OSError, ValueError):
        return False


def _not_a_file(path: Path) -> str:
    """Why ``path`` cannot be a file the batch writes ("" when it is a regular file or absent)."""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"cannot be checked ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return ""
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    return f"there is {kind} of this name, not a file"


def _without_path(exc: Exception, path: Path) -> str:
    """A write error's message without the path it starts with (the report names the file)."""
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    for prefix in (f"{path}: ", f"{path.name}: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def _read_small(path: Path, limit: int = 8 * 1024 * 1024) -> bytes | None:
    """At most ``limit`` bytes of a regular file (or a /proc file), None when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return None
        chunks, left = [], limit + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 16))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return None if len(data) > limit else data
    except OSError:
        return None
    finally:
        os.close(fd)
