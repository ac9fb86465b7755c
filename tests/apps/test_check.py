"""`ivig-handout check`: what it finds in good and broken content packs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ivig_handout.apps.cli import main

from ..conftest import edit
from ..pdfcheck import page_texts, squash


def run(*args: str) -> tuple[int, dict[str, dict]]:  # type: ignore[type-arg]
    result = CliRunner().invoke(main, ["check", "--json", *args])
    assert "Traceback" not in result.stderr
    findings = {f["check"]: f for f in json.loads(result.stdout)}
    return result.exit_code, findings


def test_shipped_content_is_fit_to_print() -> None:
    code, findings = run()
    assert code == 0, [f for f in findings.values() if f["status"] == "fail"]
    assert findings["documents fit their pages"]["status"] == "ok"
    assert findings["documents fit their pages"]["detail"].startswith("13 documents (12 disorders and the full sheet) x 6 page designs")
    assert "longest patient's name" not in findings  # only with a clinic profile
    assert findings["recorded typos fixed"]["status"] == "ok"
    assert findings["source status"]["status"] == "note" and "2012" in findings["source status"]["detail"]
    grade = findings["reading level"]["data"]["flesch_kincaid_grade"]
    assert 6 < grade < 14  # the 2012 text reads at about grade 9-10


def test_human_table(pack: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--skip-fit", "--content", str(pack)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK    content schema")
    assert any(line.startswith("NOTE  reading level") and "Flesch-Kincaid grade" in line for line in lines)


def test_typo_back_in_content_fails(pack: Path) -> None:
    edit(pack, "sheet.yaml", "the leg muscles", "the lag muscles")
    code, findings = run("--skip-fit", "--content", str(pack))
    assert code == 1
    f = findings["recorded typos fixed"]
    assert f["status"] == "fail" and any("lag muscles" in item for item in f["items"])


def test_uncovered_character_fails_naming_field(pack: Path) -> None:
    edit(pack, "sheet.yaml", "name: Polymyositis", "name: Polymyositis 中")
    code, findings = run("--skip-fit", "--content", str(pack))
    assert code == 1
    (item,) = findings["fonts cover every character"]["items"]
    assert "sheet.yaml: other_disorders.disorders[4].name" in item and "U+4E2D" in item


def test_old_review_date_warns_but_passes(pack: Path) -> None:
    edit(pack, "sheet.yaml", 'review_date: "2026-11-25"', 'review_date: "2019-01-02"')
    code, findings = run("--skip-fit", "--content", str(pack))
    assert code == 0
    assert findings["review date"]["status"] == "warn" and "2019-01-02" in findings["review date"]["detail"]


def test_schema_problem_fails_with_location(pack: Path) -> None:
    edit(pack, "sheet.yaml", "          rating: strong\n", "          rating: stronk\n")
    code, findings = run("--content", str(pack))
    assert code == 1
    (item,) = findings["content schema"]["items"]
    assert "sheet.yaml:" in item and "rating: must be one of" in item and "'stronk'" in item


def test_build_warns_about_old_review_date_but_prints(pack: Path, tmp_path: Path) -> None:
    from ..pdfcheck import page_sizes

    edit(pack, "sheet.yaml", 'review_date: "2026-11-25"', 'review_date: "2019-01-02"')
    out = tmp_path / "gbs.pdf"
    result = CliRunner().invoke(main, ["one-pager", "gbs", "--content", str(pack), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("note: the content was last reviewed on 2019-01-02 (")
    assert len(page_sizes(out.read_bytes())) == 1


def test_build_says_nothing_about_a_recent_review(pack: Path, tmp_path: Path) -> None:
    from datetime import date

    edit(pack, "sheet.yaml", 'review_date: "2026-11-25"', f'review_date: "{date.today().isoformat()}"')
    result = CliRunner().invoke(main, ["build", "--content", str(pack), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 0 and "reviewed" not in result.stderr


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "clinic.yaml"


def test_example_profile_fits_and_the_longest_name_is_said_in_advance(tmp_path: Path) -> None:
    """With the example profile every document fits every page design, and so does a 60-character
    patient's name on every one-pager (it used to be refused on GBS and MG, Letter: issue 21); check
    says so, and build prints it."""
    code, findings = run("--clinic", str(EXAMPLE))
    assert code == 0
    assert findings["clinic profile"]["status"] == "ok"
    assert findings["documents fit their pages"]["status"] == "ok"
    longest = findings["longest patient's name"]
    assert longest["status"] == "ok" and longest["items"] == [], longest
    from ivig_handout.apps.check import LONG_DATE, LONG_NAME

    out = tmp_path / "mg.pdf"
    made = CliRunner().invoke(main, ["one-pager", "mg", "--clinic", str(EXAMPLE), "--patient-name", LONG_NAME,
                                     "--date", LONG_DATE, "-o", str(out), "--record-db", str(tmp_path / "r.db")])
    assert made.exit_code == 0, made.stderr
    assert LONG_NAME in squash(" ".join(page_texts(out.read_bytes()))).replace("\xa0", " ")


def test_a_profile_that_cannot_fit_fails_check_naming_each_document(tmp_path: Path, pack: Path) -> None:
    """A profile whose every text is as long as allowed, in the widest letters, with a content pack whose
    MG text runs longer (the profile alone fits every one-pager since issue 21): check fails in advance,
    listing every document and layout where build would refuse it."""
    import yaml

    last = "The person may need a breathing machine."
    edit(pack, "sheet.yaml", last, last + " WWWWWWW WWWWWW." * 60)

    profile = tmp_path / "clinic.yaml"
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    wide = "WWWWWWW " * 60
    data.update(name=wide[:80], department=wide[:60], address="\n".join([wide[:60]] * 3), questions=wide[:160],
                note_heading=wide[:40], note=wide[:400])  # every text at its limit, in the widest letters
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "clinic-logo.png").write_bytes((EXAMPLE.parent / "clinic-logo.png").read_bytes())
    code, findings = run("--clinic", str(profile), "--content", str(pack))
    assert code == 1
    fit = findings["documents fit their pages"]
    assert fit["status"] == "fail" and fit["items"]
    assert all("with the clinic profile" in item and "shorten" in item for item in fit["items"])
    assert any("'mg'" in item and "'letter'" in item and "at 10 pt" in item for item in fit["items"]), fit["items"]
