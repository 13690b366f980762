"""Client apps allowed to file complaints through Open311: register one, list them, revoke one.

    python -m foad.open311_clients register ID "Name"   # prints the new api_key once
    python -m foad.open311_clients list
    python -m foad.open311_clients revoke ID
    python -m foad.open311_clients demo                  # the development demo client (refused in production)

An api_key is 32 random bytes, so a plain SHA-256 of it is enough to keep (unlike a password, it cannot be
guessed from a dictionary), and the hash is looked up directly.
"""

import argparse
import asyncio
import hashlib
import re
import secrets
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foad.db import create_engine, sessionmaker, transaction
from foad.models import Open311Client
from foad.settings import settings_or_exit

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,47}")
DEMO_CLIENT_ID = "demo-app"
DEMO_API_KEY = "foad-demo-open311-key"  # development only: `demo` refuses to create it in production


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


async def client_for_key(session: AsyncSession, api_key: str) -> Open311Client | None:
    client = await session.scalar(select(Open311Client).where(Open311Client.key_hash == key_hash(api_key)))
    return client if client is not None and client.active else None


async def register(
    sessions: async_sessionmaker[AsyncSession], client_id: str, name: str, *, api_key: str | None = None
) -> str:
    """Adds the client (or gives an existing one a new key); returns the key, which is not stored."""
    if not CLIENT_ID.fullmatch(client_id):
        # It becomes part of the case's `filed_by` (64 characters) and of intake keys.
        raise ValueError("a client id is 2-48 of a-z, 0-9 and -, starting with a letter or digit")
    api_key = api_key or secrets.token_urlsafe(32)
    async with transaction(sessions) as session:
        client = await session.get(Open311Client, client_id)
        if client is None:
            session.add(Open311Client(id=client_id, name=name, key_hash=key_hash(api_key), active=True,
                                      created_at=datetime.now(UTC)))
        else:
            client.name, client.key_hash, client.active = name, key_hash(api_key), True
    return api_key


async def revoke(sessions: async_sessionmaker[AsyncSession], client_id: str) -> bool:
    async with transaction(sessions) as session:
        client = await session.get(Open311Client, client_id)
        if client is not None:
            client.active = False
        return client is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m foad.open311_clients", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("register", help="register a client app and print its api_key")
    add.add_argument("client_id")
    add.add_argument("name")
    commands.add_parser("list", help="the registered client apps")
    gone = commands.add_parser("revoke", help="refuse a client app's key from now on")
    gone.add_argument("client_id")
    commands.add_parser("demo", help=f"ensure the development demo client {DEMO_CLIENT_ID!r}")
    args = parser.parse_args(argv)
    settings = settings_or_exit("foad.open311_clients")
    if args.command == "demo" and settings.environment == "production":
        print("the demo Open311 client is for development only", file=sys.stderr)
        return 1

    async def run() -> int:
        engine = create_engine(settings.database_url)
        sessions = sessionmaker(engine)
        try:
            if args.command == "register":
                try:
                    print(await register(sessions, args.client_id, args.name))
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
                        print(f"{client.id}\t{'active' if client.active else 'revoked'}\t{client.name}")
            return 0
        finally:
            await engine.dispose()

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
