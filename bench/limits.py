"""Benchmark (a script, not a test): the content limits (issue 19, defect 9: these figures were wall-clock
asserts in tests/inputs/, which failed on a busy machine; the tests now check behaviour only).

Each case runs in this process, beside a plain build of the default content (the full sheet, letter) in
the same round, so a noisy machine shows in both columns:
  full at limits      the full sheet of each pack at the limits (40 disorders; every one-pager near
                      MAX_ONE_PAGER, or the whole sheet near MAX_SHEET), letter, large-print, 2up-a4
  one-pager at limits disorder-0's one-pager of each pack, letter and large-print (built or refused as
                      too long: both count)
  check, no fitting   ``run_checks(pack, fit=False)`` on each pack
  deep YAML           ``loads`` of each deep-nesting text of tests/inputs/test_yaml_depth.py
  2 MB of brackets    ``build --content`` with a sheet.yaml of 2 MB of '[' (refused at column 65)
  1 TB sparse sheet   ``build --content`` with a sparse 1 TB sheet.yaml (refused from its size)
  format string       ``build --content`` with each attack of tests/inputs/test_templates.py in the notice

Each figure is the median of BENCH_RUNS (default 3) rounds, with the slowest. Run: ``python bench/limits.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import edit  # noqa: E402
from tests.inputs.common import pack_at_limits, run_cli  # noqa: E402
from tests.inputs.test_templates import ATTACKS  # noqa: E402
from tests.inputs.test_yaml_depth import DEEP  # noqa: E402

from ivig_handout.api import Request, build  # noqa: E402
from ivig_handout.apps.check import run_checks  # noqa: E402
from ivig_handout.errors import ContentError, FitError  # noqa: E402
from ivig_handout.inputs.yamlio import MAX_BYTES, loads  # noqa: E402
from ivig_handout.resources import default_content_dir  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def plain() -> None:
    build(Request("full", "letter"))


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def full(pack: Path, layout: str) -> None:
    assert build(Request("full", layout, content=pack)).pages > 1


def one_pager(pack: Path, layout: str) -> None:
    with contextlib.suppress(FitError):  # refused as too long: the time to say so is the figure
        build(Request("disorder-0", layout, content=pack, kind="one-pager"))


def deep(text: str) -> None:
    try:
        loads(text, "deep.yaml")
    except ContentError:
        return
    raise AssertionError("deep nesting was not refused")


def refused(pack: Path) -> Callable[[], None]:
    def run() -> None:
        code, _, err = run_cli("build", "--content", str(pack), "-o", str(pack.parent / "o.pdf"), within=600)
        assert code == 1 and err.startswith("error: "), err
    return run


def copy(folder: Path, name: str) -> Path:
    return Path(shutil.copytree(default_content_dir(), folder / name))


def cases(folder: Path) -> list[tuple[str, Callable[[], object]]]:
    found: list[tuple[str, Callable[[], object]]] = []
    for label in ("one-pagers", "whole-sheet"):
        pack = pack_at_limits(copy(folder, label), label == "one-pagers")
        found += [(f"full at limits ({label}), {layout}", lambda p=pack, lay=layout: full(p, lay))
                  for layout in ("letter", "large-print", "2up-a4")]
        found += [(f"one-pager at limits ({label}), {layout}", lambda p=pack, lay=layout: one_pager(p, lay))
                  for layout in ("letter", "large-print")]
        found.append((f"check, no fitting ({label})", lambda p=pack: run_checks(p, fit=False)))
    found += [(f"deep YAML, {style}", lambda t=text: deep(t)) for style, (text, _) in DEEP.items()]
    brackets = copy(folder, "brackets")
    (brackets / "sheet.yaml").write_text("[" * (MAX_BYTES - 1))
    found.append(("2 MB of brackets", refused(brackets)))
    sparse = copy(folder, "sparse")
    with open(sparse / "sheet.yaml", "r+b") as fh:
        fh.truncate(1 << 40)
    found.append(("1 TB sparse sheet.yaml", refused(sparse)))
    for n, attack in enumerate(ATTACKS):
        pack = copy(folder, f"attack-{n}")
        edit(pack, "labels.yaml", "guideline from {year}.", f"guideline from {{year}}. {attack}")
        found.append((f"format string {attack}", refused(pack)))
    return found


def main() -> None:
    plain()  # imports and fonts, outside the figures
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, work in cases(Path(tmp)):
            print(f"{name} ...", file=sys.stderr, flush=True)
            ours, base = [], []
            for _ in range(RUNS):
                ours.append(timed(work))
                base.append(timed(plain))
            rows.append((name, ours, base))
    width = max(len(name) for name, _, _ in rows)
    print(f"{'case':<{width}}  {'median s':>8}  {'max s':>6}  {'plain s':>7}  {'ratio':>5}")
    for name, ours, base in rows:
        mine, theirs = statistics.median(ours), statistics.median(base)
        print(f"{name:<{width}}  {mine:8.3f}  {max(ours):6.3f}  {theirs:7.3f}  {mine / theirs:5.2f}")
    print(f"({RUNS} rounds; plain = the default content's full sheet, letter, built in the same round)")


if __name__ == "__main__":
    main()
