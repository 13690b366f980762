"""Open311 client apps from the command line:

python -m cli.open311_clients register ID "Name"   # prints the new api_key once
python -m cli.open311_clients register ID "Name" --verified-identity   # its filings must carry a citizen token
python -m cli.open311_clients list
python -m cli.open311_clients revoke ID
python -m cli.open311_clients demo                  # the development demo client (refused in production)
"""

import argparse
import asyncio
import sys
from collections.abc import Sequence

from sqlalchemy import select

from database.models import Open311Client
from database.open311_clients import DEMO_API_KEY, DEMO_CLIENT_ID, register, revoke
from database.sessions import create_engine, sessionmaker
from infra.settings import settings_or_exit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cli.open311_clients", description="Client apps allowed to file complaints through Open311."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("register", help="register a client app and print its api_key")
    add.add_argument("client_id")
    add.add_argument("name")
    add.add_argument(
        "--verified-identity",
        action="store_true",
        help="the app proves identity: each filing must carry the citizen's verified token for its mobile",
    )
    commands.add_parser("list", help="the registered client apps")
    gone = commands.add_parser("revoke", help="refuse a client app's key from now on")
    gone.add_argument("client_id")
    commands.add_parser("demo", help=f"ensure the development demo client {DEMO_CLIENT_ID!r}")
    args = parser.parse_args(argv)
    settings = settings_or_exit("cli.open311_clients")
    if args.command == "demo" and settings.environment == "production":
        print("the demo Open311 client is for development only", file=sys.stderr)
        return 1

    async def run() -> int:
        engine = create_engine(settings.database_url)
        sessions = sessionmaker(engine)
        try:
            if args.command == "register":
                try:
                    print(await register(sessions, args.client_id, args.name, verified_identity=args.verified_identity))
                except ValueError as exc:
                    print(exc, file=sys.stderr)
                    return 2
            elif args.command == "demo":
                await register(sessions, DEMO_CLIENT_ID, "برنامه نمایشی (توسعه)", api_key=DEMO_API_KEY)
                print(f"Open311 demo client {DEMO_CLIENT_ID}: api_key={DEMO_API_KEY}")
            elif args.command == "revoke":
                if not await revoke(sessions, args.client_id):
                    print(f"no client {args.client_id!r}", file=sys.stderr)
                    return 1
            else:
                async with sessions() as session:
                    for client in await session.scalars(select(Open311Client).order_by(Open311Client.id)):
                        trust = "verified-identity" if client.verified_identity else "unverified"
                        print(f"{client.id}\t{'active' if client.active else 'revoked'}\t{trust}\t{client.name}")
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
