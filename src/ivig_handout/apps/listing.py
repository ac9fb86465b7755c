"""Apps stage, list: the disorders a content pack names, as rows for `ivig-handout list` (text or JSON)."""

from __future__ import annotations

from typing import Any

from ..api import Handout


def disorder_rows(handout: Handout) -> list[dict[str, Any]]:
    """One row per disorder, in source order: id, name, abbreviation, rating and its word, aliases."""
    return [
        {
            "id": d.id,
            "name": d.name,
            "abbreviation": d.abbreviation,
            "rating": d.rating,
            "rating_word": handout.labels.rating(d.rating),
            "aliases": list(d.aliases),
            "group": group.id if group else None,
        }
        for d, group in handout.disorders()
    ]


def as_text(rows: list[dict[str, Any]]) -> list[str]:
    """Aligned lines: id, abbreviation, rating word, name, then any aliases."""
    keys = ("id", "abbreviation", "rating_word")
    widths = [max(len(str(r[key] or "")) for r in rows) for key in keys]
    lines = []
    for r in rows:
        cells = [str(r[key] or "-").ljust(w) for key, w in zip(keys, widths, strict=True)]
        also = f"  (also: {', '.join(r['aliases'])})" if r["aliases"] else ""
        lines.append("  ".join([*cells, r["name"]]) + also)
    return lines
