"""Apps stage, serve: ``ivig-handout serve`` runs the front-desk page (apps/web) under waitress, a
production WSGI server, and prints the page's address. Ctrl-C, SIGTERM and SIGHUP stop it, and it
deletes its upload folder as it stops."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import Text, allow_draft_option, fonts_option, friendly, pack_folder, refuse_draft
from .recording import db_option

if TYPE_CHECKING:
    from .web.app import WebConfig


@click.command()
@click.option("--host", type=Text(), default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this computer needs --passphrase-file.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option("--clinic", "clinic_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Clinic profile printed on every handout.")
@click.option("--clinics", "clinics_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of clinic profiles (*.yaml); the page offers them by name.")
@click.option("--printer", "queues", multiple=True, type=Text(), metavar="QUEUE",
              help="CUPS printer queue for a Print button on the page (see `ivig-handout printers`); repeat it "
                   "for more printers (the first is the default). One that is stopped or missing is a warning.")
@db_option
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File whose first line is the clinic's passphrase for the page (kept only hashed).")
@click.option("--allow-host", "extra_hosts", type=Text(), multiple=True, metavar="NAME",
              help="Another name the page is reached under (e.g. frontdesk.clinic.example); repeatable.")
@click.option("--content", "content_dir", type=click.Path(file_okay=False), default=None,
              callback=pack_folder, help="Content pack: a folder, or a shipped language pack by name (es).")
@allow_draft_option
@click.option("--idle-timeout", "idle_minutes", type=click.IntRange(1, 720), default=30, show_default=True,
              metavar="MINUTES", help="With --passphrase-file: sign a browser out after this many minutes unused.")
@fonts_option
@friendly
def serve(host: str, port: int, clinic_file: Path | None, clinics_dir: Path | None, queues: tuple[str, ...],
          record_db: Path | str | None, passphrase_file: Path | None, extra_hosts: tuple[str, ...],
          content_dir: Path | None, allow_draft: bool, idle_minutes: int) -> None:
    """Serve the front-desk web page: find, preview, personalise, download, print and record handouts."""
    from .web.app import WebConfig, clinic_choices
    from .web.security import Passphrase, is_local

    if clinic_file and clinics_dir:
        raise click.UsageError("give --clinic FILE or --clinics DIR, not both")
    if not is_local(host) and passphrase_file is None:
        raise click.UsageError(f"--host {host} opens the page to the network: give --passphrase-file FILE too "
                               "(or keep the default --host 127.0.0.1)")
    clinics = clinic_choices(clinics_dir) if clinics_dir else {clinic_file.stem: clinic_file} if clinic_file else {}
    check_profiles(clinics, content_dir)
    refuse_draft(content_dir, allow_draft)
    passphrase = Passphrase.from_file(passphrase_file) if passphrase_file else None
    config = WebConfig(host, port, clinics, content_dir, passphrase, extra_hosts, None, record_db,
                       idle_timeout=60.0 * idle_minutes, printers=queues, allow_draft=allow_draft)
    check_printers(queues)
    run(config)


def check_profiles(clinics: dict[str, Path], content_dir: Path | None) -> None:
    """Load the content pack and every profile now, so a bad one stops the server before it starts."""
    from ..api import content, load_clinic

    content(content_dir)
    for path in clinics.values():
        load_clinic(path)


def check_printers(queues: tuple[str, ...]) -> None:
    """Say (on stderr) which printer cannot print now; the page starts anyway (downloads work without
    one, and the page shows the same warning and looks again when it prints)."""
    from ..errors import IvigError
    from ..export.sinks.printer import PrinterSink

    for queue in queues:
        try:
            PrinterSink(queue).check()
        except IvigError as exc:
            click.echo(f"warning: {exc} (the page says so on its Print button; downloads still work)", err=True)


def run(config: WebConfig) -> None:
    """Serve the page with waitress until Ctrl-C, SIGTERM or SIGHUP; the address goes to stdout once the
    port is bound (a script or test may connect as soon as it reads that line). Waitress reads a request of
    up to MAX_BODY before the page answers it (one over the page's limit gets the page's own message, not
    a connection reset). An uploaded roster is read in memory: nothing is left to delete at the end."""
    import waitress

    from .web.app import MAX_BODY, create_app

    app = create_app(config)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        server = waitress.create_server(app, host=config.host, port=config.port, threads=4, ident="ivig-handout",
                                        max_request_body_size=MAX_BODY, clear_untrusted_proxy_headers=True)
        click.echo(f"The front-desk page is at {address(config)} (Ctrl-C to stop)")
        try:
            server.run()
        finally:
            server.close()
    finally:
        app.extensions["ivig"].desk.record.close()  # a database's pool of connections


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # waitress ends its loop on it


def address(config: WebConfig) -> str:
    """The page's address as a browser reaches it (this computer's name for a wildcard bind)."""
    host = config.host
    if host in ("0.0.0.0", "::"):
        import socket

        host = socket.getfqdn()
    return f"http://[{host}]:{config.port}/" if ":" in host else f"http://{host}:{config.port}/"
