"""The test suite: its fixtures are in tests/conftest.py, its helpers in the modules beside it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
REFDATA = ROOT / "refdata"  # the shipped reference data and demo users
