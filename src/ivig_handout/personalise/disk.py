"""Personalise stage, the disk render cache: unpersonalised renderings (a document's pages, or its template with the
patient's values left as slots) kept in the user's cache folder, content-addressed: the key hashes
every input (the program and its layouts and fonts, the ReportLab and pikepdf versions, the content
pack's files, the clinic profile and its logo, the document, kind, layout and greyscale, and which
"Prepared for" values are slots), so a changed input is a different key and renders again.

A patient's handout is never cached: only requests without a patient, or a template's, have a key
(names stay off the disk outside the outputs). Each entry is one file written atomically (a private
temporary file, then a rename): a JSON line, then the PDF. The line holds the entry's format, its key
and the request the key hashes (no patient data), the PDF's sha256, and what a rendering knows that
its PDF does not say (body size, parts left out, notes, slots). An entry proves it answers its key:
it is read only if it is a regular file within ENTRY_LIMIT, and used only if its format, key, request
and checksum match, and its PDF opens with the title of the requested document; its page count is the
PDF's, and its document, kind, layout and file name are the request's. Anything else is a miss: the
rendering is made again and replaces the entry. A read marks the entry used (its mtime); past the
size cap the least recently used entries go first.

What a rendering keeps beside its PDF, and how an entry becomes one again, is the caller's (the api's
Result: ``Entries``); the keys, the files and their checks are here."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ..inputs.digests import canonical, clinic_files, content_digest, files_digest, program_digest

if TYPE_CHECKING:
    from ..inputs.patient import Patient


class Asking(Protocol):
    """What the key hashes of a request (the api's Request)."""

    @property
    def document(self) -> str: ...
    @property
    def layout(self) -> str: ...
    @property
    def mono(self) -> bool: ...
    @property
    def content(self) -> Path | None: ...
    @property
    def clinic(self) -> Path | None: ...
    @property
    def patient(self) -> Patient | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def also(self) -> str | None: ...


class Made(Protocol):
    """A rendering (the api's Result): its PDF."""

    @property
    def data(self) -> bytes: ...


Q = TypeVar("Q", bound=Asking)
M = TypeVar("M", bound=Made)


@dataclass(frozen=True)
class Entries(Generic[Q, M]):
    """How a rendering is kept in an entry and read back (the api's: api.ENTRIES): ``values``, what its
    PDF does not say (plain JSON data, never a patient's name); ``made``, the rendering of a request
    from those values and the PDF, or None when they are not a rendering of it (a miss)."""

    values: Callable[[Q, M], dict[str, Any]]
    made: Callable[[Q, dict[str, Any], bytes], M | None]

CACHE_ENV = "IVIG_HANDOUT_CACHE_DIR"  # another folder for the cache (tests, a shared clinic machine)
DEFAULT_CAP = 256 * 1024 * 1024  # bytes: about 3,000 renderings
SUFFIX = ".render"
FORMAT = 2  # the entry's layout (1: no format, key or request in its line; such entries are misses)
ENTRY_LIMIT = 64 * 1024 * 1024  # bytes: a larger entry (a rendering is well under 1 MB) is not one we wrote
SCAN_EVERY = 32  # entries a process stores between counts of the folder (RenderCache._keep_under_cap)
_TALLY: dict[Path, list[int]] = {}  # folder -> [bytes as last counted + this process's entries since, entries since]


@dataclass(frozen=True)
class Asked:
    """A request as the cache sees it: its key, and the plain data the key hashes (no patient data:
    only whether the name and the date are slots)."""

    key: str
    request: dict[str, Any]


@dataclass(frozen=True)
class RenderCache:
    """The cache folder and its size cap (picklable: batch workers get it with each task)."""

    folder: Path
    cap: int = DEFAULT_CAP

    @classmethod
    def default(cls) -> RenderCache:
        """The user's cache folder (platformdirs), or IVIG_HANDOUT_CACHE_DIR."""
        override = os.environ.get(CACHE_ENV)
        if override:
            return cls(Path(override))
        from platformdirs import user_cache_dir

        return cls(Path(user_cache_dir("ivig-handout")) / "renders")

    def key(self, request: Asking) -> str | None:
        """The request's key, or None for a patient's handout (never cached)."""
        asked = self.ask(request)
        return asked.key if asked is not None else None

    def has(self, request: Asking) -> bool:
        """Whether an entry file of the request's key is there (it is checked when read)."""
        key = self.key(request)
        return key is not None and (self.folder / f"{key}{SUFFIX}").is_file()

    def ask(self, request: Asking) -> Asked | None:
        """The request's key and what it hashes, or None for a patient's handout or a two-language one
        (never cached)."""
        from ..inputs.patient import SLOT
        from ..resources import default_content_dir

        patient = request.patient
        if patient is not None and any(v not in (None, SLOT) for v in (patient.name, patient.date)):
            return None
        if request.also is not None:  # a two-language handout: not cached (its key would need both packs)
            return None
        parts = {
            "program": program_digest(), "libraries": _libraries(),
            "content": content_digest(request.content or default_content_dir()),
            "clinic": files_digest(clinic_files(request.clinic)) if request.clinic is not None else None,
            "document": request.document, "kind": request.kind, "layout": request.layout, "mono": request.mono,
            "slots": None if patient is None else [patient.name == SLOT, patient.date == SLOT],
        }
        text = canonical(parts)
        return Asked(hashlib.sha256(text.encode()).hexdigest(), json.loads(text))

    def get(self, asked: Asked) -> tuple[dict[str, Any], bytes] | None:
        """The entry's values and PDF if it answers ``asked`` (its format, key, request and checksum);
        else None, and an entry that is there but is not the answer (not a regular file, too large,
        damaged, of another format or for another request) is removed."""
        path = self.folder / f"{asked.key}{SUFFIX}"
        try:
            regular = stat.S_ISREG(path.lstat().st_mode)  # a link, FIFO, device or folder was never written here
        except OSError:
            return None
        hit = _answer(path, asked) if regular else None
        if hit is None:
            _drop(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to go
        return hit

    def put(self, asked: Asked, values: dict[str, Any], data: bytes) -> None:
        """Store an entry atomically (replacing any there), then keep the folder under the cap. A cache
        that cannot be written is no reason to fail a batch: the rendering is returned all the same."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            head = json.dumps({**values, "format": FORMAT, "key": asked.key, "request": asked.request,
                               "sha256": hashlib.sha256(data).hexdigest()}).encode()
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(head + b"\n" + data)
                Path(tmp).replace(self.folder / f"{asked.key}{SUFFIX}")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._keep_under_cap(len(head) + 1 + len(data))
        except OSError:
            return

    def _keep_under_cap(self, added: int) -> None:
        """Evict when the folder may be past the cap. Counting it means a stat of every entry (12 ms for
        3,000), so it is counted on this process's first entry, then after SCAN_EVERY more (other
        processes add theirs), or as soon as this process's own count would pass the cap."""
        tally = _TALLY.get(self.folder)
        if tally is not None and tally[1] < SCAN_EVERY and tally[0] + added <= self.cap:
            tally[0] += added
            tally[1] += 1
            return
        _TALLY[self.folder] = [self.evict(), 0]

    def evict(self) -> int:
        """Remove the least recently used entries until the folder is under the cap; the bytes left."""
        entries = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            try:
                status = path.stat()
            except OSError:
                continue
            entries.append((status.st_mtime_ns, status.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.cap:
                break
            path.unlink(missing_ok=True)
            total -= size
        return total


def cached(cache: RenderCache | None, request: Q, render: Callable[[Q], M], entries: Entries[Q, M]) -> M:
    """``render(request)`` through ``cache`` (None: no cache): a stored rendering when its key is
    there, else rendered and stored."""
    asked = cache.ask(request) if cache is not None else None
    if cache is None or asked is None:
        return render(request)
    made = _stored(cache, asked, request, entries)
    if made is not None:
        return made
    result = render(request)
    cache.put(asked, entries.values(request, result), result.data)
    return result


def lookup(cache: RenderCache | None, request: Q, entries: Entries[Q, M]) -> M | None:
    """The stored rendering of ``request``, or None (no cache, no key, not stored)."""
    asked = cache.ask(request) if cache is not None else None
    return _stored(cache, asked, request, entries) if cache is not None and asked is not None else None


def _stored(cache: RenderCache, asked: Asked, request: Q, entries: Entries[Q, M]) -> M | None:
    hit = cache.get(asked)
    made = entries.made(request, *hit) if hit is not None else None
    if hit is not None and made is None:
        _drop(cache.folder / f"{asked.key}{SUFFIX}")  # not the request's rendering: rendered again
    return made


def _answer(path: Path, asked: Asked) -> tuple[dict[str, Any], bytes] | None:
    """The values and PDF of the entry file at ``path`` if it answers ``asked``, else None."""
    from ..inputs.files import FileRefusedError, read_regular

    try:
        raw = read_regular(path, ENTRY_LIMIT, expected="a render-cache entry")  # never blocks, never too much
    except FileRefusedError:
        return None
    head, _, data = raw.partition(b"\n")
    try:
        values = json.loads(head)
    except (ValueError, RecursionError):
        return None
    if not (isinstance(values, dict) and values.get("format") == FORMAT and values.get("key") == asked.key
            and values.get("request") == asked.request and values.get("sha256") == hashlib.sha256(data).hexdigest()):
        return None
    return values, data


def _drop(path: Path) -> None:
    """Remove an entry that is not the answer to its key (a folder in its place stays: puts then fail)."""
    with contextlib.suppress(OSError):
        path.unlink()


@functools.cache  # the versions installed do not change while the process runs
def _libraries() -> list[str]:
    from importlib.metadata import version

    return [f"{name} {version(name)}" for name in ("reportlab", "pikepdf")]
