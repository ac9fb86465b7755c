"""yamlio reads with libyaml when it can: the result must be exactly what PyYAML's own parser gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_handout.errors import ContentError
from ivig_handout.inputs import yamlio
from ivig_handout.resources import default_content_dir, layouts_file

pytestmark = pytest.mark.skipif(yamlio._FAST_LOADER is None, reason="PyYAML built without libyaml")


def both(text: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """(data, positions) or the problems, with libyaml and then with PyYAML's parser only."""
    out: list[tuple[object, ...]] = []
    for fast in (yamlio._FAST_LOADER, None):
        with monkeypatch.context() as m:
            m.setattr(yamlio, "_FAST_LOADER", fast)
            try:
                located = yamlio.loads(text, "x.yaml")
                out.append(("ok", located.data, located.positions))
            except ContentError as exc:
                out.append(("error", exc.problems))
    return out


def test_bundled_yaml_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(Path(default_content_dir()).rglob("*.yaml")) + [layouts_file()]
    assert len(files) >= 4
    for path in files:
        fast, slow = both(yamlio.read_text(path), monkeypatch)
        assert fast == slow and fast[0] == "ok", path


SCALARS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
DOCS = st.recursive(SCALARS | st.none() | st.booleans() | st.integers(),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(SCALARS, c, max_size=3), max_leaves=12)
PIECES = ["a: b\n", "- x\n", "  c: 'q'\n", 'k: "\\u00e9"\n', "\r\n", "\x85", "\u2028", "é", "😀", ": ", "#c\n",
          "- ", "key: |\n  l1\n  l2\n", "x: >\n  f\n", "&a x\n", "*a\n", "? k\n", "!!str s\n", "~\n", "''\n",
          "\t", "---\n", "{a: [b, c]}\n", "a: b: c\n", "'unclosed\n"]


@settings(max_examples=150, suppress_health_check=list(HealthCheck), deadline=None)
@given(DOCS, st.booleans())
def test_dumped_yaml_reads_the_same(monkeypatch: pytest.MonkeyPatch, doc: object, flow: bool) -> None:
    fast, slow = both(yaml.safe_dump(doc, allow_unicode=True, default_flow_style=flow), monkeypatch)
    assert fast == slow


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.text(max_size=80) | st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_any_text_reads_the_same_or_fails_the_same(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Same data and positions, or the same messages (every refusal is PyYAML's own)."""
    fast, slow = both(text, monkeypatch)
    assert fast == slow
