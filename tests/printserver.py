"""A real, private print server for the printing tests (no mocks): a session D-Bus (ippeveprinter
needs one to start), two simulated IPP Everywhere printers (``ippeveprinter``: ``clinic`` prints on
both sides, ``simplex`` on one), and a private ``cupsd`` on a free 127.0.0.1 port with a queue for
each (``lpadmin -m everywhere``) and a third, ``locked``, that takes no one's jobs (lp refuses them).
Every client in the test session is pointed at it with ``CUPS_SERVER``; the machine's own CUPS is
never touched.

Each printer runs a hook (``ippeveprinter -c``) for every job it receives that saves the job's IPP
attributes (``IPP_*``, as ippeveprinter hands them over) and the document exactly as CUPS sent it,
so a test reads what the printer got. The ``clinic`` queue is set up with unhelpful defaults (Legal
paper, two-sided, fit to page, reverse order), so a job arrives right only if it says so itself.

Folders are mode 0755 under the system's temporary folder (CUPS's filters run as user lp; pytest's
tmp_path is 0700). Without the packages (cups-daemon, cups-client, cups-ipp-utils, cups-filters,
dbus) the tests are skipped with the reason, unless IVIG_REQUIRE_PRINTSERVER=1 (CI) makes that a
failure.
"""

from __future__ import annotations

import contextlib
import html
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .needs import required

PACKAGES = "cups-daemon cups-client cups-ipp-utils cups-filters dbus"
TOOLS = ("dbus-daemon", "ippeveprinter", "cupsd", "lpadmin", "lp", "lpstat", "lpoptions", "cupsdisable",
         "cupsenable", "cupsreject", "cupsaccept", "pdftotext")
REQUIRE = "IVIG_REQUIRE_PRINTSERVER"
CLIENT_ENV = ("CUPS_SERVER", "LPDEST", "PRINTER")
START_TIMEOUT = 20.0
JOB_TIMEOUT = 60.0
SBIN_PATH = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/sbin"))  # lpadmin, cupsd
# Defaults a job must override to arrive right (the tests check each option reached the printer).
UNHELPFUL_DEFAULTS = ("media-default=na_legal_8.5x14in", "sides-default=two-sided-long-edge",
                      "print-scaling-default=fit", "outputorder-default=reverse")

HOOK = """#!/bin/sh
# ippeveprinter runs this for every job: keep its IPP attributes and the document as received
out="{jobs}/job-$IPP_JOB_ID"
cp "$1" "$out.doc.part" && mv "$out.doc.part" "$out.doc"
env | grep -E '^(IPP_|CONTENT_TYPE=)' | sort > "$out.env.part" && mv "$out.env.part" "$out.env"
"""

