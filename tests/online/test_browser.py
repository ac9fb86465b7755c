"""The online copy in a real browser (Playwright driving Debian's chromium): axe-core (WCAG 2.0 and 2.1
A and AA, best practice) on every page at 1280 px and at 320 px, no sideways scrolling at 320 px, text
at 7:1 (axe's enhanced contrast rule) in the light and the dark scheme; the screenshots of gbs.html for
the docs (docs/online-gbs-*.png, with IVIG_SCREENSHOT=1)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ..apps.web.conftest import VENDOR
from .conftest import CHECKOUT

pytest.importorskip("playwright", reason="playwright is not installed (make install)")
from playwright.sync_api import Page  # noqa: E402

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SHOTS = (CHECKOUT / "docs" if os.environ.get("IVIG_SCREENSHOT") == "1" else Path(tempfile.gettempdir()))
WIDTHS = (1280, 320)


def axe(page: Page, **options: Any) -> dict[str, Any]:
    """axe-core on the page as it is now (by tags, or ``rules``); no violation allowed."""
    page.evaluate((VENDOR / "axe.min.js").read_text(encoding="utf-8"))
    only = {"type": "rule", "values": options["rules"]} if "rules" in options else {"type": "tag", "values": AXE_TAGS}
    found: dict[str, Any] = page.evaluate("only => axe.run(document, {runOnly: only})", only)
    details = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in found["violations"]]
    assert details == []
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_on_every_page(page: Page, any_site: Path, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    for path in sorted(any_site.glob("*.html")):
        page.goto(path.as_uri())
        found = axe(page)
        ran = {r["id"] for r in found["passes"]} | {r["id"] for r in found["inapplicable"]}
        assert {"color-contrast", "heading-order", "landmark-one-main", "page-has-heading-one"} <= ran
        if width == 320:
            wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert wide[0] <= wide[1], (path.name, wide)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_at_least_7_to_1(page: Page, clinic_site: Path, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    for name in ("index.html", "full.html", "gbs.html"):
        page.goto((clinic_site / name).as_uri())
        found = axe(page, rules=["color-contrast-enhanced", "color-contrast"])
        assert {r["id"] for r in found["passes"]} == {"color-contrast-enhanced", "color-contrast"}
        colours = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (colours == "rgb(255, 255, 255)") == (scheme == "light")


def test_text_grows_to_200_percent_without_sideways_scrolling(page: Page, clinic_site: Path) -> None:
    page.set_viewport_size({"width": 640, "height": 800})  # 1280 px at 200 % zoom
    page.goto((clinic_site / "full.html").as_uri())
    page.add_style_tag(content="html { font-size: 200% !important; }")
    wide = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide[0] <= wide[1], wide


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshot_of_gbs(page: Page, clinic_site: Path, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto((clinic_site / "gbs.html").as_uri())
    shot = SHOTS / f"online-gbs-{width}.png"
    page.screenshot(path=str(shot), full_page=width == 1280, clip=None)
    assert shot.stat().st_size > 10_000
