"""Inputs stage, label templates: a label's placeholders are filled by name, never by ``str.format``.

A label such as ``Page {page} of {pages}`` holds only the placeholders documented for it. ``fill``
replaces exactly ``{name}`` for the names it is given and touches nothing else: no attribute or item
access (``{year.__class__}``), no format spec (``{year:>1000000000}``), no escapes, and the text it
puts in is never read again. ``problems`` refuses, when a file is loaded, a label with any other
brace (so no label prints a stray ``{...}`` either).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_BRACES = re.compile(r"\{([^{}]*)\}|[{}]")
_ECHO = 40  # characters of a refused brace expression repeated in the message


def fill(template: str, **values: object) -> str:
    """``template`` with every ``{name}`` of ``values`` replaced by ``str(value)``, in one pass."""
    if not values:
        return template
    pattern = "|".join(re.escape("{" + name + "}") for name in values)
    return re.sub(pattern, lambda m: str(values[m.group()[1:-1]]), template)


def problems(template: str, allowed: Iterable[str], required: Iterable[str] = ()) -> list[str]:
    """What is wrong with the placeholders of ``template`` (empty: nothing): each brace must belong
    to one of the ``allowed`` placeholders, and each ``required`` one must be there."""
    allowed, required = tuple(allowed), tuple(required)
    use = " or ".join("{" + name + "}" for name in allowed) if allowed else "no placeholder"
    out = []
    for match in _BRACES.finditer(template):
        if match.group(1) is None or match.group(1) not in allowed:
            out.append(f"{_echo(match.group())} is not a placeholder here (use {use}; braces are for "
                       "placeholders only)")
    out += [f"must contain {{{name}}}" for name in required if "{" + name + "}" not in template]
    return out


def _echo(text: str) -> str:
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:_ECHO])
    return f"'{shown}'" + ("..." if len(text) > _ECHO else "")
