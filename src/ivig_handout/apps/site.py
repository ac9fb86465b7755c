"""Apps stage, site: the ``site`` command, a thin layer over api.online_site(): every handout as an
accessible web page with its PDFs beside it, written into a folder for the clinic's web server. Files
whose bytes are already there are not written again; the site's own list of what it wrote (OWN, in
the folder) lets a later run remove its files that the site no longer has (after qr_url changed)
and never a file it did not write."""

from __future__ import annotations

from pathlib import Path

import click

from .cli import allow_draft_option, content_option, friendly, mono_option, refuse_draft

FILE_LIMIT = 64 * 1024 * 1024  # bytes: a file of the site is well under this; a larger one is not ours
OWN = ".ivig-handout-site.json"  # the files this command wrote in the folder, by name, with their sha256


@click.command("site")
@click.option("--out-dir", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Folder for the web pages and their PDFs.")
@click.option("--clinic", "clinic_file", type=click.Path(path_type=Path), default=None,
              help="Clinic profile: its letterhead, questions line and note; page names follow its qr_url.")
@content_option
@mono_option
@click.option("--no-cache", is_flag=True, help="Render the PDFs again instead of taking them from the render cache.")
@allow_draft_option
@friendly
def site(out_dir: Path, clinic_file: Path | None, content_dir: Path | None, mono: bool, no_cache: bool,
         allow_draft: bool) -> None:
    """Write the online copy: index.html, one web page per handout and its PDFs (letter, a4, large
    print). Never a patient's name: the pages are for everyone."""
    from ..api import RenderCache, cached, online_site, render_pages
    from ..export.sinks.file import check_folder

    refuse_draft(content_dir, allow_draft)  # a draft translation is not put online for patients
    check_folder(out_dir)  # before any work
    made = online_site(content_dir, clinic_file, mono)
    cache = None if no_cache else RenderCache.default()
    files = dict(made.files)
    for name, request in made.pdfs.items():
        files[name] = cached(cache, request, render_pages).data
    written = write_changed(out_dir, files)
    removed = remove_stale(out_dir, files)
    write_changed(out_dir, {OWN: own_list(files)})
    if written or removed:
        gone = f"; removed {len(removed)} of an earlier run" if removed else ""
        click.echo(f"wrote {len(written)} files to {out_dir}/, {len(files) - len(written)} already up to date{gone}; "
                   f"open {out_dir}/index.html")
    else:
        click.echo(f"up to date: {out_dir}/ ({len(files)} files; nothing written)")


def write_changed(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Write each file whose bytes differ from the file there (atomically: the old file or the whole
    new one); the names written."""
    from ..errors import OutputError
    from ..export.sinks.file import write_atomic

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot make the folder ({exc.strerror}); give another --out-dir") from None
    for name in files:  # every one checked before the first is written
        path = folder / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise OutputError(f"{path}: is not a regular file; move it out of the way (the site writes its "
                              f"{'page' if name.endswith('.html') else 'file'} there; nothing was written)")
    written = []
    for name, data in files.items():
        if _same(folder / name, data):
            continue
        write_atomic(folder / name, data)
        written.append(name)
    return written


def _same(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file holding exactly ``data``."""
    from ..api import FileRefusedError, read_regular

    try:
        if path.stat().st_size != len(data):
            return False
        return read_regular(path, FILE_LIMIT) == data
    except (OSError, FileRefusedError):
        return False


def own_list(files: dict[str, bytes]) -> bytes:
    """The text of OWN: each file's name and sha256 (names and digests only: the site holds no patient)."""
    import hashlib
    import json

    listed = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    return (json.dumps({"files": listed}, indent=1) + "\n").encode()


def remove_stale(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Remove the files an earlier run wrote (listed in OWN) that the site no longer has, each only if
    it is still a regular file holding the bytes written (a file put there since is the user's); the
    names removed."""
    import hashlib

    from ..api import FileRefusedError, read_regular

    removed = []
    for name, sha in _listed(folder).items():
        if name in files:
            continue
        path = folder / name
        try:
            if path.is_symlink() or hashlib.sha256(read_regular(path, FILE_LIMIT)).hexdigest() != sha:
                continue
            path.unlink()
        except (OSError, FileRefusedError):
            continue
        removed.append(name)
    return removed


def _listed(folder: Path) -> dict[str, str]:
    """The plain file names (no folder part, not hidden) and digests OWN lists; {} without one."""
    import json

    from ..api import FileRefusedError, read_regular

    try:
        listed = json.loads(read_regular(folder / OWN, FILE_LIMIT)).get("files")
    except (OSError, FileRefusedError, ValueError, RecursionError, AttributeError):
        return {}
    if not isinstance(listed, dict):
        return {}
    return {name: sha for name, sha in listed.items() if isinstance(name, str) and isinstance(sha, str)
            and name and "/" not in name and "\\" not in name and "\0" not in name and not name.startswith(".")}
