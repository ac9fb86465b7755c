"""The handout field's search (apps/web/search.py, page.js): "weakness", "IVIG" and "myasthenia gravis"
find handouts, ranked; no match is said out loud ("No handout matches"), a typo gets "Did you mean",
which can be chosen; the same without JavaScript ("Find"). In Chromium, axe-clean in each state."""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from .conftest import CHECKOUT, NAME, VENDOR, Page, Served, handout_form, serve

MG = "Myasthenia gravis (MG)"
MG_TEXT = "Myasthenia gravis (MG) is a disorder that affects how certain nerves communicate"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SHOTS = CHECKOUT / "docs" if os.environ.get("IVIG_SCREENSHOT") == "1" else Path(tempfile.gettempdir())


def asked(page: Page, query: str) -> dict[str, Any]:
    made = page.client.post("/search", data={"csrf_token": page.csrf, "q": query}, headers={"Accept": "application/json"})
    assert made.status_code == 200 and made.mimetype == "application/json"
    found: dict[str, Any] = made.get_json()
    return found


def labels(found: dict[str, Any]) -> list[str]:
    return [r["label"] for r in found["results"]]


# -- the route -----------------------------------------------------------------------------------------

def test_search_finds_by_the_words_people_use(page_client: Page) -> None:
    weakness = asked(page_client, "weakness")
    cidp = "Chronic inflammatory demyelinating polyneuropathy (CIDP)"
    assert labels(weakness)[:6] == ["Guillain-Barré syndrome (GBS)", cidp, "Multifocal motor neuropathy (MMN)", MG,
                                    "Lambert-Eaton myasthenic syndrome (LEMS)", "Dermatomyositis"]
    assert weakness["message"] == f"{len(weakness['results'])} handouts match “weakness”."
    assert labels(asked(page_client, "myasthenia gravis")) == [MG]
    assert labels(asked(page_client, "tingling")) == ["Guillain-Barré syndrome (GBS)",
                                                      "Chronic inflammatory demyelinating polyneuropathy (CIDP)"]
    for general in ("IVIG", "immune globulin"):
        assert labels(asked(page_client, general))[0] == "Full information sheet (every disorder)"
    ranked = labels(asked(page_client, "immunoglobulin"))  # the full sheet's search word, then a name's start
    assert ranked == ["Full information sheet (every disorder)", "Immunoglobulin M paraprotein"]


def test_no_match_is_said_and_a_typo_gets_a_suggestion(page_client: Page) -> None:
    assert asked(page_client, "zzz") == {"query": "zzz", "message": "No handout matches “zzz”.", "results": [],
                                         "suggestion": None}
    typo = asked(page_client, "myastenia")
    assert typo["results"] == [] and typo["message"] == "No handout matches “myastenia”."
    assert typo["suggestion"] == {"id": "mg", "label": MG}


def test_search_without_javascript_offers_the_choices(page_client: Page) -> None:
    """"Find" posts the whole form: the page comes back with the form as it was and the answer; a chosen
    answer fills in the handout and keeps the rest."""
    found = page_client.post("/search", handout_form(handout="myastenia", action="find"))
    assert found.status_code == 200
    text = html.unescape(found.text)
    assert "No handout matches “myastenia”." in text
    assert re.search(r'Did you mean <button type="submit" name="pick" value="Myasthenia gravis \(MG\)"', text)
    assert f'value="{NAME}"' in text  # the rest of the form, as it was
    several = html.unescape(page_client.post("/search", handout_form(handout="numbness", action="find")).text)
    assert re.findall(r'name="pick" value="([^"]+)"', several) == [
        "Guillain-Barré syndrome (GBS)", "Chronic inflammatory demyelinating polyneuropathy (CIDP)"]
    chosen = page_client.post("/search", handout_form(handout="myastenia", pick=MG))
    assert re.search(r'id="handout" name="handout"[^>]*value="Myasthenia gravis \(MG\)"', chosen.text)
    assert f'value="{NAME}"' in chosen.text and "No handout matches" not in chosen.text


def test_the_form_takes_the_same_words(page_client: Page) -> None:
    for typed in ("myasthenia gravis", "MYASTHENIA-GRAVIS", "double vision "):
        made = page_client.post("/", handout_form(action="download", handout=typed, patient_name=""))
        if typed.startswith("double"):  # MG and Miller Fisher: the person chooses
            assert made.status_code == 422
            assert ("Handout: 'double vision' fits 2 handouts (Myasthenia gravis (MG), Miller Fisher syndrome); "
                    "pick one") in html.unescape(made.text)
            continue
        assert made.status_code == 200 and MG_TEXT in " ".join(
            " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(made.data)).pages)
    typo = page_client.post("/", handout_form(action="download", handout="myastenia"))
    assert "Handout: no handout is called 'myastenia'; did you mean Myasthenia gravis (MG)" in html.unescape(typo.text)


def test_a_roster_with_plain_names_is_accepted(page_client: Page) -> None:
    """"miller fisher" was a bad row on the page's roster too (the id is hyphenated)."""
    roster = b"name,disorder\nAna Souza,miller fisher\nBob Stone,Guillain Barre\nCy Young,MYASTHENIA GRAVIS\n"
    checked = page_client.post("/roster", {"layout": "letter", "roster": (io.BytesIO(roster), "day.csv")},
                               htmx=True, content_type="multipart/form-data")
    assert checked.status_code == 200
    cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", checked.text)]
    assert [cells[i:i + 2] for i in range(0, len(cells), 6)] == [
        ["2", "Ana Souza"], ["3", "Bob Stone"], ["4", "Cy Young"]]
    assert [cells[i] for i in range(3, len(cells), 6)] == ["Miller Fisher syndrome", "Guillain-Barré syndrome (GBS)", MG]


# -- in Chromium -----------------------------------------------------------------------------------------

pw = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
expect = pw.expect


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from serve()


@pytest.fixture
def desk(page: Any, served: Served) -> Any:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(served.url + "/")
    yield page
    assert problems == []


def axe(page: Any) -> None:
    """axe-core on the page as it is now (WCAG 2.1 A/AA and best practice): no violation."""
    page.evaluate((VENDOR / "axe.min.js").read_text(encoding="utf-8"))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in found["violations"]] == []
    assert len(found["passes"]) >= 20  # axe really ran


