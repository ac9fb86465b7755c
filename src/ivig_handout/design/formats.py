"""Design stage, output formats: the registry. A request names its format (``pdf``: the printed
handout; ``html``: the document's page of the online copy); each format says what its bytes are (a
media type) and how its files end. How each is made is the api's (api._MAKERS); nothing else compares
format names."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NotFoundError


@dataclass(frozen=True)
class Format:
    """One output format."""

    name: str  # as a request names it
    media_type: str  # what its bytes are (HTTP Content-Type)
    suffix: str  # its files' ending
    noun: str  # how messages name it
    personal: bool  # may print a patient's name (the online copy is for everyone: never)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("pdf", "application/pdf", ".pdf", "printed handout", personal=True),
    Format("html", "text/html; charset=utf-8", ".html", "online copy's page", personal=False),
)}


def get_format(name: str) -> Format:
    """The format ``name``; NotFoundError naming the field and the choices."""
    try:
        return FORMATS[name.strip().lower()]
    except KeyError:
        raise NotFoundError(f"format: unknown '{name}' (choose from {', '.join(FORMATS)})") from None
