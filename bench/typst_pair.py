"""Benchmark pairing (a module the other benches import, and a script): the same handouts set by Typst.

Typst is a typesetter written in Rust (the `typst` package on PyPI, `pip install ".[bench]"`). For a fair
pair this module writes one Typst document per handout the batch makes, from the same plan blocks the
PDF is drawn from (`kind.plan(handout, doc_id)`: title, headings, paragraphs, lists, the evidence table,
the side-effect box, the notice, the source line and the disclaimer, in order), with a comparable page
setup taken from the layout (page size, margins, type sizes, line spacing, columns of a one-pager, the
footer "Page X of Y") and the bundled fonts (`font_paths`: Atkinson Hyperlegible). The documents are
those of `batch --all --layouts letter,a4,large-print,booklet,2up`: 13 documents x 5 layouts = 65; the
booklet and 2up ones are set on their half-letter pages, not imposed (Typst does no imposition), and no
print-run files are combined.

`compile_all(paths, out)` times one fresh Python process that imports `typst` and compiles every
document with one `typst.Compiler(font_paths=[the bundled fonts], ignore_system_fonts=True)` into `out`
(its start counted, as the batch's is).

Run alone (`python bench/typst_pair.py`): writes the sources, compiles them once, prints the page counts
and the median (min-max) of BENCH_RUNS runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LAYOUTS = ("letter", "a4", "large-print", "booklet", "2up")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def program_env(work: Path) -> dict[str, str]:
    """The environment every timed program runs in: as an installed program runs, with its bytecode compiled
    once (into ``work``/pycache by the first run; pip compiles an installed package's at install) rather
    than compiled from source at every start (PYTHONDONTWRITEBYTECODE, set on some machines)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache")}


def available() -> bool:
    """Whether the `typst` package is installed (`pip install ".[bench]"`)."""
    try:
        import typst  # noqa: F401
    except ImportError:
        return False
    return True


def font_dir() -> Path:
    import ivig_handout

    return Path(ivig_handout.__file__).parent / "fonts"


def sources(layouts: tuple[str, ...] = LAYOUTS) -> Iterator[tuple[str, str]]:
    """(file name stem, Typst source) of every handout of the batch: each layout, each document."""
    from ivig_handout import api

    handout = api.content()
    found = api.layouts()
    for name in layouts:
        layout = found[name]
        for doc in api.documents():
            kind, doc_id = api.resolve(handout, doc)
            plan = kind.plan(handout, doc_id)
            yield kind.file_name(doc_id, name).removesuffix(".pdf"), document(plan, layout, kind.section)


def write_sources(folder: Path, layouts: tuple[str, ...] = LAYOUTS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, text in sources(layouts):
        path = folder / f"{stem}.typ"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def lit(text: str) -> str:
    """``text`` as a Typst string literal (so no character of it is read as markup)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def document(plan: Any, layout: Any, section: str) -> str:
    """One handout as Typst source: the layout's page setup, then its blocks in reading order."""
    sizes = layout.kind(section)
    body = sizes.body or layout.body
    small = sizes.small or layout.small
    leading = sizes.leading or layout.leading
    top, right, bottom, left = layout.margins
    c = layout.colours
    head = [
        f"#set document(title: {lit(plan.title)}, author: {lit(plan.meta.get('author', ''))})",
        f"#set page(width: {layout.page[0]}pt, height: {layout.page[1]}pt, "
        f"margin: (top: {top}pt, right: {right}pt, bottom: {bottom}pt, left: {left}pt), "
        f"footer: context text(size: {small}pt, fill: rgb({lit(c.muted)}))["
        + (f"#{lit(plan.running_title)} #h(1fr) " if layout.footer_title else "#h(1fr) ")
        + "Page #counter(page).display() of #counter(page).final().first()])",
        f'#set text(font: "Atkinson Hyperlegible", size: {body}pt, fill: rgb({lit(c.ink)}), lang: "en")',
        (f"#set par(leading: {max(leading - 1, 0) + 0.25:.2f}em, spacing: {layout.paragraph_space + 2:.1f}pt,"
        " justify: false)"),
        f"#show heading: set text(fill: rgb({lit(c.heading)}))",
        f"#show heading.where(level: 1): set text(size: {layout.h2}pt)",
        f"#show heading.where(level: 2): set text(size: {layout.h3 + 1}pt)",
        f"#show heading.where(level: 3): set text(size: {layout.h3}pt)",
        "",
    ]
    ctx = {"plan": plan, "layout": layout, "sizes": sizes, "small": small}
    lines = head + [part for block in plan.blocks for part in _block(block, ctx)]
    return "\n".join(lines) + "\n"


def _badge(plan: Any, rating: str | None) -> str:
    if rating is None:
        return ""
    word = plan.ratings.get(rating, rating)
    return f" #box(stroke: 0.8pt, inset: 2pt, radius: 2pt)[#text(size: 0.8em)[#{lit(word)}]]"


def _block(block: Any, ctx: dict[str, Any]) -> list[str]:
    plan, layout, sizes, small = ctx["plan"], ctx["layout"], ctx["sizes"], ctx["small"]
    c = layout.colours
    name = type(block).__name__
    if name == "Title":
        return [f"#text(size: {layout.h1}pt, weight: \"bold\", fill: rgb({lit(c.heading)}))[#{lit(block.text)}]"
                + _badge(plan, block.badge), ""]
    if name == "Heading":
        return [f"#heading(level: {block.level})[#{lit(block.text)}{_badge(plan, block.badge)}]", ""]
    if name == "Para":
        size = f"#text(size: {small}pt)" if block.style == "small" else ""
        return [f"{size}[#{lit(block.text)}]" if size else f"#par[#{lit(block.text)}]", ""]
    if name == "Bullets":
        return [f"- #{lit(item)}" for item in block.items] + [""]
    if name == "Glance":
        rows = ", ".join(f"[#{lit(label)}], [#{lit(plan.ratings.get(r, r))}]" for label, r in block.rows)
        return [f"#heading(level: 1)[#{lit(block.heading)}]", f"#par[#{lit(block.intro)}]",
                f"#table(columns: (1fr, auto), stroke: 0.5pt + rgb({lit(c.rule)}), {rows})", ""]
    if name == "SideEffectBox":
        cols = sizes.list_columns
        items = ", ".join(f"[• #{lit(i)}]" for i in block.items)
        after = " ".join(f"#par[#{lit(p)}]" for p in block.after)
        return [(f"#block(fill: rgb({lit(c.box_fill)}), stroke: 1pt + rgb({lit(c.box_border)}), inset: 8pt, "
                f"width: 100%)[#text(weight: \"bold\", fill: rgb({lit(c.heading)}))[#{lit(block.heading)}] "
                f"#par[#{lit(block.intro)}] #grid(columns: {cols}, gutter: 4pt, {items}) {after}]"), ""]
    if name == "Notice":
        return [(f"#block(fill: rgb({lit(c.notice_fill)}), stroke: 1pt + rgb({lit(c.notice_border)}), inset: 6pt, "
                f"width: 100%)[#text(weight: \"bold\")[#{lit(block.heading)}] #{lit(block.text)}]"), ""]
    if name == "SourceLine":
        text = " ".join(block.lines)
        return [f"#text(size: {small}pt)[#text(weight: \"bold\")[#{lit(block.label)}] #{lit(text)}]", ""]
    if name == "Disclaimer":
        return [f"#text(size: {small}pt, fill: rgb({lit(c.muted)}))[#{lit(block.text)}]", ""]
    if name == "Columns":
        inner = [part for b in block.blocks for part in _block(b, ctx)]
        return [f"#columns({sizes.columns}, gutter: 14pt)[", *inner, "]", ""]
    raise ValueError(f"no Typst for block {name}")  # a new block type: give it its Typst here


# One compiler for the whole run: it reads the font folder once and Typst's own caches carry over between
# documents. (`typst.compile(path, font_paths=...)` per document also scans the system's fonts each time:
# about 3.5 s for the 65 on this machine, which would flatter the batch.)
TYPST_RUN = """
import sys, typst
from pathlib import Path
fonts, out = sys.argv[1], Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
compiler = typst.Compiler(root=str(Path(sys.argv[3]).parent), font_paths=[fonts], ignore_system_fonts=True)
for path in sys.argv[3:]:
    (out / (Path(path).stem + ".pdf")).write_bytes(compiler.compile(path))
"""


def compile_all(paths: list[Path], out: Path, env: dict[str, str] | None = None) -> float:
    """Seconds for one fresh Python process to import typst and compile every source into ``out``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", TYPST_RUN, str(font_dir()), str(out), *map(str, paths)], check=True,
                   env=env)
    return time.perf_counter() - start


def pages(out: Path) -> dict[str, int]:
    """Pages of each PDF Typst wrote (pikepdf, outside any timing)."""
    import pikepdf

    counts = {}
    for path in sorted(out.glob("*.pdf")):
        with pikepdf.open(path) as pdf:
            counts[path.stem] = len(pdf.pages)
    return counts


def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})"


def main() -> None:
    if not available():
        sys.exit('typst is not installed: pip install ".[bench]"')
    with tempfile.TemporaryDirectory(prefix="ivig-typst-") as tmp:
        env = program_env(Path(tmp))
        paths = write_sources(Path(tmp) / "src")
        compile_all(paths, Path(tmp) / "first", env)
        counts = pages(Path(tmp) / "first")
        times = [compile_all(paths, Path(tmp) / f"out{i}", env) for i in range(RUNS)]
    one = [n for stem, n in counts.items() if not stem.startswith("ivig-information-sheet")]
    print(f"Typst ({len(paths)} documents, {sum(counts.values())} pages; one-pagers {min(one)}-{max(one)} pages): "
          f"{spread(times)}")


if __name__ == "__main__":
    main()
