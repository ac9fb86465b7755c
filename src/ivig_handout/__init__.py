"""ivig-handout: printable patient handouts of the AAN IVIg information sheet.

The library API, for every front end::

    from ivig_handout import Patient, Request, build

    result = build(Request("mg", layout="a4", patient=Patient("Ana Souza", "2026-12-01")))
    Path("mg.pdf").write_bytes(result.data)     # result.pages, result.notes, result.layout ...

Importing the package is cheap: the API (and ReportLab behind it) loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ContentError, FitError, IvigError, NotFoundError, OutputError, UncoveredCharacterError
from .version import __version__

if TYPE_CHECKING:
    from .api import Request, Result, build, build_all, documents
    from .inputs.patient import Patient

__all__ = [
    "ContentError",
    "FitError",
    "IvigError",
    "NotFoundError",
    "OutputError",
    "Patient",
    "Request",
    "Result",
    "UncoveredCharacterError",
    "__version__",
    "build",
    "build_all",
    "documents",
]

_LAZY = {"Request": "api", "Result": "api", "build": "api", "build_all": "api", "documents": "api",
         "Patient": "inputs.patient"}


def __getattr__(name: str) -> Any:
    """The API's names, imported when first asked for (so ``--help`` stays fast)."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
