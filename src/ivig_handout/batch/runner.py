"""Batch stage, runner: documents x layouts x copies -> PDFs, one print-run file per layout, and manifest.json."""

from __future__ import annotations

import gc
import json
import signal
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IvigError
from ..resources import default_content_dir
from ..version import __version__
from .freshness import (
    MANIFEST,
    canonical,
    content_digest,
    file_matches,
    files_digest,
    program_digest,
    read_manifest,
    run_digest,
    sha256_bytes,
    up_to_date,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..design.layouts import Layout
    from ..inputs.model import Handout
    from .jobs import Job
    from .workers import Made

PRINT_RUN = "print-run"
# Layout fields that name or place a design but do not change how its pages are drawn:
# layouts equal in everything else share one rendering (booklet and 2up: the half-letter pages).
_NOT_DRAWN = {"name", "description", "paper", "sheet", "imposition"}

Progress = Callable[[int, int], None]  # (files done, files in the run)


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


def clinic_files(profile: Path) -> tuple[Path, ...]:
    """A clinic profile and the logo it names (read as plain YAML: no checks, no pydantic)."""
    from ..errors import ContentError
    from ..inputs.yamlio import load

    try:
        data = load(profile).data
    except ContentError:
        return (profile,)  # broken: its bytes are hashed, and the full load reports the problem
    logo = data.get("logo") if isinstance(data, dict) else None
    return (profile, profile.parent / Path(logo.strip()).expanduser()) if isinstance(logo, str) else (profile,)


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


def run(spec: Spec, force: bool = False, progress: Progress | None = None) -> Outcome:
    """Check freshness from input hashes first; only when something changed load, render and write."""
    digest = run_digest(spec.options, spec.content_dir, spec.extra) if spec.content_dir is not None else ""
    if digest and not force and spec.out_dir is not None:
        manifest = up_to_date(spec.out_dir, digest)
        if manifest is not None:
            files = [e["file"] for e in manifest["files"]]
            return Outcome(spec.out_dir, len(files), kept=files, up_to_date=True)
    gc.disable()  # imports and loading make many objects and no garbage; workers.make_executor re-enables
    try:
        job, handout = _resolve(spec)
        return Batch(job, handout, spec, digest, force, progress).run()
    finally:
        gc.enable()


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
                 progress: Progress | None) -> None:
        from ..plan.kinds import kind_of

        self.job, self.handout, self.digest, self.progress = job, handout, digest, progress
        old = {} if force else (read_manifest(job.out_dir) or {})
        self.old = {e["file"]: e for e in old.get("files", [])
                    if isinstance(e, dict) and isinstance(e.get("file"), str)}
        # What every document is made from, besides its id and layout: program, fonts, content, clinic.
        made_from = [program_digest(), content_digest(job.content_dir or default_content_dir()),
                     files_digest(spec.extra)]
        self.docs: dict[tuple[str, str], Entry] = {}
        self.runs: dict[str, Entry] = {}
        for layout in job.layouts:
            for doc in job.documents:
                drawn = layout.model_dump(mode="json", exclude={"description", "paper", "sheet"})
                key = sha256_bytes(canonical([made_from, doc, drawn]).encode())
                name = kind_of(handout, doc).file_name(doc, layout.name)
                self.docs[doc, layout.name] = Entry(name, doc, layout, key)
            self.runs[layout.name] = Entry(f"{PRINT_RUN}-{layout.name}.pdf", PRINT_RUN, layout)
        self.outcome = Outcome(job.out_dir, total=len(self.docs) + len(self.runs))

    def run(self) -> Outcome:
        with _CtrlC() as self.ctrl_c:  # from here on, Ctrl-C stops the run between files
            try:
                tasks = self._render_tasks()  # decides first which files are already up to date
                for layout in self.job.layouts:
                    tasks[:0] = self._print_run_if_ready(layout.name)  # every member was up to date
                self._execute(tasks)
            finally:
                self._write_manifest()
        order = {e.file: i for i, e in enumerate(self._entries())}
        self.outcome.failed.sort(key=lambda f: order[f[0]])
        return self.outcome

    def _entries(self) -> list[Entry]:
        """Every output file of the run, in manifest order: per layout its documents, then its print run."""
        return [e for lay in self.job.layouts
                for e in (*(self.docs[doc, lay.name] for doc in self.job.documents), self.runs[lay.name])]

    def _render_tasks(self) -> list[Task]:
        """One task per document and page design: booklet and 2up share their half-letter pages.

        Ordered design by design (so each layout's print run can start while the next design
        renders), the full sheet, the longest document, first in each.
        """
        from ..plan.kinds import kind_of

        designs = {key: i for i, key in enumerate(dict.fromkeys(render_key(lay) for lay in self.job.layouts))}
        tasks = []
        for order, doc in enumerate(self.job.documents):
            groups: dict[str, list[Layout]] = {}
            for layout in self.job.layouts:
                if not self._keep(self.docs[doc, layout.name]):
                    groups.setdefault(render_key(layout), []).append(layout)
            for key, layouts in groups.items():
                cost = (designs[key], kind_of(self.handout, doc).fitting != "flow", order)  # long ones first
                tasks.append(Task(cost, "render_group", (self.job.request(doc), tuple(layouts)), self._rendered(doc)))
        self._tick()
        return sorted(tasks, key=lambda t: t.cost)

    def _keep(self, entry: Entry) -> bool:
        """True (and recorded) when the file on disk was made from the same inputs and is intact."""
        old = self.old.get(entry.file)
        if old is None or old.get("input") != entry.input or not file_matches(self.job.out_dir, old):
            return False
        entry.record = old
        self.outcome.kept.append(entry.file)
        return True

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
            run.error = f"not made because {len(failed)} of its handouts failed (see above)"
            self.outcome.failed.append((run.file, run.error))
            self._tick()
            return []
        shas = [m.record["sha256"] for m in members]  # type: ignore[index]
        run.input = sha256_bytes(canonical([PRINT_RUN, layout, self.job.copies, shas]).encode())
        if self._keep(run):
            self._tick()
            return []
        data = [m.data if m.data is not None else (self.job.out_dir / m.file).read_bytes() for m in members]

        def done(made: Made) -> list[Task]:
            self._store(run, made)
            return []

        return [Task((-1,), "combine_run", (layout, data, self.job.copies), done)]

    def _store(self, entry: Entry, made: Made) -> None:
        """Write a finished PDF atomically and record it; or record why it could not be made."""
        from ..export.sinks.file import write_atomic

        self.outcome.notices += [n for n in made.notices if n not in self.outcome.notices]
        if made.error:
            entry.error = made.error
            self.outcome.failed.append((entry.file, made.error))
        else:
            write_atomic(self.job.out_dir / entry.file, made.data)
            entry.data = made.data
            entry.record = self._record(entry, made)
            self.outcome.written.append(entry.file)
        self._tick()

    def _record(self, entry: Entry, made: Made) -> dict[str, Any]:
        record: dict[str, Any] = {"file": entry.file, "document": entry.document, "layout": entry.layout.name}
        if entry.document == PRINT_RUN:
            record |= {"documents": list(self.job.documents), "copies": self.job.copies}
        return record | {"pages": made.pages, "bytes": len(made.data), "sha256": made.sha256, "input": entry.input}

    def _tick(self) -> None:
        if self.progress:
            o = self.outcome
            self.progress(len(o.written) + len(o.kept) + len(o.failed), o.total)

    def _execute(self, tasks: list[Task]) -> None:
        """Run tasks in the pool; follow-up tasks (print runs) go to the front of the queue."""
        if not tasks:
            return
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        from . import workers

        executor, n = workers.make_executor(self.job.request("full"), len(tasks))
        queue: deque[Task] = deque(tasks)
        running: dict[Future[Any], Task] = {}
        try:
            while (queue or running) and not self.ctrl_c.pressed:
                while queue and len(running) < 2 * n:
                    task = queue.popleft()
                    running[executor.submit(getattr(workers, task.function), *task.args)] = task
                done, _ = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    queue.extendleft(running.pop(future).then(future.result()))
        except BrokenProcessPool:
            raise IvigError("a worker process stopped unexpectedly (out of memory?); manifest.json lists "
                            "the files that are complete; run the same command again to finish") from None
        finally:
            self.outcome.interrupted = bool(queue or running)
            workers.shut_down(executor, now=self.outcome.interrupted)

    def _write_manifest(self) -> None:
        """manifest.json: a record for every file of the run that is on disk and known, in job order."""
        from ..export.sinks.file import write_atomic

        files = [r for r in (e.record or self._old_if_intact(e) for e in self._entries()) if r]
        complete = not self.outcome.failed and not self.outcome.interrupted and len(files) == self.outcome.total
        manifest = {"generator": f"ivig-handout {__version__}", "complete": complete,
                    "inputs": self.digest, "files": files}
        data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
        path = self.job.out_dir / MANIFEST
        try:
            unchanged = path.read_bytes() == data
        except OSError:
            unchanged = False
        if not unchanged and (files or path.exists()):
            write_atomic(path, data)

    def _old_if_intact(self, entry: Entry) -> dict[str, Any] | None:
        """An earlier run's record of a file this run did not remake, if the file still matches it."""
        old = self.old.get(entry.file)
        return old if old is not None and file_matches(self.job.out_dir, old) else None


@dataclass(frozen=True)
class Task:
    """A call to run in a worker, and what to do with its result (which may queue more tasks)."""

    cost: tuple[Any, ...]
    function: str  # a function of ivig_handout.workers
    args: tuple[Any, ...]
    then: Callable[[Any], list[Task]]


class _CtrlC:
    """While active, Ctrl-C only sets ``pressed``: the batch stops between files, never inside one."""

    def __init__(self) -> None:
        self.pressed = False
        self._previous: Any = None

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.pressed = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