CUPSD_CONF = """Listen 127.0.0.1:{port}
LogLevel warn
WebInterface No
Browsing No
DefaultAuthType None
PreserveJobFiles No
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

CUPS_FILES_CONF = """ServerRoot {root}
StateDir {root}/state
CacheDir {root}/cache
RequestRoot {root}/spool
TempDir {root}/tmp
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
"""


@dataclass(frozen=True)
class Job:
    """A job as the printer received it: its IPP attributes and the document CUPS sent."""

    attributes: dict[str, str]
    document: bytes

    def __getitem__(self, name: str) -> str:
        """``job["sides"]``: the IPP attribute (``IPP_SIDES``), "" when the job did not carry it."""
        return self.attributes.get("IPP_" + name.upper().replace("-", "_"), "")


@dataclass
class PrintServer:
    """The running server: its address, each printer's received jobs, how long it took to start."""

    root: Path
    port: int
    printers: dict[str, Path] = field(default_factory=dict)  # queue -> folder of the jobs it received
    started_in: float = 0.0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment of a client of this server (and of no other)."""
        env = {k: v for k, v in os.environ.items() if k not in CLIENT_ENV}
        return env | {"CUPS_SERVER": self.address, "LC_ALL": "C", "PATH": SBIN_PATH}

    def admin(self, *command: str) -> str:
        """Run a CUPS command (lpadmin, cupsdisable, ...) against this server; its output."""
        done = subprocess.run(command, env=self.env(), capture_output=True, text=True, timeout=30, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{shlex.join(command)}: {done.stderr.strip()}")
        return done.stdout

    def jobs_at_cups(self) -> int:
        """How many jobs the server has taken so far (completed or not)."""
        return len(self.admin("lpstat", "-W", "all", "-o").splitlines())

    def mark(self, queue: str = "clinic") -> int:
        """How many jobs ``queue``'s printer has received so far (see ``job``)."""
        return len(list(self.printers[queue].glob("job-*.env")))

    def job(self, queue: str = "clinic", mark: int = 0, timeout: float = JOB_TIMEOUT) -> Job:
        """The first job ``queue``'s printer received after ``mark``, waiting for it to arrive."""
        env = self.printers[queue] / f"job-{mark + 1}.env"
        deadline = time.monotonic() + timeout
        while not env.exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"no job reached {queue} within {timeout:g} s; {self.log_tail()}")
            time.sleep(0.05)
        attributes = dict(line.split("=", 1) for line in env.read_text().splitlines() if "=" in line)
        while self.admin("lpstat", "-o", queue).strip():  # CUPS done with it too: the next test starts quiet
            if time.monotonic() > deadline:
                raise AssertionError(f"CUPS did not finish the job on {queue} within {timeout:g} s")
            time.sleep(0.05)
        return Job(attributes, env.with_suffix(".doc").read_bytes())

    def log_tail(self) -> str:
        log = self.root / "cups" / "log" / "error_log"
        lines = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
        return "cupsd says: " + " | ".join(lines) if lines else "cupsd logged nothing"

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


Word = tuple[str, float, float]  # a word and its centre on the page (pt)


