"""Entry point of the `wijkbrug` command."""

from __future__ import annotations

import click

from services.cli.connector_cmds import connector
from services.cli.data_cmds import buurten, schemas
from services.cli.demo_cmds import demo
from services.cli.directory_cmds import org, user
from services.cli.rules_cmds import rules
from services.cli.services_cmds import db, gateway, processor, sink, topics, up


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wijkbrug")
def cli() -> None:
    """wijkbrug: verbind de wijk met het systeem."""


for command in (
    up,
    demo,
    gateway,
    processor,
    sink,
    db,
    topics,
    org,
    user,
    schemas,
    buurten,
    rules,
    connector,
):
    cli.add_command(command)


def main() -> None:
    """Run the command line."""
    cli()


if __name__ == "__main__":
    main()
