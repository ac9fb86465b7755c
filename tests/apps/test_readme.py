"""The README documents every command, its quick start is the two make targets, it stays short, and the
guides it links to (docs/*.md, bench/README.md) hold only examples that name real commands and options,
and links that lead somewhere."""

from __future__ import annotations

import re
import shlex
import unicodedata
from pathlib import Path

import click
import pytest

from ivig_handout.apps.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
DOCUMENTS = [README, *GUIDES, ROOT / "bench" / "README.md"]
MAX_README_LINES = 220

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
INLINE = re.compile(r"`(ivig-handout [^`]+)`")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_command_in_readme() -> None:
    text = README.read_text(encoding="utf-8")
    table = {m for m in re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M)}
    assert set(main.commands) <= table, sorted(set(main.commands) - table)


def test_quick_start_is_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make handouts", "make test"]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_readme_stays_short() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; move detail to docs/ (at most {MAX_README_LINES})"


def _examples(path: Path) -> list[str]:
    """Every line of a fenced block that runs the tool, and every inline one (`ivig-handout list`), as
    written."""
    text = path.read_text(encoding="utf-8")
    lines = [line.strip() for block in FENCE.findall(text) for line in block.splitlines()]
    inline = INLINE.findall(FENCE.sub("", text))
    return [line for line in lines if line.startswith("ivig-handout ")] + inline


def _command(words: list[str]) -> tuple[click.Command, list[str]]:
    """The (sub)command an example runs, and the words after it (a placeholder such as COMMAND stops
    at the group)."""
    command: click.Command = main
    while isinstance(command, click.Group) and words and not words[0].startswith("-") and not words[0].isupper():
        found = command.commands.get(words[0])
        assert found is not None, f"no command {words[0]!r} in {command.name!r}"
        command, words = found, words[1:]
    return command, words


def _options(command: click.Command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names.update(param.opts)
        names.update(param.secondary_opts)
    return names


def _check_example(line: str) -> None:
    command, words = _command(shlex.split(line, comments=True)[1:])
    words = [word.strip("[]") for word in words]  # [--doc DOC]: an optional part of a synopsis
    given = {word.split("=", 1)[0] for word in words if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", word)}
    unknown = sorted(given - _options(command))
    assert not unknown, f"{line}: {command.name} has no option {', '.join(unknown)}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=_name)
def test_examples_run_real_commands_and_options(path: Path) -> None:
    """Each ``ivig-handout ...`` example (a line in a fenced block, or inline code) names a command the
    tool has (``record list`` too), with options that command takes."""
    for line in _examples(path):
        _check_example(line)


def test_the_example_checker_catches_a_wrong_option_and_command() -> None:
    _check_example("ivig-handout record export --format csv -o record.csv  # a comment --not-an-option")
    _check_example("ivig-handout COMMAND --help")
    _check_example("ivig-handout batch --roster FILE [--doc DOC] [--layout L]")
    with pytest.raises(AssertionError, match="has no option --layouts"):
        _check_example("ivig-handout one-pager mg --layouts a4")
    with pytest.raises(AssertionError, match="no command 'lists'"):
        _check_example("ivig-handout record lists")


def test_the_guides_hold_examples() -> None:
    """The moved sections keep their examples (so the check above means something)."""
    counts = {_name(path): len(_examples(path)) for path in DOCUMENTS}
    for guide in ("docs/web-page.md", "docs/printing.md", "docs/record.md", "docs/online-copy.md"):
        assert counts[guide] >= 1, counts


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, code marks and punctuation dropped, spaces to dashes."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def _links(path: Path) -> list[str]:
    """The relative links and images of a Markdown file, outside fenced blocks."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def _broken(path: Path, target: str) -> str:
    """Why ``target`` (a link in ``path``) leads nowhere, or "" when it leads to a file (and heading)."""
    file_part, _, anchor = target.partition("#")
    dest = (path.parent / file_part).resolve() if file_part else path
    if not dest.is_file():
        return f"{_name(path)}: {target}: no such file"
    if anchor and dest.suffix == ".md":
        anchors = {_slug(h) for h in HEADING.findall(FENCE.sub("", dest.read_text(encoding="utf-8")))}
        if anchor not in anchors:
            return f"{_name(path)}: {target}: no heading #{anchor} in {_name(dest)}"
    return ""


def test_every_relative_link_resolves() -> None:
    broken = [why for path in DOCUMENTS for target in _links(path) if (why := _broken(path, target))]
    assert not broken, "\n".join(broken)
    assert len(_links(README)) >= 15  # the README is mostly links now


def test_the_link_checker_catches_a_missing_file_and_heading() -> None:
    assert _broken(README, "docs/batch.md") == ""
    assert _broken(README, "docs/no-such.md").endswith("no such file")
    assert _broken(README, "#quick-start-a-fresh-machine-with-python-311") == ""
    assert "no heading #quick-start" in _broken(README, "#quick-start")
    assert _slug("Accessibility: tagged PDF (PDF/UA-1)") == "accessibility-tagged-pdf-pdfua-1"
