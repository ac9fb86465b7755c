"""Export stage, sinks: where a finished PDF goes. Every sink takes an Artifact and says where it went;
a file (atomic; devices, FIFOs and ``-`` written through) is one, a printer queue and the education
record will be peers. A sink that can deliver a set all-or-nothing (FileSink.send_all) says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Artifact:
    """A finished PDF and what a sink may need to know about it (never the patient's name)."""

    data: bytes
    document: str  # "full" or a disorder id
    kind: str  # the document kind's name
    layout: str  # the layout's name (with -mono)
    pages: int
    file_name: str  # the default file name (names the document and layout, never the patient)
    personal: bool = False  # prints a patient's name: kept private wherever it goes


class Sink(Protocol):
    """Something that takes finished PDFs."""

    def check(self) -> None:
        """Refuse, before any work, a destination that cannot take the PDF (OutputError)."""

    def send(self, artifact: Artifact) -> str:
        """Deliver ``artifact``; return where it went, for the user (a path, a job id)."""
