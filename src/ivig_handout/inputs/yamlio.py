"""Inputs stage, YAML: parse YAML into plain data, remembering the line and column of every value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError

MAX_BYTES = 2 * 1024 * 1024  # no content file, profile or job needs more than this

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
    """The file's text, or a ContentError saying why it cannot be read."""
    name = label or str(path)
    try:
        if path.is_dir():
            raise ContentError([f"{name}: is a folder, expected a YAML file"])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ContentError([f"{name}: file not found"]) from None
    except PermissionError:
        raise ContentError([f"{name}: cannot be read (permission denied)"]) from None
    except OSError as exc:
        raise ContentError([f"{name}: cannot be read ({exc.strerror or exc})"]) from None
    if len(raw) > MAX_BYTES:
        raise ContentError([f"{name}: file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}"])
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
    (tests/test_yaml_parsers.py checks the two agree on everything else)."""
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except Exception:  # noqa: BLE001 - any refusal: the pure-Python parser says what and where
            pass
    return yaml.compose(text, Loader=yaml.BaseLoader)


MAX_VALUES = 100_000  # guards against alias bombs ("billion laughs")


def _convert(node: yaml.Node, path: PathKey, out: Located, problems: list[str], at: Any = None) -> Any:
    """Plain data of ``node``; ``at`` is the mark to report for it (a mapping value: its key)."""
    if len(out.positions) > MAX_VALUES:
        raise ContentError([f"{out.source}: more than {MAX_VALUES:,} values; is this the right file?"])
    mark = at or node.start_mark
    out.positions[path] = (mark.line + 1, mark.column + 1)
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
            result[key] = _convert(value_node, path + (key,), out, problems, key_node.start_mark)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), out, problems) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:null" or (node.value in ("", "~", "null") and not getattr(node, "style", None)):
        return None
    return node.value
