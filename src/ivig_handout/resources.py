"""Resources: find the bundled content pack, fonts and layouts inside the installed package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_dir() -> Path:
    """The folder of the installed ``ivig_handout`` package (works from a wheel or a checkout)."""
    return Path(str(resources.files("ivig_handout")))


def default_content_dir() -> Path:
    return package_dir() / "content"


def fonts_dir() -> Path:
    return package_dir() / "fonts"


def layouts_file() -> Path:
    return package_dir() / "design" / "layouts.yaml"
