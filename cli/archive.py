"""The archive of closed cases from the command line (README: The archive):

    python -m cli.archive sweep                 archive every closed run Temporal holds that is not archived yet
    python -m cli.archive reconcile             compare every closed case's timeline with its archived history
    python -m cli.archive rebuild --into URL    rebuild the read model into the empty database URL, then compare

`sweep` does what the foad-archive-sweep Schedule does, `reconcile` what foad-archive-reconcile does daily.
`reconcile` prints each mismatch and exits 1 if there is one. `rebuild` refuses (exit 2) a database that holds
any row; it must be migrated (foad-migrate --database-only with FOAD_DATABASE_URL=URL). It exits 1 if the
rebuilt read model differs from the live one, printing each difference.
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import timedelta

from archive.rebuild import NotEmpty, rebuild
from archive.reconcile import reconcile
from archive.sweep import sweep
from cli.process import exit_process
from database.sessions import create_engine, engine_for, sessionmaker
from infra.settings import Settings, settings_or_exit
from infra.temporal import connect

PROGRAM = "python -m cli.archive"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("sweep", help="archive the closed runs not archived yet")
    commands.add_parser("reconcile", help="compare each closed case's timeline with its archived history")
    into = commands.add_parser("rebuild", help="rebuild the read model into an empty database and compare")
    into.add_argument("--into", required=True, metavar="URL", help="the empty, migrated database (async URL)")
    return parser


async def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_for(settings)
    sessions = sessionmaker(engine)
    client = await connect(settings)
    try:
        if args.command == "sweep":
            result = await sweep(client, sessions, overlap=timedelta(minutes=60))
            for name in result.archived:
                print(f"archived {name}")
            print(f"{result.seen} closed runs seen, {len(result.archived)} archived, {result.already} already")
            return 0
        if args.command == "reconcile":
            async with sessions() as session:
                found = await reconcile(session, client.data_converter)
            for m in found.mismatches:
                print(f"MISMATCH {m.tracking_code} seq {m.seq} {m.field}: read model {m.read_model!r} != {m.archive!r}")
            for code in found.not_archived:
                print(f"not archived yet {code}")
            print(
                f"{found.cases} closed cases, {len(found.mismatches)} mismatches, "
                f"{len(found.not_archived)} not archived yet, {found.erased} erased"
            )
            return 1 if found.mismatches else 0
        target_engine = create_engine(args.into)
        try:
            report = await rebuild(client, sessions, sessionmaker(target_engine))
        except NotEmpty as refused:
            print(f"{PROGRAM}: refused: {refused}", file=sys.stderr)
            return 2
        finally:
            await target_engine.dispose()
        for d in report.differences:
            print(f"DIFFERENT {d.table} {d.key} {d.column}: live {d.live!r} != rebuilt {d.rebuilt!r}")
        rows = ", ".join(f"{count} {table}" for table, count in report.rows.items())
        print(
            f"{report.histories} histories ({report.from_archive} archived, {report.from_temporal} from Temporal), "
            f"{report.transitions} projections replayed; rebuilt {rows}; {len(report.erased)} erased left out; "
            f"{len(report.differences)} differences"
        )
        return 1 if report.differences else 0
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings_or_exit(PROGRAM)
    return asyncio.run(run(args, settings))


if __name__ == "__main__":
    exit_process(main())