def typed(page: Any, text: str) -> Any:
    field = page.get_by_label("Handout", exact=True)
    field.fill("")
    field.press_sequentially(text)
    return field


def test_find_as_you_type_by_symptom_and_plain_name(desk: Any) -> None:
    typed(desk, "weakness")
    options = desk.get_by_role("listbox", name="Matching handouts").get_by_role("option")
    expect(options.first).to_have_text("Guillain-Barré syndrome (GBS)")
    expect(options.filter(has_text=MG)).to_have_count(1)
    expect(desk.locator("#handout-search")).to_have_text(re.compile(r"\d+ handouts match “weakness”\."))
    axe(desk)
    desk.set_viewport_size({"width": 1280, "height": 900})
    desk.screenshot(path=str(SHOTS / "web-search-weakness.png"), full_page=False)
    field = typed(desk, "myasthenia gravis")
    expect(options).to_have_text([MG])
    desk.keyboard.press("ArrowDown")
    desk.keyboard.press("Enter")
    expect(field).to_have_value(MG)
    expect(desk.get_by_role("listbox", name="Matching handouts")).to_be_hidden()


def test_no_match_is_announced_and_a_typo_offers_the_handout(desk: Any) -> None:
    typed(desk, "zzz")
    region = desk.locator("#handout-search")
    expect(region).to_have_text("No handout matches “zzz”.")
    assert region.get_attribute("aria-live") == "polite"
    expect(desk.get_by_role("listbox", name="Matching handouts")).to_be_hidden()
    axe(desk)
    field = typed(desk, "myastenia")
    expect(region).to_contain_text("No handout matches “myastenia”.")
    offer = region.get_by_role("button", name=MG)
    expect(region).to_contain_text(f"Did you mean {MG}?")
    axe(desk)
    desk.set_viewport_size({"width": 1280, "height": 900})
    desk.screenshot(path=str(SHOTS / "web-search-did-you-mean.png"), full_page=False)
    offer.click()
    expect(field).to_have_value(MG)
    expect(region).to_have_text("")
    desk.get_by_label("Patient name", exact=True).fill(NAME)
    with desk.expect_download() as download:
        desk.get_by_role("button", name="Download PDF").click()
    text = " ".join(" ".join((p.extract_text() or "").split())
                    for p in PdfReader(Path(download.value.path())).pages)
    assert NAME in text and MG_TEXT in text


@pytest.mark.parametrize("scripts", ["off", "blocked"])
def test_search_without_javascript(browser: Any, served: Served, scripts: str) -> None:
    """JavaScript off; and the same page with its scripts refused (so axe, which needs JavaScript, can
    check the no-JavaScript page)."""
    context = browser.new_context(java_script_enabled=scripts == "blocked")
    if scripts == "blocked":
        context.route(re.compile(r".*\.js$"), lambda route: route.abort())
    page = context.new_page()

    def check() -> None:
        if scripts == "blocked":
            axe(page)

    page.goto(served.url + "/")
    page.get_by_label("Handout", exact=True).fill("myastenia")
    page.get_by_label("Patient name", exact=True).fill(NAME)
    page.get_by_role("button", name="Find").click()
    answer = page.locator("#handout-search")
    expect(answer).to_contain_text("No handout matches “myastenia”.")
    expect(answer).to_contain_text(f"Did you mean {MG}?")
    check()
    answer.get_by_role("button", name=MG).click()
    expect(page.get_by_label("Handout", exact=True)).to_have_value(MG)
    expect(page.get_by_label("Patient name", exact=True)).to_have_value(NAME)
    page.get_by_label("Handout", exact=True).fill("weakness")
    page.get_by_role("button", name="Find").click()
    expect(answer).to_contain_text("handouts match “weakness”. Choose one:")
    check()
    if scripts == "blocked":
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SHOTS / "web-search-without-javascript.png"), full_page=False)
    answer.get_by_role("button", name=MG).click()
    expect(page.get_by_label("Handout", exact=True)).to_have_value(MG)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(Path(download.value.path())).pages)
    assert NAME in text and MG_TEXT in text
    context.close()
