"""The test suite. Fixtures come from the plugins under tests/fixtures/ (registered in tests/conftest.py); the
helpers a test imports are listed in the README's Tests section."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
REFDATA = ROOT / "refdata"  # the shipped reference data and demo users
