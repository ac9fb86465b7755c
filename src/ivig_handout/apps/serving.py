"""Apps stage, serve: ``ivig-handout serve`` runs the front-desk page (apps/web) under waitress, a
production WSGI server, and prints the page's address."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import Text, friendly

if TYPE_CHECKING:
    from flask import Flask

    from .web.app import WebConfig


@click.command()
@click.option("--host", type=Text(), default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this computer needs --passphrase-file.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option("--clinic", "clinic_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Clinic profile printed on every handout.")
@click.option("--clinics", "clinics_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of clinic profiles (*.yaml); the page offers them by name.")
@click.option("--printer", "queue", type=Text(), default=None, metavar="QUEUE",
              help="CUPS printer queue for the page's Print buttons (see `ivig-handout printers`).")
@click.option("--record-db", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The education record's file (default: record.sqlite3 in your data folder).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File whose first line is the clinic's passphrase for the page (kept only hashed).")
@click.option("--allow-host", "extra_hosts", type=Text(), multiple=True, metavar="NAME",
              help="Another name the page is reached under (e.g. frontdesk.clinic.example); repeatable.")
@click.option("--content", "content_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Content pack folder (default: the bundled AAN sheet).")
@friendly
def serve(host: str, port: int, clinic_file: Path | None, clinics_dir: Path | None, queue: str | None,
          record_db: Path | None, passphrase_file: Path | None, extra_hosts: tuple[str, ...],
          content_dir: Path | None) -> None:
    """Serve the front-desk web page: find, preview, personalise, download, print and record handouts."""
    from .web.app import WebConfig, clinic_choices, create_app
    from .web.security import Passphrase, is_local

    if clinic_file and clinics_dir:
        raise click.UsageError("give --clinic FILE or --clinics DIR, not both")
    if not is_local(host) and passphrase_file is None:
        raise click.UsageError(f"--host {host} opens the page to the network: give --passphrase-file FILE too "
                               "(or keep the default --host 127.0.0.1)")
    clinics = clinic_choices(clinics_dir) if clinics_dir else {clinic_file.stem: clinic_file} if clinic_file else {}
    check_profiles(clinics, content_dir)
    passphrase = Passphrase.from_file(passphrase_file) if passphrase_file else None
    config = WebConfig(host, port, clinics, content_dir, passphrase, extra_hosts, queue, record_db)
    run(create_app(config), config)


def check_profiles(clinics: dict[str, Path], content_dir: Path | None) -> None:
    """Load the content pack and every profile now, so a bad one stops the server before it starts."""
    from ..api import content
    from ..inputs.profile import load_clinic

    content(content_dir)
    for path in clinics.values():
        load_clinic(path)


def run(app: Flask, config: WebConfig) -> None:
    """Serve ``app`` with waitress until Ctrl-C; the address goes to stdout first."""
    import waitress

    from .web.app import MAX_UPLOAD

    click.echo(f"The front-desk page is at {address(config)} (Ctrl-C to stop)")
    waitress.serve(app, host=config.host, port=config.port, threads=4, ident="ivig-handout",
                   max_request_body_size=MAX_UPLOAD + 65536, clear_untrusted_proxy_headers=True,
                   _quiet=True)


def address(config: WebConfig) -> str:
    """The page's address as a browser reaches it (this computer's name for a wildcard bind)."""
    host = config.host
    if host in ("0.0.0.0", "::"):
        import socket

        host = socket.getfqdn()
    return f"http://[{host}]:{config.port}/" if ":" in host else f"http://{host}:{config.port}/"
