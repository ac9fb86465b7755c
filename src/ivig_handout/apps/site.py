"""Apps stage, site: the ``site`` command, a thin layer over api.online_site(): every handout as an
accessible web page with its PDFs beside it, written into a folder for the clinic's web server. Files
whose bytes are already there are not written again; the site's own list of what it wrote (OWN, in
the folder) lets a later run remove its files that the site no longer has (after qr_url changed)
and never a file it did not write."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli import allow_draft_option, content_option, friendly, mono_option, refuse_draft

if TYPE_CHECKING:
    from ..api import RenderCache, Request

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
    from ..batch.freshness import hashed_once

    with hashed_once():  # the content pack and profile hashed once: for the run's digest and every cache key
        write_site(out_dir, clinic_file, content_dir, mono=mono, no_cache=no_cache, allow_draft=allow_draft)


def write_site(out_dir: Path, clinic_file: Path | None, content_dir: Path | None, *, mono: bool, no_cache: bool,
               allow_draft: bool) -> None:
    """The site command's work (see site)."""
    from ..batch.freshness import made_from

    digest = made_from({"command": "site", "mono": mono, "allow_draft": allow_draft}, content_dir, clinic_file)
    if not no_cache:  # nothing changed since the last run (its inputs, every file): nothing loaded or written
        kept = unchanged(out_dir, digest)
        if kept is not None:
            click.echo(f"up to date: {out_dir}/ ({kept} files; nothing written)")
            return
    from ..api import RenderCache, online_site
    from ..export.sinks.file import check_folder

    refuse_draft(content_dir, allow_draft)  # a draft translation is not put online for patients
    check_folder(out_dir)  # before any work
    made = online_site(content_dir, clinic_file, mono)
    files = {**made.files, **pdfs(made.pdfs, None if no_cache else RenderCache.default())}
    written = write_changed(out_dir, files)
    removed = remove_stale(out_dir, files)
    write_changed(out_dir, {OWN: own_list(out_dir, files, digest)})
    if written or removed:
        gone = f"; removed {len(removed)} of an earlier run" if removed else ""
        click.echo(f"wrote {len(written)} files to {out_dir}/, {len(files) - len(written)} already up to date{gone}; "
                   f"open {out_dir}/index.html")
    else:
        click.echo(f"up to date: {out_dir}/ ({len(files)} files; nothing written)")


def pdfs(requests: dict[str, Request], cache: RenderCache | None) -> dict[str, bytes]:
    """The PDFs beside the pages, by name: from the render cache, the others rendered on every core
    (the batch's workers, forked ready to render) and stored in it."""
    from ..api import cached, render_pages

    missing = [name for name, request in requests.items() if cache is None or not cache.has(request)]
    made: dict[str, bytes] = {}
    if len(missing) > 1:
        from ..batch.workers import make_executor, shut_down

        executor, _ = make_executor(requests[missing[0]], len(missing))
        done = False
        try:
            made.update(zip(missing, executor.map(_render, [(requests[n], cache) for n in missing]), strict=True))
            done = True
        finally:
            shut_down(executor, now=not done)
    for name, request in requests.items():
        if name not in made:  # stored (an entry that is not the answer is rendered again here)
            made[name] = cached(cache, request, render_pages).data
    return {name: made[name] for name in requests}


def _render(task: tuple[Request, RenderCache | None]) -> bytes:
    """One PDF of the site (in a worker), stored in the render cache."""
    from ..api import cached, render_pages

    return cached(task[1], task[0], render_pages).data


def write_changed(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Write the files whose bytes differ from the files there, all or none (staged first, then renamed
    into place: on a full disk the site stays as it was, never new pages beside missing or older PDFs);
    the names written. The pages go in after the PDFs they link, index.html last."""
    from ..errors import OutputError
    from ..export.sinks.file import write_atomic_all

    new = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot make the folder ({exc.strerror}); give another --out-dir") from None
    for name in files:  # every one checked before the first is written
        path = folder / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise OutputError(f"{path}: is not a regular file; move it out of the way (the site writes its "
                              f"{'page' if name.endswith('.html') else 'file'} there; nothing was written)")
    written = sorted((name for name, data in files.items() if not _same(folder / name, data)),
                     key=lambda name: (name == "index.html", name.endswith(".html")))
    try:
        write_atomic_all([(folder / name, files[name]) for name in written], sync=False)  # synced together below
    except OutputError:
        if new:  # (the folder this run made, empty again)
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    if written:
        from ..batch.runner import sync_files

        sync_files(folder, [folder / name for name in written])
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


def own_list(folder: Path, files: dict[str, bytes], digest: str) -> bytes:
    """The text of OWN: the digest of the run's inputs, and each file's name, size, time and sha256
    (names and digests only: the site holds no patient)."""
    import hashlib
    import json

    listed = []
    for name, data in sorted(files.items()):
        status = (folder / name).stat()
        listed.append({"file": name, "bytes": status.st_size, "mtime_ns": status.st_mtime_ns,
                       "sha256": hashlib.sha256(data).hexdigest()})
    return (json.dumps({"inputs": digest, "files": listed}, indent=1) + "\n").encode()


def unchanged(folder: Path, digest: str) -> int | None:
    """The number of files when OWN says an earlier run had the same inputs and every file it wrote is
    as it was (size, time, sha256); else None."""
    from ..batch.freshness import file_matches

    own = _own(folder)
    files = own.get("files")
    if own.get("inputs") != digest or not isinstance(files, list) or not files:
        return None
    return len(files) if all(file_matches(folder, entry) for entry in files) else None


def remove_stale(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Remove the files an earlier run wrote (listed in OWN) that the site no longer has, each only if
    it is still a regular file holding the bytes written (a file put there since is the user's); the
    names removed."""
    import hashlib

    from ..api import FileRefusedError, read_regular
    from ..batch.freshness import plain_name

    removed = []
    listed = _own(folder).get("files")
    for entry in listed if isinstance(listed, list) else []:
        name, sha = (entry.get("file"), entry.get("sha256")) if isinstance(entry, dict) else (None, None)
        if not (isinstance(name, str) and plain_name(name) and isinstance(sha, str)) or name in files:
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


def _own(folder: Path) -> dict[str, Any]:
    """OWN's object ({} without one, or one that is not a JSON object)."""
    import json

    from ..batch.freshness import read_bounded

    raw = read_bounded(folder / OWN, FILE_LIMIT)
    try:
        own = json.loads(raw) if raw is not None else None
    except (ValueError, RecursionError):
        return {}
    return own if isinstance(own, dict) else {}
