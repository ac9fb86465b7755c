"""Ids and names: every disorder id and alias names one disorder (unique, compared case-insensitively,
never a reserved word, safe in a file name, never the start of another document's file name). Each
problem is one located line (file:line:col: path: message), all of them at once, and build, one-pager,
check and batch all refuse the pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivig_handout.errors import ContentError
from ivig_handout.inputs.content import load_handout
from ivig_handout.inputs.model import MAX_ID
from ivig_handout.inputs.rules import RESERVED

from ..conftest import edit
from .common import error_lines, one_error, run_cli


def at(pack: Path, needle: str, occurrence: int = 1) -> str:
    """``sheet.yaml:LINE:COL`` of the value after ``needle`` (its n-th occurrence)."""
    seen = 0
    for number, line in enumerate((pack / "sheet.yaml").read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return f"{pack}/sheet.yaml:{number}:{line.index(needle) + 1}"
    raise AssertionError(needle)


def refused(pack: Path, tmp_path: Path) -> list[str]:
    """The error lines of build; one-pager, check and a batch job must refuse the pack as well."""
    out = tmp_path / "out"
    lines = error_lines(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert error_lines(*run_cli("one-pager", "gbs", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2]) == lines
    code, stdout, _ = run_cli("check", "--content", str(pack), "--skip-fit")
    assert code == 1 and all(x.removeprefix("error: ") in stdout for x in lines)
    job = tmp_path / "job.yaml"
    job.write_text(f"content: {pack}\nlayouts: [letter]\noutput: {out}\n")
    assert error_lines(*run_cli("batch", str(job))[::2]) == lines
    assert not (tmp_path / "o.pdf").exists() and not out.exists()
    return lines


def test_a_duplicate_id_is_refused(pack: Path, tmp_path: Path) -> None:
    """Renaming cidp to gbs made CIDP impossible to print; now the pack is refused, naming both."""
    edit(pack, "sheet.yaml", "- id: cidp", "- id: gbs")
    (line,) = refused(pack, tmp_path)
    first = at(pack, "id: gbs", 1).split(":")[1]
    assert line == (f"error: {at(pack, 'id: gbs', 2)}: helpful.groups[0].disorders[1].id: 'gbs' is already used by "
                    f"helpful.groups[0].disorders[0].id (line {first}); every id and alias names one disorder")


@pytest.mark.parametrize("word", sorted(RESERVED))
def test_a_reserved_word_is_never_an_id(pack: Path, tmp_path: Path, word: str) -> None:
    """A disorder called `full` printed the full sheet instead; `all` would be every document."""
    edit(pack, "sheet.yaml", "- id: polymyositis", f"- id: {word}")
    (line,) = refused(pack, tmp_path)
    assert line.startswith(f"error: {at(pack, f'id: {word}')}: ")
    assert f"other_disorders.disorders[4].id: '{word}' is a reserved word ({RESERVED[word]}); choose another id" in line


@pytest.mark.parametrize("word", ["full", "all", "print-run"])
def test_a_reserved_word_is_never_an_alias(pack: Path, word: str) -> None:
    edit(pack, "sheet.yaml", "aliases: [dm]", f"aliases: [dm, {word}]")
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    (problem,) = info.value.problems
    assert f"helpful.groups[4].disorders[0].aliases[1]: '{word}' is a reserved word" in problem
    assert "choose another alias" in problem


@pytest.mark.parametrize(("old", "new", "path", "owner"), [
    ("aliases: [dm]", "aliases: [mg]", "helpful.groups[4].disorders[0].aliases[0]", "helpful.groups[2].disorders[0].id"),
    ("aliases: [dm]", "aliases: [ibm]", "other_disorders.disorders[2].aliases[0]",
     "helpful.groups[4].disorders[0].aliases[0]"),  # across a group and the list of others
    ("aliases: [pm]", "aliases: [myasthenia]", "other_disorders.disorders[4].aliases[0]",
     "helpful.groups[2].disorders[0].aliases[1]"),
    ("aliases: [dm]", "aliases: [dermatomyositis]", "helpful.groups[4].disorders[0].aliases[0]",
     "helpful.groups[4].disorders[0].id"),  # its own id again
    ("aliases: [dm]", "aliases: [dm, dm]", "helpful.groups[4].disorders[0].aliases[1]",
     "helpful.groups[4].disorders[0].aliases[0]"),
    ("- id: postpolio", "- id: mfs", "other_disorders.disorders[5].id", "other_disorders.disorders[3].aliases[1]"),
])
def test_aliases_never_collide(pack: Path, tmp_path: Path, old: str, new: str, path: str, owner: str) -> None:
    edit(pack, "sheet.yaml", old, new)
    (line,) = refused(pack, tmp_path)
    assert f": {path}: '" in line and f"' is already used by {owner} (line " in line, line


def test_ids_are_compared_case_insensitively_and_must_be_lower_case(pack: Path) -> None:
    edit(pack, "sheet.yaml", "- id: cidp", "- id: GBS")
    edit(pack, "sheet.yaml", "aliases: [dm]", "aliases: [MG]")
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    assert [p.split(": ", 1)[1] for p in info.value.problems] == [
        "helpful.groups[0].disorders[1].id: 'GBS' must be lower-case letters, digits and dashes",
        "helpful.groups[4].disorders[0].aliases: alias 'MG' must be lower-case letters, digits and dashes",
    ]


@pytest.mark.parametrize("bad", ["../etc", "a/b", "a.b", "-gbs", "gbs_x", "é", "a b", "'..'", "''"])
def test_ids_are_safe_as_file_names(pack: Path, tmp_path: Path, bad: str) -> None:
    edit(pack, "sheet.yaml", "- id: cidp", f"- id: {bad}")
    line = one_error(*run_cli("build", "--content", str(pack), "-o", str(tmp_path / "o.pdf"))[::2])
    assert "helpful.groups[0].disorders[1].id: " in line
    assert "must be lower-case letters, digits and dashes" in line or "must not be empty" in line, line


def test_ids_and_aliases_have_a_length_limit(pack: Path) -> None:
    edit(pack, "sheet.yaml", "- id: cidp", f"- id: {'c' * (MAX_ID + 1)}")
    edit(pack, "sheet.yaml", "aliases: [dm]", f"aliases: [{'d' * (MAX_ID + 1)}]")
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    assert [p.split(": ", 2)[2] for p in info.value.problems] == [
        f"is {MAX_ID + 1} characters long; at most {MAX_ID} (shorten it, or split it)",
        f"alias '{'d' * MAX_ID}...' is {MAX_ID + 1} characters long; at most {MAX_ID}",
    ]


@pytest.mark.parametrize(("old", "new", "words"), [
    ("- id: postpolio", "- id: gbs-large-print",
     ("'gbs-large-print' is the id 'gbs' and '-large-print': PDFs are named ivig-<id>-<layout>.pdf, so "
      "ivig-gbs-large-print-a4.pdf would also name 'gbs' on a layout called 'large-print-a4'")),
    ("- id: postpolio", "- id: mg-a4", "'mg-a4' is the id 'mg' and '-a4'"),
    ("- id: postpolio", "- id: information-sheet-large", ("'information-sheet-large' begins with 'information-sheet-', "
                                                         "as the full sheet's PDFs do (ivig-information-sheet-<layout>.pdf)")),
    ("- id: postpolio", "- id: information", "'information' and a dash begin the full sheet's file name"),
])
def test_no_id_can_make_the_file_name_of_another_document(pack: Path, tmp_path: Path, old: str, new: str,
                                                          words: str) -> None:
    """ivig-gbs-large-print-a4.pdf would be both 'gbs-large-print' on a4 and 'gbs' on large-print-a4."""
    edit(pack, "sheet.yaml", old, new)
    (line,) = refused(pack, tmp_path)
    assert line.startswith(f"error: {pack}/sheet.yaml:") and ": other_disorders.disorders[5].id: " + words in line, line


def test_an_id_that_only_ends_like_a_layout_is_allowed(pack: Path, tmp_path: Path) -> None:
    """With no id 'gbs', 'gbs-a4' cannot clash with anything: it is printed under its own name."""
    edit(pack, "sheet.yaml", "- id: gbs", "- id: gbs-a4")
    out = tmp_path / "out"
    code, stdout, err = run_cli("one-pager", "gbs-a4", "--content", str(pack), "-o", str(out / "x.pdf"))
    assert code == 0, err
    from ..pdfcheck import body_text

    assert "Guillain-Barré syndrome" in body_text((out / "x.pdf").read_bytes())


def test_group_ids_are_unique(pack: Path) -> None:
    edit(pack, "sheet.yaml", "- id: lambert-eaton\n", "- id: myasthenia-gravis\n")
    with pytest.raises(ContentError) as info:
        load_handout(pack)
    (problem,) = info.value.problems
    assert ("helpful.groups[3].id: 'myasthenia-gravis' is already the id of helpful.groups[2] (line "
            in problem and problem.endswith("); group ids must be unique"))


def test_every_problem_at_once(pack: Path, tmp_path: Path) -> None:
    edit(pack, "sheet.yaml", "- id: cidp", "- id: gbs")
    edit(pack, "sheet.yaml", "- id: polymyositis", "- id: full")
    edit(pack, "sheet.yaml", "aliases: [dm]", "aliases: [mmn, all]")
    edit(pack, "sheet.yaml", "- id: postpolio", "- id: mg-large-print")
    edit(pack, "labels.yaml", "guideline from {year}.", "guideline from {year.real}.")
    lines = refused(pack, tmp_path)
    assert [x.split(": ")[2] for x in lines] == [
        "helpful.groups[0].disorders[1].id", "helpful.groups[4].disorders[0].aliases[0]",
        "helpful.groups[4].disorders[0].aliases[1]", "other_disorders.disorders[4].id",
        "other_disorders.disorders[5].id", "notice", "notice",
    ]
