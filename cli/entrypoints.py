"""The console scripts the image runs (pyproject [project.scripts]): foad-api, foad-worker, foad-migrate,
foad-seed, foad-check; the last two commands' code is in cli/migrate.py and cli/check.py.

Every command loads the settings first with settings_or_exit: a wrong configuration prints one line per
problem, naming its FOAD_ variable, and exits with status 2 before anything starts.
"""

import signal
import sys
from typing import NoReturn

from cli.process import exit_process
from infra.settings import settings_or_exit

# Kubernetes sends SIGTERM, waits terminationGracePeriodSeconds (30 by default), then kills: finish before that.
API_SHUTDOWN_SECONDS = 20


def api() -> None:
    """uvicorn serving api.main:app on FOAD_API_HOST:FOAD_API_PORT with FOAD_API_WORKERS processes.

    Behind a proxy, the client address (rate limits, the access log) and https come from X-Forwarded-For and
    X-Forwarded-Proto, trusted only from FOAD_API_FORWARDED_ALLOW_IPS. SIGTERM drains requests in flight."""
    settings = settings_or_exit("foad-api")
    import uvicorn

    # Once it has shut down gracefully, uvicorn raises the SIGTERM again for the handler it found in place: this
    # one ends the process with status 0, as uvicorn's multi-process supervisor does, so a stop is not a failure.
    signal.signal(signal.SIGTERM, _stopped)
    try:
        uvicorn.run(
            "api.main:app",
            host=settings.api_host,
            port=settings.api_port,
            workers=settings.api_workers,
            proxy_headers=True,
            forwarded_allow_ips=settings.api_forwarded_allow_ips,
            timeout_graceful_shutdown=API_SHUTDOWN_SECONDS,
        )
    except SystemExit as stop:
        exit_process(stop.code if isinstance(stop.code, int) else 1)
    exit_process(0)


def _stopped(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _sigterm_as_ctrl_c(_signum: int, _frame: object) -> None:
    """asyncio.run turns SIGINT into a cancellation of the main task, which stops the Temporal worker cleanly
    (in-flight activities get FOAD_WORKER_GRACEFUL_SHUTDOWN_SECONDS); SIGTERM is made to take the same road."""
    signal.raise_signal(signal.SIGINT)


def worker() -> None:
    """worker.py's main(), after the settings check, stopping cleanly (exit 0) on SIGTERM as on Ctrl-C."""
    settings_or_exit("foad-worker")
    # A process started in the background by a shell inherits SIGINT ignored; asyncio.run then installs no
    # handler of its own, and the SIGTERM relayed as SIGINT would be lost.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _sigterm_as_ctrl_c)
    import worker as worker_module

    worker_module.main()
    exit_process(0)


def seed() -> None:
    """cli.seed's command (reference data, demo users unless --no-demo-users), after the settings check."""
    settings_or_exit("foad-seed")
    from cli.seed import main

    sys.exit(main())


def migrate() -> NoReturn:
    from cli.migrate import main

    exit_process(main())


def check() -> NoReturn:
    from cli.check import main

    exit_process(main())