def page_words(data: bytes) -> list[list[Word]]:
    """Each page's words with their centres, as pdftotext reads them (in its reading order)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True,
                         timeout=60).stdout.decode()
    pages = []
    for page in xml.split("<page ")[1:]:
        found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                           page)
        pages.append([(html.unescape(w), (float(x0) + float(x1)) / 2, (float(y0) + float(y1)) / 2)
                      for x0, y0, x1, y1, w in found])
    return pages


def scale(sent: list[Word], received: list[Word]) -> float:
    """How much larger the received page draws the sent one: the square root of the ratio of the areas
    the words' centres span (1.0: not scaled; moving and turning by 90 degrees do not count). A page
    without two words apart in both directions counts as 1.0 when the other is the same."""
    def area(words: list[Word]) -> float:
        xs, ys = [x for _, x, _ in words], [y for _, _, y in words]
        return (max(xs) - min(xs)) * (max(ys) - min(ys)) if words else 0.0

    ours, theirs = area(sent), area(received)
    return math.sqrt(theirs / ours) if ours else (1.0 if not theirs else math.inf)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool, path=SBIN_PATH) is None]


def unavailable(reason: str) -> None:
    """Skip the printing tests, or fail them where the server is required (CI)."""
    if required():
        pytest.fail(f"the private print server is required ({REQUIRE}=1 or IVIG_REQUIRE_TOOLS=1) but {reason}", pytrace=False)
    pytest.skip(f"no private print server: {reason}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening_on(port: int) -> set[int]:
    """The pids of the processes holding a listening TCP socket on ``port`` (from /proc/net and each
    process's fds): whoever answers a connect there may be another test session's server."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            for row in list(fh)[1:]:
                cells = row.split()
                if cells[3] == "0A" and int(cells[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{cells[9]}]")
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
    return pids


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    """Until ``process`` itself listens on ``port`` (a free port picked here may be taken meanwhile by another
    session's server on this machine: then ``process`` fails to bind and exits, and start() tries again)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0 and process.pid in listening_on(port):
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen on port {port} within {START_TIMEOUT:g} s")
        time.sleep(0.01)


def folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o755)
    return path


def start(root: Path) -> PrintServer:
    """Start D-Bus, the two printers and cupsd under ``root``; add a queue per printer."""
    began = time.monotonic()
    server = PrintServer(root, free_port())
    base_env = {**os.environ, "PATH": SBIN_PATH}
    try:
        bus = root / "dbus.sock"
        dbus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                                 f"--address=unix:path={bus}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=base_env)
        server.processes.append(dbus)
        address = (dbus.stdout.readline() if dbus.stdout else b"").decode().strip()
        if not address:
            raise RuntimeError("dbus-daemon did not start")
        printer_env = base_env | {"DBUS_SYSTEM_BUS_ADDRESS": address, "DBUS_SESSION_BUS_ADDRESS": address}
        queues = {}
        for name, duplex in (("clinic", True), ("simplex", False)):
            jobs = folder(root / name / "jobs")
            hook = root / name / "hook.sh"
            hook.write_text(HOOK.format(jobs=jobs))
            hook.chmod(0o755)
            port = free_port()
            log = (root / name / "ippeveprinter.log").open("wb")
            process = subprocess.Popen(["ippeveprinter", "-r", "off", *(["-2"] if duplex else []), "-n", "localhost",
                                        "-p", str(port), "-d", str(folder(root / name / "spool")), "-c", str(hook),
                                        "-f", "application/pdf", f"ivig-test-{name}"],
                                       stdout=log, stderr=log, env=printer_env)
            server.processes.append(process)
            server.printers[name] = jobs
            queues[name] = (port, process)
        cups = folder(root / "cups")
        for sub in ("state", "cache", "spool", "tmp", "log", "ppd"):
            folder(cups / sub)
        (cups / "cupsd.conf").write_text(CUPSD_CONF.format(port=server.port))
        (cups / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=cups))
        cupsd = subprocess.Popen(["cupsd", "-f", "-c", str(cups / "cupsd.conf"), "-s", str(cups / "cups-files.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=base_env)
        server.processes.append(cupsd)
        for name, (port, process) in queues.items():
            wait_for_port(port, process, f"ippeveprinter ({name})")
        wait_for_port(server.port, cupsd, "cupsd")
        for name, (port, _) in queues.items():
            server.admin("lpadmin", "-p", name, "-E", "-v", f"ipp://localhost:{port}/ipp/print", "-m", "everywhere")
        server.admin("lpadmin", "-p", "clinic", *(a for o in UNHELPFUL_DEFAULTS for a in ("-o", o)))
        server.admin("lpadmin", "-p", "locked", "-E", "-v", f"ipp://localhost:{queues['simplex'][0]}/ipp/print",
                     "-m", "everywhere", "-u", "allow:nobody")  # takes nobody's jobs: lp refuses them
        server.admin("lpadmin", "-d", "clinic")
    except BaseException:
        server.stop()
        raise
    server.started_in = time.monotonic() - began
    return server


@pytest.fixture(scope="session")
def print_server() -> Iterator[PrintServer]:
    """The private print server, with CUPS_SERVER pointing at it for the whole session (restored after)."""
    missing = missing_tools()
    if missing:
        unavailable(f"{', '.join(missing)} not installed (apt-get install {PACKAGES} poppler-utils)")
    root = Path(tempfile.mkdtemp(prefix="ivig-print-"))
    root.chmod(0o755)
    try:
        for attempt in range(3):  # a port taken by another server between picking and binding: new ports
            try:
                server = start(folder(root / f"try-{attempt}"))
                break
            except (RuntimeError, OSError) as exc:
                if attempt == 2:
                    unavailable(f"it did not start ({exc})")
        saved = {k: os.environ.get(k) for k in CLIENT_ENV}
        for key in CLIENT_ENV:
            os.environ.pop(key, None)
        os.environ["CUPS_SERVER"] = server.address
        try:
            yield server
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
