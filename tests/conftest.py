"""Shared fixtures: the real content, real layouts, PDFs built once per test session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivig_handout.content import load_handout
from ivig_handout.documents import build_pdf
from ivig_handout.layouts import get_layout
from ivig_handout.model import Handout

SHARED_SOURCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "source" / "aan-ivig-neuromuscular-2012.txt"
FIXTURE_SOURCE = Path(__file__).resolve().parent / "data" / "aan-ivig-neuromuscular-2012.txt"


@pytest.fixture(scope="session")
def handout() -> Handout:
    return load_handout()


@pytest.fixture(scope="session")
def source_text() -> str:
    """The 2012 source text (a copy is kept in tests/data; the shared one wins when present)."""
    path = SHARED_SOURCE if SHARED_SOURCE.exists() else FIXTURE_SOURCE
    return path.read_text(encoding="utf-8")


_cache: dict[tuple[str, str], bytes] = {}


@pytest.fixture(scope="session")
def pdf_of(handout: Handout):  # type: ignore[no-untyped-def]
    """``pdf_of(doc, layout)`` -> PDF bytes, built once per session."""

    def make(doc: str, layout: str) -> bytes:
        key = (doc, layout)
        if key not in _cache:
            _cache[key] = build_pdf(handout, doc, get_layout(layout))
        return _cache[key]

    return make


def footer_patterns(handout: Handout) -> tuple[str, ...]:
    page = re.escape(handout.labels.page_footer).replace(r"\{page\}", r"\d+").replace(r"\{pages\}", r"\d+")
    title = re.escape(handout.sheet.title)
    return (page + r"\s*" + title, title + r"\s*" + page, page)
