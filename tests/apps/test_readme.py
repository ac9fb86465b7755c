"""The README documents every command, and its quick start is the two make targets."""

from __future__ import annotations

import re
from pathlib import Path

from ivig_handout.apps.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


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
