"""Benchmark (a script, not a test): what tagging (PDF/UA-1) costs per document.

For each document, in the same run and alternating so the machine's state is shared: the untagged
rendering (the renderer with its marking switched off), the tagged rendering (marks recorded while
drawing), and the export step that writes the structure tree (export/tagging.py). Figures are the
best of several runs (the fairest figure on a shared machine, as in bench.py), in ms.
Run: `python bench/tagging.py` (BENCH_RUNS=N for more runs).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ivig_handout.api import content
from ivig_handout.design.layouts import get_layout
from ivig_handout.export.tagging import tag
from ivig_handout.inputs.patient import Patient
from ivig_handout.inputs.profile import load_clinic
from ivig_handout.plan.kinds import resolve
from ivig_handout.plan.profile import apply
from ivig_handout.render import story
from ivig_handout.render.fit import fit

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "clinic.yaml"
CASES = [("full", "letter", None), ("full", "large-print", None), ("gbs", "letter", None),
         ("gbs", "a4", EXAMPLE), ("cidp", "large-print", EXAMPLE), ("mmn", "letter", EXAMPLE)]


def main() -> None:
    handout = content()
    marking = story.tag_block
    print(f"tagging cost per document (best of {RUNS} runs, ms)")
    print(f"{'document':<34}{'untagged':>10}{'tagged':>10}{'marking':>10}{'tree':>8}{'total':>8}")
    totals = []
    for doc, layout_name, clinic in CASES:
        found, doc_id = resolve(handout, doc)
        profile = load_clinic(clinic) if clinic else None
        who = Patient("Ana Lima", "2026-12-01") if clinic else None
        plan = apply(found.plan(handout, doc_id), profile, who, handout.labels.clinic)
        layout = get_layout(layout_name)
        plain, marked, tree = [], [], []
        for _ in range(RUNS):
            story.tag_block = lambda *args: None  # type: ignore[assignment]  # the renderer without marks
            start = time.perf_counter()
            fit(plan, found, layout)
            plain.append(time.perf_counter() - start)
            story.tag_block = marking
            start = time.perf_counter()
            fitted = fit(plan, found, layout)
            marked.append(time.perf_counter() - start)
            assert fitted.tags is not None
            start = time.perf_counter()
            tag(fitted.data, fitted.tags)
            tree.append(time.perf_counter() - start)
        ms = [min(x) * 1000 for x in (plain, marked, tree)]
        cost = ms[1] - ms[0] + ms[2]
        totals.append(cost)
        name = f"{doc} {layout_name}{' + clinic' if clinic else ''}"
        print(f"{name:<34}{ms[0]:>10.1f}{ms[1]:>10.1f}{ms[1] - ms[0]:>10.1f}{ms[2]:>8.1f}{cost:>8.1f}")
    print(f"tagging adds {min(totals):.1f}-{max(totals):.1f} ms per document "
          f"(marking while drawing + writing the tree)")


if __name__ == "__main__":
    main()
