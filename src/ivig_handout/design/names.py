"""Design stage, layout names: which layouts there are and what an unknown name was meant to be, read
from layouts.yaml without validating it (no pydantic), so the command line checks names cheaply."""

from __future__ import annotations

from difflib import get_close_matches
from functools import lru_cache

from ..errors import NotFoundError
from ..inputs.yamlio import load
from ..resources import layouts_file

MONO_SUFFIX = "-mono"


@lru_cache(maxsize=1)
def layout_names() -> tuple[str, ...]:
    """The layouts' names, in the order of layouts.yaml."""
    data = load(layouts_file(), "layouts.yaml").data
    return tuple(data) if isinstance(data, dict) else ()


def layout_key(name: str) -> tuple[str, bool]:
    """The layout a name means and whether it asks for greyscale (``NAME-mono``); NotFoundError with
    the closest names when there is no such layout."""
    names = layout_names()
    key, mono = name.strip().lower(), False
    if key.endswith(MONO_SUFFIX) and key[: -len(MONO_SUFFIX)] in names:
        key, mono = key[: -len(MONO_SUFFIX)], True
    if key not in names:
        close = get_close_matches(key, list(names), n=2, cutoff=0.6)
        hint = f": did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise NotFoundError(f"unknown layout '{name}'{hint} (choose from {', '.join(names)})")
    return key, mono
