"""The online copy, written once per session by the ``site`` command (with and without the example
clinic profile), its pages parsed as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivig_handout.apps.cli import main

from ..apps.web.conftest import browser_type_launch_args  # noqa: F401 - Debian's chromium for Playwright

CHECKOUT = Path(__file__).resolve().parents[2]
EXAMPLE = CHECKOUT / "examples" / "clinic.yaml"


def write_site(out: Path, *args: str) -> str:
    """Run ``ivig-handout site --out-dir OUT ARGS``; its output (it must succeed)."""
    result = CliRunner().invoke(main, ["site", "--out-dir", str(out), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(out)
    return out


@pytest.fixture(scope="session")
def clinic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clinic-site") / "site"
    write_site(out, "--clinic", str(EXAMPLE))
    return out


@pytest.fixture(scope="session", params=["plain", "clinic"])
def any_site(request: pytest.FixtureRequest) -> Iterator[Path]:
    yield request.getfixturevalue(f"{request.param}_site")


def parse(path: Path) -> tuple[Any, list[Any]]:
    """The page's tree (html5lib, as a browser parses it) and the parse errors."""
    import html5lib

    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    tree = parser.parse(path.read_bytes())
    return tree, list(parser.errors)


def text_of(element: Any) -> str:
    """The element's text, a space at every element's edge, whitespace collapsed."""
    parts: list[str] = []

    def walk(e: Any) -> None:
        parts.append(" " + (e.text or ""))
        for child in e:
            walk(child)
            parts.append(" " + (child.tail or ""))
        parts.append(" ")

    walk(element)
    return " ".join("".join(parts).split())


def main_text(path: Path) -> str:
    tree, _ = parse(path)
    return text_of(tree.find(".//main"))
