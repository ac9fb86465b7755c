"""Apps stage, web: one server's settings (WebConfig) and the size limits of what it reads, apart from
the app (app.py) so the routes (views.py) read them without importing the app that wires them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ContentError
from .security import IDLE, Passphrase, is_local

MAX_UPLOAD = 2 * 1024 * 1024  # bytes in a roster file: a roster of a few hundred rows is far less
MAX_REQUEST = MAX_UPLOAD + 64 * 1024  # bytes in one request: the roster file and the form's other fields
# What the server (waitress) reads of a bigger request before it answers (the app answers with its own
# message; the body goes to waitress's anonymous temporary file and is dropped). Beyond this it answers
# with a bare 413 and closes the connection.
MAX_BODY = 32 * 1024 * 1024


@dataclass(frozen=True)
class WebConfig:
    """One server's settings: where it listens, the clinic profiles offered (by name; one or none:
    no choice), the content pack, the passphrase (required unless it listens on this computer only),
    extra names it may be reached under, the printers, the education record, and the seconds without
    a request after which a signed-in session is signed out."""

    host: str = "127.0.0.1"
    port: int = 8080
    clinics: dict[str, Path] = field(default_factory=dict)
    content: Path | None = None
    passphrase: Passphrase | None = None
    extra_hosts: tuple[str, ...] = ()
    printer: str | None = None  # the first of ``printers`` (a CUPS queue), or None: no printing
    record_db: Path | str | None = None  # the education record: a file or a postgresql:// URL (None: the default)
    idle_timeout: float = IDLE
    printers: tuple[str, ...] = ()  # CUPS queues, a Print button each (``printer`` is made the first)
    allow_draft: bool = False  # a draft translation may be chosen for the back of a handout (--allow-draft)

    def __post_init__(self) -> None:
        if not is_local(self.host) and self.passphrase is None:
            raise ContentError([(f"--host {self.host}: the page would be open to the network; give "
                                "--passphrase-file FILE (or listen on 127.0.0.1 only)")])
        queues = tuple(dict.fromkeys([*([self.printer] if self.printer is not None else []), *self.printers]))
        object.__setattr__(self, "printers", queues)
        object.__setattr__(self, "printer", queues[0] if queues else None)
