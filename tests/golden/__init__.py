"""The golden record of the default batch: the sha256 of every file it makes, in colour and in --mono.

    make golden                       # refresh tests/golden/default-batch.json on purpose (review the diff)
    python -m tests.golden check      # compare the current code with the record

The PDFs depend on the rendering libraries as well as on this code, so the record names the versions
of ReportLab, pikepdf and its libqpdf it was made with; tests/test_golden.py compares only when they
are the ones installed (and says so when they are not).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

RECORD = Path(__file__).resolve().parent / "default-batch.json"
LAYOUTS = "letter,a4,large-print,booklet,2up"  # the README's `make handouts` (docs/batch.md)


def versions() -> dict[str, str]:
    import pikepdf

    return {"reportlab": version("reportlab"), "pikepdf": version("pikepdf"), "libqpdf": pikepdf.__libqpdf_version__}


def batch_shas() -> dict[str, str]:
    """``colour/FILE`` and ``mono/FILE`` -> sha256 of every PDF the default batch writes (manifest excluded)."""
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for extra in ([], ["--mono"]):
            out = Path(tmp) / ("mono" if extra else "colour")
            subprocess.run([sys.executable, "-m", "ivig_handout", "batch", "--all", "--layouts", LAYOUTS,
                            "--out-dir", str(out), *extra], check=True, stdout=subprocess.DEVNULL)
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            found |= {f"{out.name}/{e['file']}": e["sha256"] for e in manifest["files"]}
    return found


def read() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RECORD.read_text(encoding="utf-8"))
    return data


def main(argv: list[str]) -> int:
    if argv[1:] == ["record"]:
        shas = batch_shas()
        RECORD.write_text(json.dumps({"versions": versions(), "files": shas}, indent=1, sort_keys=True) + "\n",
                          encoding="utf-8")
        print(f"recorded {len(shas)} files in {RECORD}")
        return 0
    if argv[1:] == ["check"]:
        before, now = read()["files"], batch_shas()
        differ = sorted(f for f in before.keys() | now.keys() if before.get(f) != now.get(f))
        for name in differ:
            print(f"differs: {name}")
        print(f"{len(now) - len(differ)} of {len(before.keys() | now.keys())} files byte-identical")
        return 1 if differ else 0
    print(__doc__, file=sys.stderr)
    return 2

