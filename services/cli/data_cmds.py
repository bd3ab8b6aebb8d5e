"""`wijkbrug schemas export` and `wijkbrug buurten load|list`."""

from __future__ import annotations

from pathlib import Path

import click

from schemas.export import export_json_schemas
from services.cli.common import deployment_option, domain_errors, emit_json, load_settings
from services.deployment import open_deployment
from services.geo.cbs import read_buurten_csv, read_kerncijfers_csv, with_population
from services.geo.names import read_area_names, repair_names
from services.geo.store import SqlBuurtStore


@click.group()
def schemas() -> None:
    """The event contract's JSON Schemas."""


@schemas.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@domain_errors
def schemas_export(directory: Path) -> None:
    """Write the JSON Schema of the envelope, of every catalogue type, escalations and dead letters."""
    written = export_json_schemas(directory)
    click.echo(f"wrote {len(written)} schema files to {directory}")


@click.group()
def buurten() -> None:
    """The municipality's CBS buurten (polygons and population)."""


@buurten.command("load")
@click.argument("buurten_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kerncijfers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CBS Kerncijfers wijken en buurten (;-separated) for the population per buurt.",
)
@deployment_option
@domain_errors
def buurten_load(buurten_csv: Path, kerncijfers: Path | None, data_dir: Path | None) -> None:
    """Replace the deployment's buurten with a CBS buurt file (restart the services afterwards)."""
    loaded = read_buurten_csv(buurten_csv)
    if kerncijfers is not None:
        loaded = with_population(loaded, read_kerncijfers_csv(kerncijfers))
        loaded = repair_names(loaded, read_area_names(kerncijfers))
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        count = SqlBuurtStore(deployment.sessions).replace_all(loaded)
    finally:
        deployment.close()
    click.echo(f"loaded {count} buurten; restart the gateway and the processor to use them")


@buurten.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@deployment_option
@domain_errors
def buurten_list(as_json: bool, data_dir: Path | None) -> None:
    """The deployment's buurten."""
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        loaded = SqlBuurtStore(deployment.sessions).load_all()
    finally:
        deployment.close()
    rows = [
        {
            "code": b.code,
            "name": b.name,
            "wijk": b.wijk_name,
            "stadsdeel": b.stadsdeel_name,
            "population": b.population,
        }
        for b in loaded
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        population = "" if row["population"] is None else row["population"]
        click.echo(f"{row['code']}\t{row['name']}\t{row['wijk']}\t{population}")
