"""Design stage, layout names: which layouts there are and what an unknown name was meant to be, read
from layouts.yaml without validating it (no pydantic), so the command line checks names cheaply."""

from __future__ import annotations

import re
from functools import lru_cache

from ..errors import NotFoundError
from ..resources import layouts_file

MONO_SUFFIX = "-mono"


_TOP_KEY = re.compile(r"([A-Za-z0-9][A-Za-z0-9_-]*):(?:[ \t]+(?:#.*)?)?")  # "letter:", "a4:  # comment"


@lru_cache(maxsize=1)
def layout_names() -> tuple[str, ...]:
    """The layouts' names, in the order of layouts.yaml: its top-level keys, read from the lines that
    start at the margin (a name, a colon and nothing else) without parsing the YAML, which the command
    line's check of every --layouts name would otherwise pay for; any other line at the margin (a
    document marker, flow style, a quoted key) and the file is parsed as YAML instead."""
    text = layouts_file().read_text(encoding="utf-8")
    names: list[str] = []
    for line in text.splitlines():
        if not line or line[0] in " \t#":
            continue
        key = _TOP_KEY.fullmatch(line.rstrip())
        if key is None:
            from ..inputs.yamlio import load

            data = load(layouts_file(), "layouts.yaml").data
            return tuple(data) if isinstance(data, dict) else ()
        names.append(key.group(1))
    return tuple(names)


def layout_key(name: str) -> tuple[str, bool]:
    """The layout a name means and whether it asks for greyscale (``NAME-mono``); NotFoundError with
    the closest names when there is no such layout."""
    names = layout_names()
    key, mono = name.strip().lower(), False
    if key.endswith(MONO_SUFFIX) and key[: -len(MONO_SUFFIX)] in names:
        key, mono = key[: -len(MONO_SUFFIX)], True
    if key not in names:
        from difflib import get_close_matches

        close = get_close_matches(key, list(names), n=2, cutoff=0.6)
        hint = f": did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise NotFoundError(f"unknown layout '{name}'{hint} (choose from {', '.join(names)})")
    return key, mono
