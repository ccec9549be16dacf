"""The `hdcat state` group: the database of accounts, access requests and the audit trail."""

from __future__ import annotations

import click
from hdcat.web.commands.common import console, out


@click.group()
def state():
    """Accounts, tokens, sessions, access requests and the audit trail: where they live."""


@state.command("copy")
@click.option(
    "--to",
    "target",
    required=True,
    help="The empty state to copy into: a postgresql://USER@HOST:PORT/DATABASE URL (or a SQLite file).",
)
@click.pass_obj
def state_copy(obj, target):
    """Copy this deployment's state (`[service] state`, else {data_dir}/state.sqlite) into an empty one,
    the audit trail with its numbers and hashes, and check that the copy verifies as the original does.
    Then set [service] state (or HDCAT_STATE_URL) to the new place in every process."""
    from hdcat.catalog import copy_state, state_location
    from hdcat.web.harvest_queue import masked

    source = state_location(obj.settings())
    copied = copy_state(source, target)
    console.print(
        f"copied {masked(str(source))} to {masked(target)}: "
        + ", ".join(f"{n} {table}" for table, n in copied.items())
    )
    out.print(
        f"the copy's audit trail verifies as the original's: {copied['audit']} entries, the same head; "
        "now set [service] state (or HDCAT_STATE_URL) to it in every hdcat process"
    )
