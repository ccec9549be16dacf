"""The `hdcat` command line (click): one group assembled from the command modules in web/commands/.

Each module owns one group of commands (harvesting, people, audit, definitions, serving, workers); this file
only names them, so a new command is added in its module and listed here once.
"""

from __future__ import annotations

import sys

import click
from hdcat.catalog import HdcatError
from hdcat.web.commands import audit, definitions, harvesting, people, serving, state, workers
from hdcat.web.commands.common import Context, bundled_config, console, resolve_config

__all__ = ["main", "run", "bundled_config", "resolve_config"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="hdcat.toml to use (default: $HDCAT_CONFIG, ./hdcat.toml, then the bundled sample).",
)
@click.version_option(package_name="hdcat")
@click.pass_context
def main(ctx, config):
    """hdcat — metadata catalogue and lineage for a hospital consortium."""
    ctx.obj = Context(config)


for command in (
    serving.demo,
    serving.serve,
    workers.worker,
    harvesting.harvest,
    harvesting.export,
    harvesting.sources,
    harvesting.plugins,
    harvesting.reindex,
    harvesting.migrate,
    people.users,
    people.tokens,
    audit.audit,
    state.state,
    definitions.definitions,
    serving.bench,
):
    main.add_command(command)


def run() -> None:  # pragma: no cover - console entry point wrapper
    try:
        main(standalone_mode=True)
    except HdcatError as exc:
        console.print(f"[red]error: {exc.message}[/red]")
        sys.exit(2)
