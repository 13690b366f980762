"""Client apps allowed to file complaints through Open311: register one, look one up by key, revoke one
(`python -m cli.open311_clients` from the command line).

An api_key is 32 random bytes, so a plain SHA-256 of it is enough to keep (unlike a password, it cannot be
guessed from a dictionary), and the hash is looked up directly.
"""

import hashlib
import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from database.models import Open311Client
from database.sessions import transaction

CLIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,47}")
DEMO_CLIENT_ID = "demo-app"
DEMO_API_KEY = "foad-demo-open311-key"  # development only: `demo` refuses to create it in production


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


async def client_for_key(session: AsyncSession, api_key: str) -> Open311Client | None:
    client = await session.scalar(select(Open311Client).where(Open311Client.key_hash == key_hash(api_key)))
    return client if client is not None and client.active else None


async def register(
    sessions: async_sessionmaker[AsyncSession],
    client_id: str,
    name: str,
    *,
    api_key: str | None = None,
    verified_identity: bool = False,
) -> str:
    """Adds the client (or gives an existing one a new key); returns the key, which is not stored."""
    if not CLIENT_ID.fullmatch(client_id):
        # It becomes part of the case's `filed_by` (64 characters) and of intake keys.
        raise ValueError("a client id is 2-48 of a-z, 0-9 and -, starting with a letter or digit")
    api_key = api_key or secrets.token_urlsafe(32)
    async with transaction(sessions) as session:
        client = await session.get(Open311Client, client_id)
        if client is None:
            session.add(
                Open311Client(
                    id=client_id,
                    name=name,
                    key_hash=key_hash(api_key),
                    active=True,
                    created_at=datetime.now(UTC),
                    verified_identity=verified_identity,
                )
            )
        else:
            client.name, client.key_hash, client.active = name, key_hash(api_key), True
            client.verified_identity = verified_identity
    return api_key


async def revoke(sessions: async_sessionmaker[AsyncSession], client_id: str) -> bool:
    async with transaction(sessions) as session:
        client = await session.get(Open311Client, client_id)
        if client is not None:
            client.active = False
        return client is not None
