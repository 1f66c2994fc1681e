"""The `depotshare` command: serve, migrate, import, export, create-admin."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from depotshare.cli.access import access_app
from depotshare.config import get_settings
from depotshare.simulator.command import simulate

T = TypeVar("T")
app = typer.Typer(help="DepotShare charge point management.", no_args_is_help=True, add_completion=False)


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a use case; a domain error becomes a message naming the bad field and exit code 2."""
    from depotshare.domain.common.errors import DomainError

    try:
        return asyncio.run(coro)
    except DomainError as e:
        fail(e.detail)
        raise  # unreachable: fail() exits


@app.command()
def migrate() -> None:
    """Apply database migrations (DEPOTSHARE_DATABASE_URL)."""
    from depotshare.services.common.migrations import revision_at, revisions_after, upgrade

    url = get_settings().database_url
    before = run(revision_at(url))
    pending = revisions_after(before)
    upgrade(url)
    if not pending:
        typer.echo(f"database is up to date (at {before})")
    else:
        plural = "migration" if len(pending) == 1 else "migrations"
        typer.echo(f"applied {len(pending)} {plural} ({', '.join(pending)}), now at {pending[-1]}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port for the API and OCPP")] = 8000,
    migrate_first: Annotated[
        bool | None,
        typer.Option("--migrate/--no-migrate", help="apply migrations first (default: on SQLite)"),
    ] = None,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="TLS certificate chain (PEM): serve https and wss (OCPP profile 2)")
    ] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM) for --ssl-certfile")] = None,
) -> None:
    """Serve the REST API and the OCPP endpoint on one port (the web portal is not built yet)."""
    import uvicorn

    from depotshare.api.app import create_app
    from depotshare.ocpp.server import uvicorn_options
    from depotshare.services.common.migrations import upgrade

    settings = get_settings()
    if migrate_first if migrate_first is not None else settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)
    if (ssl_certfile is None) != (ssl_keyfile is None):
        fail("--ssl-certfile and --ssl-keyfile go together")
    scheme = "https" if ssl_certfile else "http"
    typer.echo(f"DepotShare on {scheme}://{host}:{port}  (API docs: {scheme}://{host}:{port}/api/v1/docs)")
    app = create_app(settings)
    _settle_garbage_collector()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        **uvicorn_options(settings),
    )


def _settle_garbage_collector() -> None:
    """With thousands of station connections the collector is the latency risk: a full collection
    walks every tracked object (~2 million for 10,000 stations) and stalled the server for 1-4 s.
    Freeze what start-up created (modules, the app, routes), which never becomes garbage, so no
    collection walks it again; and let the youngest generation grow to 10,000 objects so that the
    objects of messages in flight die young instead of being promoted (bench/README.md)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


@app.command("create-admin")
def create_admin(
    email: str,
    name: Annotated[str, typer.Option(help="display name")] = "Platform Admin",
    password: Annotated[
        str | None, typer.Option(help="the password; asked for (hidden, twice) when not given")
    ] = None,
) -> None:
    """Create (or reset the password of) a platform admin login."""
    from depotshare.services.setup.bootstrap import ensure_platform_admin

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        fail("--password: at least 8 characters")
    created = run(ensure_platform_admin(get_settings(), email, name, password))
    typer.echo(f"{'created' if created else 'updated'} platform admin {email}")


@app.command("import")
def import_file(path: Annotated[Path, typer.Argument(help="YAML file in the import format")]) -> None:
    """Import a declarative set-up (idempotent, all-or-nothing). See docs/import-format.md."""
    from depotshare.services.setup.importer import run_import_file

    typer.echo(run(run_import_file(get_settings(), path)).render())


@app.command("export")
def export_file(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="file to write; default stdout")
    ] = None,
    org: Annotated[str | None, typer.Option(help="only this organisation's subtree")] = None,
) -> None:
    """Write the platform's set-up in the import format (round-trips through `import`). The file
    holds password hashes: it is created readable by its owner only (mode 0600)."""
    from depotshare.services.setup.exporter import run_export

    exported = run(run_export(get_settings(), org))
    if output is None:
        sys.stdout.write(exported.text)
        where = "standard output"
    else:
        _write_private(output, exported.text)
        where = f"{output} (mode 0600)"
    typer.echo(f"exported {exported.describe()} to {where}", err=True)
    if exported.secrets:
        typer.echo("it holds password and token hashes: keep it private, out of version control", err=True)


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` through a file created with mode 0600 beside it and renamed over it:
    the content is never readable by others, not even for a moment, whatever `path` was before."""
    import os
    import tempfile

    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        fail(f"--output: cannot write {path} ({e.strerror})")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as e:
        Path(temporary).unlink(missing_ok=True)
        fail(f"--output: cannot write {path} ({e.strerror})")


# The simulator is a pure OCPP client; its module imports nothing heavy until it runs.
app.command()(simulate)
app.add_typer(access_app, name="access")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
