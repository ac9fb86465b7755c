"""Resources: find the bundled content pack, fonts and layouts inside the installed package."""

from __future__ import annotations

from pathlib import Path


def package_dir() -> Path:
    """The folder of the installed ``ivig_handout`` package (works from a wheel or a checkout): this
    file's folder, or where importlib.resources finds the package when that is not a folder on disk."""
    here = Path(__file__).parent
    if here.is_dir():
        return here
    from importlib import resources  # about 5 ms of imports: only where it is needed

    return Path(str(resources.files("ivig_handout")))


def default_content_dir() -> Path:
    return package_dir() / "content"


def fonts_dir() -> Path:
    return package_dir() / "fonts"


def layouts_file() -> Path:
    return package_dir() / "design" / "layouts.yaml"


PACK_FILE = "pack.yaml"  # what marks a folder as a content pack (inputs.content reads it)


def shipped_packs() -> dict[str, Path]:
    """The translated packs shipped with the tool (``--content es``), by name: content/NAME/."""
    root = default_content_dir()
    return {p.name: p for p in sorted(root.iterdir()) if p.is_dir() and (p / PACK_FILE).is_file()}


def resolve_pack(content_dir: Path | str | None) -> Path | None:
    """``--content``'s value as a folder: a bare name of a shipped pack (``es``) is that pack;
    anything else is a path (``./es`` as typed: a folder called es). Imports nothing heavy."""
    if content_dir is None:
        return None
    text = str(content_dir)
    if isinstance(content_dir, str) and text.startswith("./"):
        return Path(content_dir)
    if "/" not in text and "\\" not in text and text not in (".", ".."):
        found = shipped_packs().get(text)
        if found is not None:
            return found
    return Path(content_dir)

