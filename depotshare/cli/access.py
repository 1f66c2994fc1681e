"""`depotshare access ...`: operator commands about partner access."""

from __future__ import annotations

from typing import Annotated

import typer

from depotshare.config import get_settings

access_app = typer.Typer(help="Partner access: the decision log.", no_args_is_help=True)


@access_app.command("verify")
def verify_log(
    location: Annotated[str | None, typer.Option(help="only this location (key)")] = None,
) -> None:
    """Check every location's decision log chain and head. Exit 1 when a log was tampered with."""
    from depotshare.cli import run
    from depotshare.services.access.decision_chain import ChainReport, run_verify

    def show(r: ChainReport) -> None:
        name = r.location_key or f"location #{r.location_id} (deleted)"
        if r.intact:
            typer.echo(f"ok       {name}: {r.entries} entries, chain and head intact")
        else:
            typer.echo(f"BROKEN   {name}: {r.problem}")

    reports = run(run_verify(get_settings(), location, show))
    broken = sum(not r.intact for r in reports)
    if not reports:
        typer.echo("no decisions logged yet")
    typer.echo(f"{len(reports)} location(s) checked, {broken} broken")
    if broken:
        raise typer.Exit(1)
