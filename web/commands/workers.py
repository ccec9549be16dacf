"""`hdcat worker`: take harvest jobs from the queue ([service] queue) and run them into the shared store."""

from __future__ import annotations

import click
from hdcat.web.commands.common import Context, console, prepare_state


@click.command()
@click.option(
    "--concurrency",
    default=2,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Harvests this process runs at the same time (each in a thread). Run more `hdcat worker` "
    "processes, here or on other machines, for more.",
)
@click.option(
    "--until-empty", is_flag=True, help="Stop once the queue has no jobs left (batch runs, benchmarks)."
)
@click.option(
    "--heartbeat",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.2, 300),
    help="Seconds between this worker's heartbeats (and its looks for jobs of stopped workers).",
)
@click.option(
    "--stalled-after",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Seconds without a heartbeat after which a worker counts as gone and its job is put back.",
)
@click.pass_obj
def worker(obj: Context, concurrency, until_empty, heartbeat, stalled_after):
    """Run harvest jobs from the queue (needs [service] queue and the graph on a SPARQL server)."""
    from hdcat.catalog import state_location
    from hdcat.web import logs
    from hdcat.web.harvest_queue import HarvestWorker, masked

    if stalled_after <= heartbeat:
        raise click.BadParameter("must be longer than --heartbeat", param_hint="--stalled-after")
    settings = obj.settings()
    runner = HarvestWorker(
        settings, concurrency=concurrency, heartbeat=heartbeat, stalled_after=stalled_after
    )
    prepare_state(settings)  # with [service] state, the trail its runs' entries go to is the shared one
    logs.configure()
    import logging

    # each request to the store and procrastinate's job lines (whose arguments may hold a source's
    # credentials) stay out of the log; hdcat logs each job's start and end itself
    for noisy in ("httpx", "procrastinate"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    console.print(
        f"[bold green]hdcat worker[/bold green] taking harvest jobs from {masked(settings.service.queue)} "
        f"into {masked(settings.store_url)} ({concurrency} at a time; Ctrl+C or SIGTERM stops after "
        f"running jobs); audit entries to {masked(str(state_location(settings)))}"
    )
    runner.run(until_empty=until_empty)
