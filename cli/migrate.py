"""`foad-migrate`: bring the read model and the Temporal namespace to what this release needs, idempotently.

1. The database: `alembic upgrade head` (migrations/).
2. Temporal: the custom search attributes every case writes (added where missing; a wrong type is an error),
   then the centre's Schedules (the daily hotspot scan and the monthly report, cli.schedules).

Run it once per release before the new API and worker start: a Kubernetes Job, the compose file's `migrate`
service. `--database-only` skips Temporal (on Temporal Cloud, where search attributes are added with `tcld`
or the Cloud UI, run `foad-migrate --database-only` and then `python -m cli.schedules`). `--wait`
retries while the database or Temporal is not up yet, as in a stack that starts everything at once.
"""

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from cli.process import exit_process
from database.sessions import engine_for
from infra.settings import Settings, settings_or_exit

PROGRAM = "foad-migrate"
T = TypeVar("T")


def alembic_config(database_url: str) -> Config:
    """alembic.ini and migrations/ from the source tree (editable install) or the working directory (the image's
    /app); the URL is set here, so migrations/env.py never falls back to a second reading of the settings."""
    for root in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (root / "alembic.ini").is_file() and (root / "migrations").is_dir():
            break
    else:
        raise FileNotFoundError("alembic.ini and migrations/ not found: run from the project's folder (/app)")
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))  # ConfigParser interpolates %
    return config


def head_revision(config: Config) -> str:
    return ScriptDirectory.from_config(config).get_current_head() or ""


async def current_revision(settings: Settings) -> str | None:
    """The database's Alembic revision (None before the first migration); raises if the database does not answer."""
    engine = engine_for(settings)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


async def prepare_temporal(settings: Settings) -> list[str]:
    """Search attributes, then Schedules; returns what it did, one line each."""
    from cli.schedules import ensure_schedules
    from infra.temporal import connect, ensure_search_attributes

    client = await connect(settings)
    await ensure_search_attributes(client, settings.temporal_namespace)
    done = [f"Temporal {settings.temporal_address} namespace {settings.temporal_namespace}: search attributes ready"]
    done += [f"schedule {name}: {what}" for name, what in (await ensure_schedules(client, settings)).items()]
    return done


def describe(error: BaseException) -> str:
    """One line for an operator: the error's type and text (a timeout has no text of its own)."""
    if isinstance(error, TimeoutError) and not str(error):
        return "TimeoutError: no answer in time"
    return f"{type(error).__name__}: {error}"


def _retrying(what: str, attempt: Callable[[], T], wait: float) -> T:
    """attempt() until it succeeds or `wait` seconds have passed; then its last error goes up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return attempt()
        except Exception as error:
            if time.monotonic() >= deadline:
                raise
            print(f"{PROGRAM}: {what} not ready ({describe(error)}); retrying", file=sys.stderr)
            time.sleep(2)


def _run(coroutine: Callable[[], Awaitable[T]], timeout: float) -> Callable[[], T]:
    return lambda: asyncio.run(asyncio.wait_for(coroutine(), timeout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.splitlines()[0])
    parser.add_argument("--database-only", action="store_true", help="migrate the database, leave Temporal alone")
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="retry while a service is not up")
    args = parser.parse_args(argv)
    settings = settings_or_exit(PROGRAM)
    timeout = settings.temporal_rpc_timeout_seconds
    try:
        _retrying("the database", _run(lambda: current_revision(settings), timeout), args.wait)
        config = alembic_config(settings.database_url)
        command.upgrade(config, "head")
        print(f"{PROGRAM}: database at revision {head_revision(config)}")
        if not args.database_only:
            for line in _retrying("Temporal", _run(lambda: prepare_temporal(settings), timeout * 3), args.wait):
                print(f"{PROGRAM}: {line}")
    except Exception as error:  # noqa: BLE001 - a command's failure is one readable line and a non-zero exit
        print(f"{PROGRAM}: failed: {describe(error)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    exit_process(main())
