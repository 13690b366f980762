"""Liveness and readiness, for the API's /healthz and /readyz and for worker.py's probe port.

Liveness is cheap and does no I/O: an answer at all means the process and its event loop are alive.
Readiness asks each dependency one cheap question, all at once, each within FOAD_READINESS_TIMEOUT_SECONDS:
Temporal for its system info, the database for `SELECT 1`. The answer names what failed, never why in
detail (an error's text could quote a URL with its password): the process's log has the rest.
"""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from infra.settings import parse_host_port

log = logging.getLogger("foad.health")

Check = Callable[[], Awaitable[None]]
LIVE = {"status": "ok"}


def temporal_check(client: Client | Callable[[], Awaitable[Client]], timeout: float) -> Check:
    """Temporal answers: the client (or the API's, connected on first need) gets the frontend's system info."""

    async def check() -> None:
        connected = client if isinstance(client, Client) else await client()
        await connected.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=timedelta(seconds=timeout))

    return check


def database_check(sessions: async_sessionmaker[AsyncSession]) -> Check:
    async def check() -> None:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))

    return check


async def _run(name: str, check: Check, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            await check()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the probe itself must never fail
        log.warning("readiness: %s is not answering: %r", name, exc)
        error = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
        return {"ok": False, "error": error}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def readiness(checks: dict[str, Check], *, timeout: float) -> tuple[bool, dict[str, Any]]:
    """(ready, body): every check run concurrently; the body lists each and names the ones that failed."""
    names = list(checks)
    results = await asyncio.gather(*(_run(name, checks[name], timeout) for name in names))
    report = dict(zip(names, results, strict=True))
    failed = [name for name, result in report.items() if not result["ok"]]
    body: dict[str, Any] = {"status": "unavailable" if failed else "ready", "checks": report}
    if failed:
        body["failed"] = failed
    return not failed, body


async def _skip_headers(reader: asyncio.StreamReader) -> None:
    for _ in range(100):
        if (await reader.readline()).strip() == b"":
            return


class ProbeServer:
    """A minimal HTTP server for worker.py (which has no web framework): GET /healthz and GET /readyz."""

    def __init__(self, address: str, checks: dict[str, Check], *, timeout: float) -> None:
        self.host, self.port = parse_host_port(address, setting="FOAD_WORKER_HEALTH_ADDRESS")
        self.checks, self.timeout = checks, timeout
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        log.info("health probes on http://%s:%d/healthz and /readyz", self.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            await asyncio.wait_for(_skip_headers(reader), timeout=5)  # read it all: closing on unread data resets
            method, _, rest = request_line.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method not in ("GET", "HEAD"):
                status, body = 405, {"status": "method not allowed"}
            elif path == "/healthz":
                status, body = 200, LIVE
            elif path == "/readyz":
                ready, body = await readiness(self.checks, timeout=self.timeout)
                status = 200 if ready else 503
            else:
                status, body = 404, {"status": "not found"}
            payload = json.dumps(body).encode()
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + (b"" if method == "HEAD" else payload)
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
