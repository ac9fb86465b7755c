"""One error hierarchy: every IvigError subclass the package defines ends, through the command line, as
one `error:` line and exit code 1, with no traceback. Each class has a real way to happen here."""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import ivig_handout
from ivig_handout.apps.cli import main
from ivig_handout.errors import IvigError

from ..conftest import edit


def every_subclass() -> set[type[IvigError]]:
    """IvigError and every subclass of it in any module of the package (all modules imported first)."""
    for info in pkgutil.walk_packages(ivig_handout.__path__, "ivig_handout."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: set[type[IvigError]] = set()
    todo = [IvigError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo += cls.__subclasses__()
    return found


def broken_yaml(pack: Path, tmp: Path) -> list[str]:
    (pack / "labels.yaml").write_text("ratings: [\n", encoding="utf-8")
    return ["build", "--content", str(pack), "-o", str(tmp / "x.pdf")]


def unknown_disorder(pack: Path, tmp: Path) -> list[str]:
    return ["one-pager", "gbz", "-o", str(tmp / "x.pdf")]


def too_long_to_fit(pack: Path, tmp: Path) -> list[str]:
    last = "The person may need a breathing machine."
    edit(pack, "sheet.yaml", last, last + " The person may need a breathing machine." * 90)
    return ["one-pager", "mg", "--content", str(pack), "-o", str(tmp / "x.pdf")]


def output_is_a_folder(pack: Path, tmp: Path) -> list[str]:
    return ["build", "-o", str(tmp)]


def uncovered_character(pack: Path, tmp: Path) -> list[str]:
    edit(pack, "sheet.yaml", "name: Polymyositis", "name: Polymyositis 中")
    return ["one-pager", "polymyositis", "--content", str(pack), "-o", str(tmp / "x.pdf")]


def content_file_is_a_fifo(pack: Path, tmp: Path) -> list[str]:
    (pack / "corrections.yaml").unlink()
    os.mkfifo(pack / "corrections.yaml")
    return ["build", "--content", str(pack), "-o", str(tmp / "x.pdf")]


def roster_with_a_bad_row(pack: Path, tmp: Path) -> list[str]:
    roster = pack / "roster.csv"  # beside the pack: the output folder must stay empty
    roster.write_text("name,disorder\nAnn Lee,gbs\nBo Chan,zzz\n", encoding="utf-8")
    return ["batch", "--roster", str(roster), "--out-dir", str(tmp)]


# class name -> how it happens (the subclasses of ContentError from inputs/ included)
SCENARIOS: dict[str, Callable[[Path, Path], list[str]]] = {
    "IvigError": broken_yaml,  # the base class: every case below is one
    "ContentError": broken_yaml,
    "NotFoundError": unknown_disorder,
    "FitError": too_long_to_fit,
    "TooLongError": too_long_to_fit,  # the fit error that names its document and layout (the page words it)
    "OutputError": output_is_a_folder,
    "UncoveredCharacterError": uncovered_character,
    "FileRefusedError": content_file_is_a_fifo,
    "ProblemsError": roster_with_a_bad_row,  # a roster's problems as values; the command line refuses the file
}


# Raised only by the web page's form, which shows it on the page (tests/apps/web/test_desk_form.py)
WEB_ONLY = {"FormError"}


def test_every_error_class_has_a_scenario() -> None:
    assert {cls.__name__ for cls in every_subclass()} == set(SCENARIOS) | WEB_ONLY


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_error_class_ends_as_one_error_line(pack: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(main, SCENARIOS[name](pack, out))
    assert result.exit_code == 1, (result.stderr, result.exception)
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith(("error: ", "note: ")) for line in lines), result.stderr
    assert sum(line.startswith("error: ") for line in lines) == 1 or name in ("IvigError", "ContentError")
    assert "Traceback" not in result.stderr and result.stdout == "" and list(out.iterdir()) == []


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    """`ivig-handout check | head -1`: the closed pipe ends the command quietly (no bug report, no traceback)."""
    import subprocess
    import sys

    src = Path(ivig_handout.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "ivig_handout", "check", "--skip-fit"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader leaves before the first line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "error" not in err and "Traceback" not in err and "Exception ignored" not in err, err
