"""The installed package (not the checkout) finds its fonts and content from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..pdfcheck import fonts, page_sizes

CHECKOUT = Path(__file__).resolve().parents[2]


def test_installed_command_builds_from_any_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [sys.executable, "-c", "import ivig_handout; print(ivig_handout.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    if where.returncode != 0 or CHECKOUT / "src" in Path(where.stdout.strip()).resolve().parents:
        pytest.skip("ivig-handout is not installed as a package here (run `make test`)")
    exe = shutil.which("ivig-handout", path=str(Path(sys.executable).parent)) or "ivig-handout"
    result = subprocess.run([exe, "build", "-l", "a4"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "out" / "ivig-information-sheet-a4.pdf"
    data = pdf.read_bytes()
    assert set(page_sizes(data)) == {(595.28, 841.89)}
    assert all(f.embedded for f in fonts(data))
