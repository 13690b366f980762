"""Waiting for something that happens a moment later (a projection, an SMS, a process coming up): one helper to
block, one to await. Both poll `probe` until it returns something truthy and return that, or fail saying what
they waited for and what they saw last."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, timeout: float = 60.0, interval: float = 0.2, what: str = "") -> T:
    """Blocking: for code outside an event loop, such as the end-to-end tests polling their subprocesses."""
    deadline = time.monotonic() + timeout
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(_not_within(timeout, what or probe, last))
        time.sleep(interval)


async def eventually_async(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> T:
    """Awaiting: for async tests, such as one waiting for the read model the worker projects into."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        last = await probe()
        if last:
            return last
        if loop.time() > deadline:
            raise AssertionError(_not_within(timeout, what or probe, last))
        await asyncio.sleep(interval)


def _not_within(timeout: float, what: Any, last: Any) -> str:
    return f"not within {timeout:.0f}s: {what} (last: {last!r})"
