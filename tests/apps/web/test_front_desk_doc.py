"""The front-desk guide (docs/front-desk.md) and its example systemd unit: the unit starts `serve` with
options `serve` has (a passphrase file, a printer given twice, the record), as a user of its own."""

from __future__ import annotations

import re
import shlex

from click.testing import CliRunner

from ivig_handout.apps.cli import main
from ivig_handout.apps.serving import serve

from .conftest import CHECKOUT

DOCS = CHECKOUT / "docs"


def exec_start() -> list[str]:
    """The unit's ExecStart command, its continued lines joined."""
    text = (DOCS / "ivig-handout.service").read_text(encoding="utf-8")
    return shlex.split(re.sub(r"\\\n\s*", " ", text.split("\nExecStart=", 1)[1]).split("\n", 1)[0])


def test_the_unit_starts_serve_with_options_serve_has() -> None:
    unit = (DOCS / "ivig-handout.service").read_text(encoding="utf-8")
    assert "\nUser=ivig-handout\n" in unit and "PreserveJobFiles No" in unit
    command = exec_start()
    assert command[0].endswith("/ivig-handout") and command[1] == "serve"
    known = {opt for param in serve.params for opt in param.opts}
    given = [arg for arg in command[2:] if arg.startswith("--")]
    assert set(given) <= known and given.count("--printer") == 2 and "--passphrase-file" in given
    assert CliRunner().invoke(main, ["serve", "--help"]).exit_code == 0


def test_the_guide_covers_the_desk() -> None:
    guide = (DOCS / "front-desk.md").read_text(encoding="utf-8")
    for heading in ("## Open the page", "## Make a handout for a patient", "## The record", "## A day's roster",
                    "## When the printer stops", "start the page at boot"):
        assert heading in guide
    assert "(ivig-handout.service)" in guide and "PreserveJobFiles No" in guide
