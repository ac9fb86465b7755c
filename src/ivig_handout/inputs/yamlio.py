"""Inputs stage, YAML: parse YAML into plain data, remembering the line and column of every value."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError
from .files import read_regular

MAX_BYTES = 2 * 1024 * 1024  # no content file, profile or job needs more than this
MAX_DEPTH = 64  # lists and mappings inside each other; the deepest bundled file needs 7

PathKey = tuple[str | int, ...]


@dataclass
class Located:
    """Plain data (dicts, lists, strings) plus the position of each value, keyed by its path."""

    data: Any
    source: str
    positions: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: PathKey) -> str:
        """``file:line:col`` of ``path`` or of its nearest located parent."""
        for cut in range(len(path), -1, -1):
            pos = self.positions.get(tuple(path[:cut]))
            if pos:
                return f"{self.source}:{pos[0]}:{pos[1]}"
        return self.source


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def read_text(path: Path, label: str | None = None) -> str:
    """The file's text, or a ContentError saying why it cannot be read (only a regular file is read,
    and never more than MAX_BYTES of it: see inputs/files.py)."""
    name = label or str(path)
    raw = read_regular(path, MAX_BYTES, name, "a YAML file")
    if b"\x00" in raw:
        raise ContentError([f"{name}: is a binary file, not YAML text"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError([f"{name}: is not UTF-8 text (bad byte at offset {exc.start})"]) from None


def load(path: Path, label: str | None = None) -> Located:
    """Parse a YAML file with every scalar kept as a string (so ``no`` stays ``"no"``)."""
    name = label or str(path)
    return loads(read_text(path, name), name)


def loads(text: str, name: str) -> Located:
    try:
        node = _compose(text)
    except _TooDeepError as exc:
        raise ContentError([f"{name}:{exc.mark.line + 1}:{exc.mark.column + 1}: {_too_deep()}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise ContentError([f"{where}: YAML syntax error: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise ContentError([f"{name}: YAML error: {exc}"]) from None
    if node is None:
        raise ContentError([f"{name}: file is empty"])
    located = Located(None, name)
    problems: list[str] = []
    located.data = _convert(node, (), located, problems)
    if problems:
        raise ContentError(problems)
    return located


# libyaml's parser, when PyYAML was built with it, composes the same nodes about 15 times faster.
_FAST_LOADER = getattr(yaml, "CBaseLoader", None)


def _compose(text: str) -> yaml.Node | None:
    """The document's node tree. Text that libyaml does not take is parsed again by PyYAML's own
    parser, so every problem is reported with PyYAML's message and position, as ever. Text with a
    tab goes to PyYAML's parser only: libyaml takes tabs inside plain scalars, which PyYAML refuses
    (tests/test_yaml_parsers.py checks the two agree on everything else).

    Both composers recurse once per level of nesting (and libyaml refuses more than 1000 levels,
    which sends the text to PyYAML's, which then overflows Python's stack), so the nesting is
    measured first on the parser's events, which needs no recursion: _TooDeepError past MAX_DEPTH."""
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            _check_depth(yaml.parse(text, Loader=_FAST_LOADER))
            return yaml.compose(text, Loader=_FAST_LOADER)
        except _TooDeepError:
            raise
        except Exception:  # noqa: BLE001 - any refusal: the pure-Python parser says what and where
            pass
    _check_depth(yaml.parse(text, Loader=yaml.BaseLoader))
    return yaml.compose(text, Loader=yaml.BaseLoader)


class _TooDeepError(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__()
        self.mark = mark


_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _check_depth(events: Iterator[yaml.Event]) -> None:
    """_TooDeepError at the first list or mapping nested more than MAX_DEPTH levels deep."""
    depth = 0
    for event in events:
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeepError(event.start_mark)
        elif isinstance(event, _CLOSE):
            depth -= 1


def _too_deep() -> str:
    return (f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; "
            "a content pack, profile or job needs only a few")


MAX_VALUES = 100_000  # guards against alias bombs ("billion laughs")


def _convert(node: yaml.Node, path: PathKey, out: Located, problems: list[str], at: Any = None,
             parents: tuple[int, ...] = ()) -> Any:
    """Plain data of ``node``; ``at`` is the mark to report for it (a mapping value: its key);
    ``parents`` are the ids of the lists and mappings it is inside (aliases can nest a node in
    itself, or chain anchors deeper than the text's own nesting: both are refused here)."""
    if len(out.positions) > MAX_VALUES:
        raise ContentError([f"{out.source}: more than {MAX_VALUES:,} values; is this the right file?"])
    mark = at or node.start_mark
    out.positions[path] = (mark.line + 1, mark.column + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in parents:
            loop = (f"{out.where(path)}: {format_path(path)}: an alias (*name) refers to a list or mapping that "
                    "contains it; it would never end")
            raise ContentError([loop])
        if len(parents) >= MAX_DEPTH:
            raise ContentError([f"{out.where(path)}: {_too_deep()}"])
        parents += (id(node),)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(f"{out.where(path)}: {format_path(path)}: keys must be plain words")
                continue
            key = key_node.value
            if key in result:
                line = key_node.start_mark.line + 1
                col = key_node.start_mark.column + 1
                problems.append(
                    f"{out.source}:{line}:{col}: {format_path(path + (key,))}: duplicate key "
                    f"'{key}' (first at line {out.positions[path + (key,)][0]})"
                )
                continue
            result[key] = _convert(value_node, path + (key,), out, problems, key_node.start_mark, parents)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), out, problems, None, parents) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:null" or (node.value in ("", "~", "null") and not getattr(node, "style", None)):
        return None
    return node.value
