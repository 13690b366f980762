"""Child processes of the end-to-end tests: one process with its log file, and a bare Temporal dev server."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cli.devstack import dev_server_command, free_port, stop, wait_for_temporal
from infra.temporal import ensure_search_attributes
from tests import ROOT


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, be killed if pytest itself dies (a CI timeout, say) without teardown."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class Child:
    """One process in a session (a process group) of its own, its output appended to `log` at each start."""

    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None
    generation: int = 0

    def start(self, env: dict[str, str]) -> None:
        self.generation += 1
        with self.log.open("ab") as out:
            out.write(f"\n===== {self.name} start #{self.generation} at {datetime.now(UTC).isoformat()}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process itself (no chance to clean up), as a crash or an OOM kill would."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=10)


@contextmanager
def running_dev_server(folder: Path) -> Iterator[str]:
    """A bare Temporal dev server with FOAD's search attributes, on a free port; yields its address.

    For tests that run their worker in process and need what the time-skipping server lacks (visibility
    queries, real time)."""
    port = free_port()
    server = Child("temporal", dev_server_command(folder, port, ui_port=None), folder / "temporal.log")
    folder.mkdir(parents=True, exist_ok=True)
    server.start({k: v for k, v in os.environ.items() if not k.startswith("FOAD_")})
    address = f"127.0.0.1:{port}"

    async def ready() -> None:
        await ensure_search_attributes(await wait_for_temporal(address, 60, process=server.process))

    try:
        asyncio.run(ready())
        yield address
    finally:
        server.stop()
