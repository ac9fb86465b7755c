"""Layout names for the command line's checks (design/names.py): read from layouts.yaml's lines without
parsing the YAML, the same names in the same order as parsing it gives; a file in another shape is parsed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_handout.design import names
from ivig_handout.inputs.yamlio import load
from ivig_handout.resources import layouts_file


@pytest.fixture(autouse=True)
def _fresh() -> None:
    names.layout_names.cache_clear()
    yield
    names.layout_names.cache_clear()


def _parsed(path: Path) -> tuple[str, ...]:
    return tuple(load(path, "layouts.yaml").data)


def test_the_shipped_names_are_the_yaml_keys_in_order() -> None:
    assert names.layout_names() == _parsed(layouts_file())
    assert names.layout_names()[:3] == ("letter", "a4", "large-print")


@pytest.mark.parametrize("text", [
    '"letter": {page: [1, 2]}\nbig:\n  extends: letter\n',  # a quoted key, flow style
    "---\nletter:\n  body: 12\nwide: # a comment\n  body: 14\n",  # a document marker
    "letter: &base\n  body: 12\nsmall:\n  <<: *base\n",  # an anchor on the key's line
])
def test_a_file_in_another_shape_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    path = tmp_path / "layouts.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(names, "layouts_file", lambda: path)
    assert names.layout_names() == _parsed(path)


def test_an_unknown_name_still_suggests_the_closest() -> None:
    with pytest.raises(names.NotFoundError, match="did you mean 'letter'"):
        names.layout_key("leter")
