"""Apps stage, web: the page's printers (``serve --printer``, once per printer) and what each was last
seen doing, in words for the front desk. A printer that is stopped, missing or refusing jobs is a
warning on the page, never a reason for the page not to start: downloads work without it. Its state
is looked at when the server starts, when the page is opened (at most every REFRESH seconds), and
again whenever a print fails, so a printer that comes back is used without restarting the server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ...errors import IvigError
from ...export.sinks.printer import Queue, printers

REFRESH = 15.0  # seconds a printer's state is trusted before the page asks CUPS again
ASK = "Ask whoever looks after the printers"
STILL = "Downloads still work."


@dataclass(frozen=True)
class PrinterState:
    """A printer of the page: its queue name, and what is wrong with it in words for staff ("" when
    it takes jobs) with a few words for its button ("stopped")."""

    name: str
    problem: str = ""
    short: str = ""


def state_of(name: str, queues: dict[str, Queue] | None) -> PrinterState:
    """What ``name`` is doing, from CUPS's ``queues`` (None: CUPS cannot be reached)."""
    queue = queues.get(name) if queues is not None else None
    if queues is None:
        return PrinterState(name, f"The printing service of this computer is not running, so the printer "
                                  f"'{name}' cannot print. {ASK} to start it. {STILL}", "not available")
    if queue is None:
        return PrinterState(name, f"There is no printer called '{name}' on this computer. {ASK} to set it up. "
                                  f"{STILL}", "not found")
    if queue.state == "stopped":
        why = f"it says “{queue.message}”" if queue.message and queue.message != "Paused" else "paper jam?"
        return PrinterState(name, f"The printer '{name}' is stopped ({why}). Check its paper, then {ASK.lower()} "
                                  f"to start it again. {STILL}", "stopped")
    if not queue.accepting:
        return PrinterState(name, f"The printer '{name}' is not taking jobs. {ASK} to let it take jobs again. "
                                  f"{STILL}", "not taking jobs")
    return PrinterState(name)


class Printers:
    """The page's printers, in the order given (the first is the default), with their last seen state;
    ``clock`` (seconds) says when a state is stale."""

    def __init__(self, names: tuple[str, ...], clock: Callable[[], float] = time.monotonic) -> None:
        self.names, self.clock = names, clock
        self._seen: dict[str, PrinterState] = {n: PrinterState(n) for n in names}
        self._when: float | None = None
        self._lock = threading.Lock()
        self.refresh()

    def states(self, refresh: bool = True) -> list[PrinterState]:
        """Each printer's state (asked again when stale, if ``refresh``)."""
        if refresh and self.names and (self._when is None or self.clock() - self._when >= REFRESH):
            self.refresh()
        with self._lock:
            return [self._seen[n] for n in self.names]

    def refresh(self) -> None:
        """Ask CUPS what each printer is doing now."""
        if not self.names:
            return
        try:
            queues: dict[str, Queue] | None = {q.name: q for q in printers()}
        except IvigError:  # CUPS is not installed or not running
            queues = None
        with self._lock:
            self._seen = {n: state_of(n, queues) for n in self.names}
            self._when = self.clock()

    def printed(self, name: str) -> None:
        """``name`` took a job: it works."""
        with self._lock:
            self._seen[name] = PrinterState(name)

    def failed(self, name: str) -> list[str]:
        """A print on ``name`` failed: what to tell the person at the desk (the printer's state, asked
        now; when the printer itself looks fine, that it did not take the job: the printing service's own
        words are for the command line)."""
        self.refresh()
        with self._lock:
            seen = self._seen.get(name)
        if seen is not None and seen.problem:
            return [seen.problem]
        return [f"The printer '{name}' did not take the job. Try again; if it fails again, {ASK.lower()}. {STILL}"]
