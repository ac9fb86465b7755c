"""Command line: a thin Click layer over the library; errors become one line and exit 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_OUT = Path("out")


def friendly(func: F) -> F:
    """Turn library errors into one clear line on stderr and exit code 1 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .errors import IvigError

        try:
            return func(*args, **kwargs)
        except IvigError as exc:
            for line in str(exc).splitlines() or ["error"]:
                click.echo(f"error: {line}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


content_option = click.option(
    "--content", "content_dir", type=click.Path(path_type=Path), default=None,
    help="Content pack folder (default: the bundled AAN sheet).",
)
layout_option = click.option("--layout", "-l", default="letter", show_default=True,
                             help="Print layout; see `ivig-handout layouts`.")
mono_option = click.option("--mono", is_flag=True, help="Print in greyscale.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ivig-handout")
def main() -> None:
    """Print patient handouts of the AAN sheet "IV Immunoglobulin for Treating Neuromuscular
    Disorders": the full sheet, one page per disorder, in several print layouts."""


@main.command()
@layout_option
@mono_option
@content_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="PDF file to write (default: out/ivig-information-sheet-LAYOUT.pdf).")
@friendly
def build(layout: str, mono: bool, content_dir: Path | None, output: Path | None) -> None:
    """Write the full information sheet."""
    from .documents import FULL, build as build_doc, default_name
    from .output import check_target, write_atomic

    if output:
        check_target(output)
    data, chosen = build_doc(FULL, layout, mono, content_dir)
    target = output or DEFAULT_OUT / default_name(FULL, chosen)
    write_atomic(target, data)
    click.echo(f"wrote {target} ({_pages(data)} pages, {chosen.name})")


@main.command()
def layouts() -> None:
    """List the print layouts."""
    from .layouts import all_layouts

    for name, layout in all_layouts().items():
        click.echo(f"{name:<14} {layout.description}")


def _pages(data: bytes) -> int:
    from .pdfinfo import page_count

    return page_count(data)


if __name__ == "__main__":  # pragma: no cover
    main()
