"""Batch stage, roster job files: the fields of a job file with ``roster:`` (docs/rosters.md). Its own
module so that ``batch --roster FILE`` builds no pydantic model it does not use."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..api import MAX_COPIES
from .roster import DEFAULT_LAYOUT


class RosterJobFile(BaseModel):
    """A job file with ``roster:``; see docs/rosters.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    roster: str = Field(min_length=1)
    documents: tuple[str, ...] = Field(default=(), max_length=1)  # the default document, if any
    layouts: tuple[str, ...] = Field(default=(DEFAULT_LAYOUT,), min_length=1)
    copies: int = Field(default=1, ge=1, le=MAX_COPIES)
    output: str = Field(min_length=1)
    content: str | None = None
    mono: bool = False
    clinic: str | None = None
    files: bool = False
    printer: str | None = Field(default=None, min_length=1)  # a CUPS queue for the print runs (apps/printing)

    @field_validator("documents", "layouts", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value
