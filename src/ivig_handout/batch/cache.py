"""Batch stage, render cache: unpersonalised renderings (a document's pages, or its template with the
patient's values left as slots) kept in the user's cache folder, content-addressed: the key hashes
every input (the program and its layouts and fonts, the ReportLab and pikepdf versions, the content
pack's files, the clinic profile and its logo, the document, kind, layout and greyscale, and which
"Prepared for" values are slots), so a changed input is a different key and renders again.

A patient's handout is never cached: only requests without a patient, or a template's, have a key
(names stay off the disk outside the outputs). Each entry is one file written atomically (a private
temporary file, then a rename): a JSON line (the Result's values and the PDF's sha256, checked on
every read) and the PDF. A read marks the entry used (its mtime); past the size cap the least
recently used entries go first."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .freshness import canonical, clinic_files, content_digest, files_digest, program_digest

if TYPE_CHECKING:
    from ..api import Request, Result

CACHE_ENV = "IVIG_HANDOUT_CACHE_DIR"  # another folder for the cache (tests, a shared clinic machine)
DEFAULT_CAP = 256 * 1024 * 1024  # bytes: about 3,000 renderings
SUFFIX = ".render"


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

    def key(self, request: Request) -> str | None:
        """The request's key, or None for a patient's handout (never cached)."""
        from ..inputs.patient import SLOT
        from ..resources import default_content_dir

        patient = request.patient
        if patient is not None and any(v not in (None, SLOT) for v in (patient.name, patient.date)):
            return None
        parts = {
            "program": program_digest(), "libraries": _libraries(),
            "content": content_digest(request.content or default_content_dir()),
            "clinic": files_digest(clinic_files(request.clinic)) if request.clinic is not None else None,
            "document": request.document, "kind": request.kind, "layout": request.layout, "mono": request.mono,
            "slots": None if patient is None else [patient.name == SLOT, patient.date == SLOT],
        }
        return hashlib.sha256(canonical(parts).encode()).hexdigest()

    def get(self, key: str) -> tuple[dict[str, Any], bytes] | None:
        """The entry's values and PDF, or None (missing, or damaged: then it is removed)."""
        path = self.folder / f"{key}{SUFFIX}"
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head, _, data = raw.partition(b"\n")
        try:
            values = json.loads(head)
            intact = isinstance(values, dict) and values.get("sha256") == hashlib.sha256(data).hexdigest()
        except ValueError:
            intact = False
        if not intact:
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # used now: the last to go
        return values, data

    def put(self, key: str, values: dict[str, Any], data: bytes) -> None:
        """Store an entry atomically, then keep the folder under the cap. A cache that cannot be
        written is no reason to fail a batch: the rendering is returned all the same."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            head = json.dumps({**values, "sha256": hashlib.sha256(data).hexdigest()}).encode()
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(head + b"\n" + data)
                Path(tmp).replace(self.folder / f"{key}{SUFFIX}")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self.evict()
        except OSError:
            return

    def evict(self) -> None:
        """Remove the least recently used entries until the folder is under the cap."""
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


def cached(cache: RenderCache | None, request: Request, render: Callable[[Request], Result]) -> Result:
    """``render(request)`` through ``cache`` (None: no cache): a stored rendering when its key is
    there, else rendered and stored. The content's review note is made anew (it depends on the day)."""
    key = cache.key(request) if cache is not None else None
    if cache is None or key is None:
        return render(request)
    made = _stored(cache, key, request)
    if made is not None:
        return made
    result = render(request)
    cache.put(key, _values(request, result), result.data)
    return result


def lookup(cache: RenderCache | None, request: Request) -> Result | None:
    """The stored rendering of ``request``, or None (no cache, no key, not stored)."""
    key = cache.key(request) if cache is not None else None
    return _stored(cache, key, request) if cache is not None and key is not None else None


def _stored(cache: RenderCache, key: str, request: Request) -> Result | None:
    hit = cache.get(key)
    return _result(request, *hit) if hit is not None else None


def _values(request: Request, result: Result) -> dict[str, Any]:
    from ..api import review_notes
    from ..inputs.content import load_handout

    reviewed = set(review_notes(load_handout(request.content))) if result.notes else set()
    return {"pages": result.pages, "layout": result.layout.name, "mono": result.layout.mono, "kind": result.kind,
            "document": result.document, "file_name": result.file_name, "body": result.body,
            "left_out": list(result.left_out), "notes": [n for n in result.notes if n not in reviewed],
            "about": asdict(result.about), "slots": [asdict(s) for s in result.slots]}


def _result(request: Request, values: dict[str, Any], data: bytes) -> Result | None:
    """The Result of a stored entry (None if it does not read as one: it is rendered again)."""
    from ..api import Provenance, Result, review_notes
    from ..design.layouts import get_layout
    from ..inputs.content import load_handout
    from ..render.record import Slot

    try:
        made = Result(data, int(values["pages"]), get_layout(values["layout"], mono=bool(values["mono"])),
                      str(values["kind"]), str(values["document"]), str(values["file_name"]), float(values["body"]),
                      tuple(values["left_out"]), tuple(values["notes"]), False, Provenance(**values["about"]),
                      tuple(Slot(**{**s, "frame": tuple(s["frame"])}) for s in values["slots"]))
    except (KeyError, TypeError, ValueError):
        return None
    notes = (*review_notes(load_handout(request.content)), *made.notes)
    return replace(made, notes=tuple(notes))


def _libraries() -> list[str]:
    from importlib.metadata import version

    return [f"{name} {version(name)}" for name in ("reportlab", "pikepdf")]
