"""How a command that used a Temporal client ends."""

import atexit
import os
import sys
from typing import NoReturn


def exit_process(code: int) -> NoReturn:
    """End a process that used a Temporal client without the interpreter's teardown, during which the SDK's Rust
    threads can still reach for the GIL and abort it (SIGABRT, "PyGILState_Release ... finalizing":
    temporalio/sdk-python#300, seen here on foad-migrate). atexit handlers (logging's flush) run first."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
