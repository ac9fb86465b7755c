"""Apps stage, web: the handout field's search. What staff type (a name, an abbreviation, a symptom, a
lay name) is ranked by the library's resolver (inputs/search.py); the page lists the matches, and when
there are none it says so out loud and suggests the nearest spelling. Without JavaScript the same answer
is a part of the page ("Find"); with it, page.js asks for it as JSON while the person types."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ...api import Tier, rank
from .forms import Choice, HandoutForm, handout_documents

MAX_QUERY = 200  # characters of a query looked at (a name is at most 200, a search word 60)


@dataclass(frozen=True)
class Found:
    """The answer to one query: the handouts it matches (best first), or the nearest spelling."""

    query: str
    results: tuple[Choice, ...] = ()
    suggestion: Choice | None = None

    @property
    def message(self) -> str:
        """What the live region says."""
        shown = self.query.strip()
        if not shown:
            return "Type part of a name, an abbreviation or a symptom first."
        if self.results:
            count = len(self.results)
            return f"{count} handout{'s' if count != 1 else ''} match “{shown}”."
        return f"No handout matches “{shown}”."

    def as_json(self) -> dict[str, Any]:
        def choice(c: Choice | None) -> dict[str, str] | None:
            return None if c is None else {"id": c.id, "label": c.label}

        return {"query": self.query, "message": self.message, "results": [choice(c) for c in self.results],
                "suggestion": choice(self.suggestion)}


def search(folder: Path | None, query: str) -> Found:
    """The handouts ``query`` matches (by id, name, search word or the start of a word), or, when none
    does, the nearest spelling as a suggestion."""
    query = query[:MAX_QUERY]
    if not query.strip():
        return Found(query)
    matches = rank(handout_documents(folder), query)
    results = tuple(Choice(m.document.id, m.document.label) for m in matches if m.tier < Tier.NEAR)
    if results:
        return Found(query, results)
    near = next((Choice(m.document.id, m.document.label) for m in matches), None)
    return Found(query, suggestion=near)


def chosen(form: HandoutForm, label: str) -> HandoutForm:
    """The form with the handout chosen from the answer (without JavaScript: a button of the answer)."""
    return replace(form, handout=label[:MAX_QUERY])
