"""Shared fixtures: the real content, real layouts, PDFs built once per test session."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivig_handout.api import Result, make
from ivig_handout.design.layouts import Layout, get_layout
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import Handout
from ivig_handout.inputs.patient import Patient
from ivig_handout.inputs.profile import Clinic
from ivig_handout.resources import default_content_dir

from .skipreport import pytest_terminal_summary  # noqa: F401  (the closing line counting skips by reason)

SHARED_SOURCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "source" / "aan-ivig-neuromuscular-2012.txt"
FIXTURE_SOURCE = Path(__file__).resolve().parent / "data" / "aan-ivig-neuromuscular-2012.txt"


@pytest.fixture(autouse=True, scope="session")
def _data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No test writes the user's own education record: the data folder (XDG_DATA_HOME) is a temporary one."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("data-home")
        patch.setenv("XDG_DATA_HOME", str(home))
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))  # nor its render cache
        yield home


@pytest.fixture(scope="session")
def handout() -> Handout:
    return load_handout()


@pytest.fixture(scope="session")
def source_text() -> str:
    """The 2012 source text (a copy is kept in tests/data; the shared one wins when present)."""
    path = SHARED_SOURCE if SHARED_SOURCE.exists() else FIXTURE_SOURCE
    return path.read_text(encoding="utf-8")


def build_pdf(handout: Handout, doc: str, layout: Layout, clinic: Clinic | None = None,
              patient: Patient | None = None) -> bytes:
    """The PDF of one document through the library API (api.make: the same stages as build())."""
    return make(handout, doc, layout, clinic, patient).data


def build_result(handout: Handout, doc: str, layout: Layout, clinic: Clinic | None = None,
                 patient: Patient | None = None) -> Result:
    """The whole Result (PDF, pages, body size, what gave way, notes) of one document."""
    return make(handout, doc, layout, clinic, patient)


_cache: dict[tuple[str, str], bytes] = {}


@pytest.fixture(scope="session")
def pdf_of(handout: Handout):  # type: ignore[no-untyped-def]
    """``pdf_of(doc, layout)`` -> PDF bytes, built once per session."""

    def made(doc: str, layout: str) -> bytes:
        key = (doc, layout)
        if key not in _cache:
            _cache[key] = build_pdf(handout, doc, get_layout(layout))
        return _cache[key]

    return made


def footer_patterns(handout: Handout) -> tuple[str, ...]:
    page = re.escape(handout.labels.page_footer).replace(r"\{page\}", r"\d+").replace(r"\{pages\}", r"\d+")
    title = re.escape(handout.sheet.title)
    return (page + r"\s*" + title, title + r"\s*" + page, page)


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    """A copy of the bundled content pack to break."""
    folder = tmp_path / "pack"
    shutil.copytree(default_content_dir(), folder)
    return folder


def edit(pack: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` in one file of a pack (which must contain it)."""
    path = pack / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """The process's umask set to ``mask`` for the block, then restored."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def device(where: Path, minor: int) -> Path:
    """A character device node of the kernel's memory devices: minor 3 is null, 7 is full."""
    try:
        os.mknod(where, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("cannot make device nodes here")
    return where


from .printserver import PrintServer, print_server  # noqa: E402, F401  (the private CUPS server, tests/printserver.py)
