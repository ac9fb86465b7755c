"""Labels are filled by name, never evaluated: only the documented placeholders, no attribute or item
access, no format spec. A label with any other brace is refused when the pack is loaded, with its file,
line and field; nothing is ever printed from one."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from ivig_handout.errors import ContentError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import TEMPLATES, Handout
from ivig_handout.inputs.template import fill, problems
from ivig_handout.plan.common import side_effect_box
from ivig_handout.plan.kinds import one_pager

from ..conftest import edit
from .common import error_lines, one_error, run_cli

ATTACKS = [
    "{year.__class__.__mro__}", "{year.__class__.__init__.__globals__}", "{year:>1000000000}", "{year!r}",
    "{year[0]}", "{0}", "{}", "{{year}}", "{ year }", "{YEAR}", "{pages}", "{", "}", "{year", "year}",
]


def line_of(pack: Path, name: str, needle: str) -> int:
    lines = (pack / name).read_text(encoding="utf-8").splitlines()
    return next(n for n, x in enumerate(lines, start=1) if needle in x)


@pytest.mark.parametrize("attack", ATTACKS)
def test_format_string_attacks_in_the_notice_are_refused(pack: Path, tmp_path: Path, attack: str) -> None:
    edit(pack, "labels.yaml", "guideline from {year}.", f"guideline from {{year}}. {attack}")
    out = tmp_path / "o.pdf"
    tracemalloc.start()
    try:
        lines = error_lines(*run_cli("build", "--content", str(pack), "-o", str(out))[::2])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak  # nothing is evaluated: no 1 GB padding (bench/limits.py times it)
    n = line_of(pack, "labels.yaml", "notice: >-")
    assert lines[0].startswith(f"error: {pack}/labels.yaml:{n}:1: notice: '") and "is not a placeholder here" in lines[0]
    assert "(use {year}; braces are for placeholders only)" in lines[0]
    assert all("labels.yaml" in x and "notice:" in x for x in lines)
    assert not out.exists()
    code, stdout, _ = run_cli("check", "--content", str(pack), "--skip-fit")
    assert code == 1 and "notice: '" in stdout and "is not a placeholder here" in stdout


@pytest.mark.parametrize(("old", "new", "field", "use"), [
    ("page_footer: Page {page} of {pages}", "page_footer: Page {page:>99999999} of {pages}", "page_footer",
     "{page} or {pages}"),
    ("page_footer: Page {page} of {pages}", "page_footer: Page {page} of {pages.__class__}", "page_footer",
     "{page} or {pages}"),
    ("one_pager_title: IVIg for {name}", "one_pager_title: IVIg for {name.__doc__} {name}", "one_pager_title",
     "{name}"),
    ("one_pager_title: IVIg for {name}", "one_pager_title: IVIg for {name} in {year}", "one_pager_title", "{name}"),
    ('continued: "{heading} (continued)"', 'continued: "{heading!s:>9999999} (continued)"', "continued", "{heading}"),
    ('questions: "Questions? Call {phone}"', 'questions: "Questions? Call {phone.__class__}"', "clinic.questions",
     "{phone}"),
    ('phone: "Phone: {phone}"', 'phone: "Phone: {phone} {page}"', "clinic.phone", "{phone}"),
])
def test_each_filled_label_takes_only_its_own_placeholders(pack: Path, tmp_path: Path, old: str, new: str,
                                                           field: str, use: str) -> None:
    edit(pack, "labels.yaml", old, new)
    line = error_lines(*run_cli("one-pager", "gbs", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])[0]
    n = line_of(pack, "labels.yaml", new.split(":", maxsplit=1)[0] + ":")
    assert line.startswith(f"error: {pack}/labels.yaml:{n}:") and f" {field}: '" in line, line
    assert f"is not a placeholder here (use {use};" in line


@pytest.mark.parametrize(("old", "new", "field", "token"), [
    ("guideline from {year}.", "guideline.", "notice", "{year}"),
    ("page_footer: Page {page} of {pages}", "page_footer: Page", "page_footer", "{page}"),
    ("one_pager_title: IVIg for {name}", "one_pager_title: IVIg", "one_pager_title", "{name}"),
    ('phone: "Phone: {phone}"', 'phone: "Phone:"', "clinic.phone", "{phone}"),
])
def test_required_placeholders(pack: Path, old: str, new: str, field: str, token: str) -> None:
    edit(pack, "labels.yaml", old, new)
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    assert [p.split(": ", 1)[1] for p in info.value.problems] == [f"{field}: must contain {token}"]


def test_every_problem_at_once(pack: Path, tmp_path: Path) -> None:
    edit(pack, "labels.yaml", "guideline from {year}.", "guideline from {year:>9}.")
    edit(pack, "labels.yaml", "Page {page} of {pages}", "Page {page} of {pages!r}")
    edit(pack, "sheet.yaml", "  year: 2012", "  year: [2012]")
    lines = error_lines(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert len(lines) == 4, lines  # the year; the notice's spec and its now missing {year}; the footer
    assert any("source.year: expected a whole number" in x for x in lines)
    assert any("notice: '{year:>9}' is not a placeholder" in x for x in lines)
    assert any("page_footer: '{pages!r}' is not a placeholder" in x for x in lines)


@pytest.mark.parametrize(("text", "field", "words"), [
    ("questions: Call {phone.__class__}\nphone: 555\n", "questions", "'{phone.__class__}' is not a placeholder"),
    ("questions: Call {phone:>999999999}\nphone: 555\n", "questions", "'{phone:>999999999}' is not a placeholder"),
    ("qr_url: https://example.org/{id.__class__}\n", "qr_url", "'{id.__class__}' is not a placeholder"),
    ("qr_url: https://example.org/{doc}\n", "qr_url", "'{doc}' is not a placeholder here (use {id};"),
])
def test_profile_placeholders(tmp_path: Path, text: str, field: str, words: str) -> None:
    profile = tmp_path / "clinic.yaml"
    profile.write_text(text)
    line = one_error(*run_cli("build", "--clinic", str(profile), "-o", str(tmp_path / "o.pdf"))[::2])
    assert line.startswith(f"error: {profile}:") and f": {field}: {words}" in line, line


# --- fill -------------------------------------------------------------------------------------------

def test_fill_replaces_exactly_the_named_placeholders() -> None:
    assert fill("Page {page} of {pages}", page=1, pages=3) == "Page 1 of 3"
    assert fill("{year.__class__} {year:>9} {year}", year=2012) == "{year.__class__} {year:>9} 2012"
    assert fill("{heading} (continued)", heading="Uses {heading} and {page}") == "Uses {heading} and {page} (continued)"
    assert fill("{a}{b}", a="{b}", b="x") == "{b}x"  # what is put in is never read again
    assert fill("no placeholders {x}") == "no placeholders {x}"


@pytest.mark.parametrize("attack", ATTACKS)
def test_problems_refuses_every_other_brace(attack: str) -> None:
    assert problems(f"from {{year}} {attack}", ("year",)), attack
    assert problems("from {year}", ("year",)) == []
    assert problems("from {year}", ("year",), ("year",)) == []
    assert problems("from", ("year",), ("year",)) == ["must contain {year}"]


def test_a_refused_label_is_quoted_short_and_printable() -> None:
    (problem,) = problems("x {" + "a" * 5000 + "\x00}", ())
    assert len(problem) < 200 and "\x00" not in problem and "..." in problem


# --- where labels are filled: the words put in are never read as placeholders ------------------------

def test_names_with_braces_print_as_they_are(handout: Handout) -> None:
    sheet = handout.sheet
    group = sheet.helpful.groups[0]
    gbs = group.disorders[0].model_copy(update={"name": "Odd {name} {year.__class__}", "abbreviation": None})
    groups = (group.model_copy(update={"disorders": (gbs, *group.disorders[1:])}), *sheet.helpful.groups[1:])
    se = sheet.side_effects.model_copy(update={"heading": "Side {heading} {page}"})
    odd = handout.model_copy(update={"sheet": sheet.model_copy(update={
        "helpful": sheet.helpful.model_copy(update={"groups": groups}), "side_effects": se})})
    plan = one_pager.plan(odd, "gbs")
    assert plan.title == "IVIg for Odd {name} {year.__class__}"
    assert side_effect_box(odd).continued == "Side {heading} {page} (continued)"
    assert odd.notice() == handout.notice() and "2012" in handout.notice()


def test_every_template_label_is_documented_in_labels_yaml(handout: Handout) -> None:
    for path in TEMPLATES:
        value: object = handout.labels
        for part in path:
            value = getattr(value, part)
        assert isinstance(value, str) and "{" in value, path
