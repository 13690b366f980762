"""`foad-check`: can this configuration run FOAD? Loads the settings, reaches Temporal and the database, says so.

Temporal: the namespace answers, every custom search attribute a case writes exists with its type, the centre's
Schedules exist. The database: it answers and is migrated to the head revision. The archive: it lags behind by
less than the namespace's retention (else closed cases are lost from Temporal and the archive alike). Each
finding is one line, `ok` or `FAIL` with the reason and what to do; the exit status is 0 when all pass, 1 when
one fails, 2 when the settings themselves are wrong. It changes nothing (foad-migrate does), so it suits a
Kubernetes init container (`foad-check --wait 120`) and an operator at a shell.
"""

import argparse
import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import make_url
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.service import RPCError, RPCStatusCode

from archive.sweep import archive_lag
from cli.migrate import alembic_config, current_revision, describe, head_revision
from cli.process import exit_process
from cli.schedules import schedules
from database.sessions import engine_for, sessionmaker
from infra.settings import Settings, settings_or_exit
from infra.temporal import connect
from workflows.visibility import SearchAttributes

PROGRAM = "foad-check"


@dataclass
class Finding:
    ok: bool
    what: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}"


def summary(settings: Settings) -> list[str]:
    """What the settings point at, with no secret in it."""
    tls = "off"
    if settings.temporal_tls_enabled:
        parts = [
            name
            for name, value in (
                ("client certificate", settings.temporal_tls_cert),
                ("private CA", settings.temporal_tls_ca),
                (f"server name {settings.temporal_tls_server_name}", settings.temporal_tls_server_name),
                ("API key", settings.temporal_api_key),
            )
            if value
        ]
        tls = "on" + (f" ({', '.join(parts)})" if parts else "")
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    return [
        f"environment {settings.environment}",
        f"temporal    {settings.temporal_address}, namespace {settings.temporal_namespace}, TLS {tls}, "
        f"task queue {settings.temporal_task_queue}",
        f"database    {database}",
    ]


def _days_or_hours(value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    if hours and hours % 24 == 0:
        return f"{hours / 24:g} day{'s' if hours != 24 else ''}"
    return f"{hours:g} hours"


async def check_temporal(settings: Settings) -> list[Finding]:
    timeout = settings.temporal_rpc_timeout_seconds
    rpc_timeout = timedelta(seconds=timeout)
    namespace = settings.temporal_namespace
    try:
        client = await asyncio.wait_for(connect(settings), timeout)
        described = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), timeout=rpc_timeout
        )
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return [Finding(False, f"temporal: {settings.temporal_address} namespace {namespace}: {describe(error)}")]
    retention = _days_or_hours(described.config.workflow_execution_retention_ttl.ToTimedelta())
    found = [Finding(True, f"temporal: namespace {namespace} answers (history kept {retention} after a case closes)")]

    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace), timeout=rpc_timeout
    )
    have = listed.custom_attributes
    wrong = []
    for key in SearchAttributes.ALL:
        kind = IndexedValueType.Name(int(key.indexed_value_type)).removeprefix("INDEXED_VALUE_TYPE_").title()
        if key.name not in have:
            wrong.append(f"{key.name} ({kind}) is missing")
        elif have[key.name] != int(key.indexed_value_type):
            wrong.append(f"{key.name} is not {kind}")
    if wrong:
        found.append(Finding(False, f"temporal: search attributes: {'; '.join(wrong)}; run foad-migrate"))
    else:
        found.append(Finding(True, f"temporal: the {len(SearchAttributes.ALL)} search attributes exist"))

    missing = []
    for schedule_id in schedules(settings):
        try:
            await client.get_schedule_handle(schedule_id).describe()
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            missing.append(schedule_id)
    if missing:
        found.append(Finding(False, f"temporal: schedules {', '.join(missing)} missing; run foad-migrate"))
    else:
        found.append(Finding(True, f"temporal: schedules {', '.join(schedules(settings))} exist"))
    return found


async def check_database(settings: Settings) -> list[Finding]:
    head = head_revision(alembic_config(settings.database_url))
    try:
        current = await asyncio.wait_for(current_revision(settings), settings.temporal_rpc_timeout_seconds)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return [Finding(False, f"database: does not answer: {describe(error)}")]
    if current != head:
        now = current or "no revision (never migrated)"
        return [Finding(False, f"database: at {now}, not at the head revision {head}; run foad-migrate")]
    return [Finding(True, f"database: answers, migrated to the head revision {head}")]


async def check_archive(settings: Settings, retention: timedelta) -> list[Finding]:
    """The archive must keep up: a case Temporal forgets before the sweeper copied it is lost from both."""
    engine = engine_for(settings)
    try:
        async with sessionmaker(engine)() as session:
            lag, since = await archive_lag(session, datetime.now(UTC))
    finally:
        await engine.dispose()
    kept = _days_or_hours(retention)
    if lag is None:
        return [Finding(True, f"archive: {since}; Temporal keeps closed histories {kept}")]
    behind = _days_or_hours(timedelta(hours=round(lag.total_seconds() / 3600, 1)))
    if retention.total_seconds() and lag > retention:
        return [
            Finding(
                False,
                f"archive: {behind} behind ({since}), longer than the namespace's retention of {kept}: closed cases "
                "are lost; start a worker (it runs the foad-archive-sweep schedule) or raise the retention",
            )
        ]
    return [Finding(True, f"archive: {behind} behind ({since}), within the retention of {kept}")]


async def _retention(settings: Settings) -> timedelta:
    client = await asyncio.wait_for(connect(settings), settings.temporal_rpc_timeout_seconds)
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace),
        timeout=timedelta(seconds=settings.temporal_rpc_timeout_seconds),
    )
    return described.config.workflow_execution_retention_ttl.ToTimedelta()


async def run_checks(settings: Settings, *, temporal: bool = True, database: bool = True) -> list[Finding]:
    found = []
    if temporal:
        try:
            found += await check_temporal(settings)
        except Exception as error:  # noqa: BLE001 - a call that failed midway is a finding too
            found.append(Finding(False, f"temporal: {describe(error)}"))
    if database:
        found += await check_database(settings)
    if temporal and database and all(f.ok for f in found):
        try:
            found += await check_archive(settings, await _retention(settings))
        except Exception as error:  # noqa: BLE001 - reported, not raised
            found.append(Finding(False, f"archive: {describe(error)}"))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.splitlines()[0])
    parser.add_argument("--wait", type=float, default=0, metavar="SECONDS", help="retry until all pass, this long")
    parser.add_argument("--skip-temporal", action="store_true", help="check the database only")
    parser.add_argument("--skip-database", action="store_true", help="check Temporal only")
    args = parser.parse_args(argv)
    settings = settings_or_exit(PROGRAM)
    for line in summary(settings):
        print(f"{PROGRAM}: {line}")
    deadline = time.monotonic() + args.wait
    while True:
        found = asyncio.run(run_checks(settings, temporal=not args.skip_temporal, database=not args.skip_database))
        if all(f.ok for f in found) or time.monotonic() >= deadline:
            break
        time.sleep(2)
    for finding in found:
        print(finding)
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    exit_process(main())
