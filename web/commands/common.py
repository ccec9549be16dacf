"""What every command shares: the configuration it reads, the consoles it prints to, who is acting."""

from __future__ import annotations

import os
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from hdcat.catalog import Settings, load_settings
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True)
out = Console()
for _c in (console, out):
    if not _c.is_terminal and "COLUMNS" not in os.environ:
        _c.width = 140  # logs and pipes: keep summary tables readable instead of 80 columns


def bundled_config() -> Path:
    return Path(str(resources.files("hdcat.harvesters").joinpath("samples/consortium.toml")))


def resolve_config(explicit: str | None) -> Path:
    """--config, else $HDCAT_CONFIG, else ./hdcat.toml, else the bundled sample consortium."""
    for candidate in (explicit, os.environ.get("HDCAT_CONFIG")):
        if candidate:
            return Path(candidate)
    local = Path("hdcat.toml")
    return local if local.exists() else bundled_config()


class Context:
    """click's object for every command: the --config given, and how a command opens settings and the
    catalogue."""

    def __init__(self, config: str | None):
        self.explicit = config

    def settings(self, config_path: Path | None = None) -> Settings:
        return load_settings(config_path or resolve_config(self.explicit))

    def catalog(self, settings: Settings):
        from hdcat.catalog import Catalog

        return Catalog(settings)


def open_search(catalog):
    from hdcat.search.service import Search

    return Search(catalog)


def progress_bar(unit: str, console: Console = console) -> Progress:
    """The one progress display of long commands: what is happening, a bar, `done/total unit`, time taken."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn(f"{{task.completed}}/{{task.total}} {unit}"),
        TimeElapsedColumn(),
        console=console,
    )


def reindex_with_progress(search) -> int:
    total = search.catalog.datasets.count(members=True)
    progress = progress_bar("datasets")
    with progress:
        task = progress.add_task(f"indexing ({search.backend.name})", total=total)
        count = search.reindex(on_document=lambda: progress.advance(task))
    console.print(f"search index rebuilt: {count} datasets ({search.backend.name})")
    return count


def prepare_state(settings) -> None:
    """Reach the state database (`[service] state`, else the data folder's file) and create its tables
    before a long-running process starts, so a wrong URL is said at once, not at the first sign-in."""
    from hdcat.catalog import AccessRequests, Accounts

    for part in (Accounts, AccessRequests):
        part.for_settings(settings).close()


@contextmanager
def open_accounts(obj: Context):
    """The deployment's accounts file, open for one command."""
    from hdcat.catalog import Accounts

    acc = Accounts.for_settings(obj.settings())
    try:
        yield acc
    finally:
        acc.close()


def actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid-{os.getuid()}"
