"""The deployment files, as far as they can be tested without a container engine: compose.yaml parses, names every
setting the app reads (the list comes from Settings itself) with values the app accepts, and every command the
Dockerfile and compose.yaml run is a console script of the project that exists."""

import importlib
import json
import re
import tomllib
from typing import Any

import pytest
import yaml

from infra.settings import Settings, load_settings
from tests import ROOT

SETTINGS = {f"FOAD_{name.upper()}" for name in Settings.model_fields}
# What an operator puts in the env file for the ${VAR:?} secrets.
SECRETS = {
    "FOAD_DB_PASSWORD": "db-password",
    "FOAD_SECRET_KEY": "a-real-secret-of-more-than-32-characters",
    "FOAD_PAYLOAD_KEYS": "k2026:" + "A" * 43 + "=",
    "FOAD_PAYLOAD_KEY_ID": "k2026",
}
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<kind>[-?])(?P<rest>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


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


def test_every_command_of_the_image_is_a_console_script_of_the_project(
    compose: dict[str, Any], scripts: dict[str, str]
) -> None:
    assert set(scripts) == {"foad-api", "foad-worker", "foad-migrate", "foad-seed", "foad-check"}
    for target in scripts.values():
        module, function = target.split(":")
        assert callable(getattr(importlib.import_module(module), function)), target
    commands = {service["command"][0] for service in app_services(compose).values()}
    dockerfile = (ROOT / "Dockerfile").read_text()
    [cmd] = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    commands.add(json.loads(cmd)[0])
    assert commands <= set(scripts), commands - set(scripts)
    assert commands == {"foad-migrate", "foad-seed", "foad-api", "foad-worker"}


def test_the_image_is_python_311_slim_without_test_extras_and_not_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "[test]" not in dockerfile
    [user] = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert user not in ("root", "0")
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "data", "tests", ".env"} <= set(ignored)
