"""Configuration for a cluster or Temporal Cloud: every wrong setting is refused at start with a line naming its
FOAD_ variable, and the right ones turn into the arguments Temporal's Client.connect and Worker get.

The certificates are real (tests/pki.py); the real TLS handshake with them is in tests/test_entrypoints.py.
"""

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, TLSConfig
from temporalio.worker import PollerBehaviorSimpleMaximum

from infra.settings import ConfigurationError, load_settings
from infra.temporal import connect
from tests.pki import SERVER_NAME, Pki
from worker import worker_tuning

CLOUD = "foad-prod.a1b2c"


@pytest.fixture(autouse=True)
def no_foad_environment(monkeypatch, tmp_path) -> None:
    """Only what each test passes: no FOAD_* of the shell, no .env of the working directory."""
    import os

    for name in [n for n in os.environ if n.startswith("FOAD_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def problems(**settings: Any) -> list[str]:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(**settings)
    return refused.value.problems


def mtls(pki: Pki, **more: Any) -> dict[str, Any]:
    return {"temporal_tls_cert": str(pki.client.cert), "temporal_tls_key": str(pki.client.key)} | more


# --- refused, with the variable named -------------------------------------------------------------------------


def test_a_client_certificate_without_its_key_is_refused(pki: Pki) -> None:
    assert problems(temporal_tls_cert=str(pki.client.cert)) == [
        "FOAD_TEMPORAL_TLS_KEY: must be set with FOAD_TEMPORAL_TLS_CERT (the client certificate's key)"
    ]
    assert problems(temporal_tls_key=str(pki.client.key)) == [
        "FOAD_TEMPORAL_TLS_CERT: must be set with FOAD_TEMPORAL_TLS_KEY (the key's client certificate)"
    ]


@pytest.mark.parametrize(
    ("setting", "path", "reason"),
    [
        ("temporal_tls_ca", "missing.pem", "does not exist or is not a file"),
        ("temporal_tls_ca", ".", "does not exist or is not a file"),
        ("temporal_tls_ca", "notes.txt", "holds no PEM certificate"),
        ("temporal_tls_cert", "client.key", "holds no PEM certificate"),
        ("temporal_tls_key", "client.crt", "holds no PEM private key"),
        ("temporal_tls_key", "encrypted.key", "is encrypted; Temporal's client needs the key without a passphrase"),
        ("temporal_tls_key", "stranger.key", "is not the key of the certificate in FOAD_TEMPORAL_TLS_CERT"),
        ("temporal_tls_cert", "expired.crt", "expired on"),
    ],
)
def test_a_tls_file_that_is_missing_not_pem_or_not_matching_is_refused(
    pki: Pki, tmp_path: Path, setting: str, path: str, reason: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    files = {
        "client.key": pki.client.key,
        "client.crt": pki.client.cert,
        "encrypted.key": pki.encrypted_client.key,
        "stranger.key": pki.stranger.key,
        "expired.crt": pki.expired_client.cert,
    }
    value = str(files.get(path, tmp_path / path))
    settings = mtls(pki, **{setting: value})
    if path == "expired.crt":
        settings["temporal_tls_key"] = str(pki.expired_client.key)
    [line] = problems(**settings)
    assert line.startswith(f"FOAD_{setting.upper()}: ") and reason in line, line


@pytest.mark.parametrize(
    ("address", "hint"),
    [
        ("temporal-frontend", "is not host:port"),
        ("https://temporal-frontend:7233", "is not host:port (without a scheme)"),
        ("temporal-frontend:grpc", "is not host:port"),
        ("temporal-frontend:70000", "is not host:port"),
        ("", "is not host:port"),
    ],
)
def test_an_address_that_is_not_host_and_port_is_refused(address: str, hint: str) -> None:
    [line] = problems(temporal_address=address)
    assert line.startswith("FOAD_TEMPORAL_ADDRESS: ") and hint in line, line


def test_ipv6_and_dns_addresses_are_host_and_port() -> None:
    for address in ("[::1]:7233", "temporal-frontend.temporal.svc.cluster.local:7233", "10.0.0.7:7233"):
        assert load_settings(temporal_address=address).temporal_address == address


def test_tls_turned_off_explicitly_refuses_an_api_key_or_certificate(pki: Pki) -> None:
    [line] = problems(temporal_tls=False, temporal_api_key="key-123")
    assert line == (
        "FOAD_TEMPORAL_TLS: is false, but FOAD_TEMPORAL_API_KEY need TLS (an API key travels only over TLS)"
    )
    [line] = problems(**mtls(pki, temporal_tls=False))
    assert line.startswith("FOAD_TEMPORAL_TLS: is false, but FOAD_TEMPORAL_TLS_CERT need TLS")


def test_temporal_cloud_needs_credentials_and_a_namespace_of_its_endpoint() -> None:
    assert problems(temporal_address=f"{CLOUD}.tmprl.cloud:7233", temporal_namespace=CLOUD) == [
        "FOAD_TEMPORAL_API_KEY: Temporal Cloud needs an API key, or a client certificate "
        "(FOAD_TEMPORAL_TLS_CERT and FOAD_TEMPORAL_TLS_KEY)"
    ]
    [line] = problems(temporal_address="ap-south-1.aws.api.temporal.io:7233", temporal_api_key="k")
    assert line.startswith("FOAD_TEMPORAL_NAMESPACE: 'default' is not a Temporal Cloud namespace id")
    [line] = problems(
        temporal_address=f"{CLOUD}.tmprl.cloud:7233", temporal_namespace="foad-dev.a1b2c", temporal_api_key="k"
    )
    assert line == (
        "FOAD_TEMPORAL_NAMESPACE: 'foad-dev.a1b2c' is not the namespace of the endpoint "
        "'foad-prod.a1b2c.tmprl.cloud' (its namespace endpoint is foad-dev.a1b2c.tmprl.cloud:7233)"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://foad:secret@db:5432/foad", "needs the async one: postgresql+asyncpg://foad:***@db:5432/foad"),
        ("postgres://foad@db/foad", "needs the async one: postgresql+asyncpg://foad@db/foad"),
        ("postgresql+psycopg2://foad@db/foad", "needs the async one: postgresql+asyncpg://foad@db/foad"),
        ("sqlite:///data/foad.db", "needs the async one: sqlite+aiosqlite:///data/foad.db"),
        ("sqlite+pysqlite:///data/foad.db", "needs the async one: sqlite+aiosqlite:///data/foad.db"),
        ("mysql+aiomysql://foad@db/foad", "is not supported; FOAD runs on PostgreSQL"),
        ("foad.db", "is not a database URL"),
    ],
)
def test_a_database_url_with_a_sync_or_unknown_driver_is_refused(url: str, expected: str) -> None:
    [line] = problems(database_url=url)
    assert line.startswith("FOAD_DATABASE_URL: ") and expected in line, line
    assert "secret" not in line


def test_every_problem_is_reported_at_once_one_line_each(pki: Pki) -> None:
    found = problems(
        temporal_address="temporal",
        temporal_tls_cert=str(pki.client.cert),
        database_url="sqlite:///x.db",
        api_forwarded_allow_ips="10.0.0.0/8, proxy.local",
        environment="production",
    )
    assert [line.split(":")[0].split(" ")[0] for line in found] == [
        "FOAD_SECRET_KEY",
        "FOAD_PAYLOAD_KEYS",
        "FOAD_TEMPORAL_ADDRESS",
        "FOAD_TEMPORAL_TLS_KEY",
        "FOAD_DATABASE_URL",
        "FOAD_API_FORWARDED_ALLOW_IPS",
    ]


def test_a_value_of_the_wrong_type_names_its_variable_and_never_repeats_a_secret(monkeypatch) -> None:
    monkeypatch.setenv("FOAD_WORKER_WORKFLOW_TASK_POLLERS", "1")
    monkeypatch.setenv("FOAD_API_PORT", "http")
    found = problems()
    assert "FOAD_WORKER_WORKFLOW_TASK_POLLERS: Input should be greater than or equal to 2 (got '1')" in found
    assert any(line.startswith("FOAD_API_PORT: Input should be a valid integer") for line in found), found
    monkeypatch.delenv("FOAD_WORKER_WORKFLOW_TASK_POLLERS")
    monkeypatch.delenv("FOAD_API_PORT")
    monkeypatch.setenv("FOAD_SECRET_KEY", "too-short-a-secret")
    monkeypatch.setenv("FOAD_DATABASE_URL", "postgresql://foad:hunter2@db/foad")
    found = problems()
    assert "FOAD_SECRET_KEY must be at least 32 characters" in found
    assert not [line for line in found if "too-short-a-secret" in line or "hunter2" in line], found
    monkeypatch.setenv("FOAD_REMINDER_MINUTES_BEFORE", "60, 15")
    [line] = problems()
    assert line.startswith("FOAD_REMINDER_MINUTES_BEFORE: cannot be parsed"), line


# --- allowed, with a warning -----------------------------------------------------------------------------------


def test_sqlite_in_production_is_allowed_with_a_warning() -> None:
    secrets = {"secret_key": "s" * 40, "payload_keys": "k1:" + "A" * 43 + "=", "payload_key_id": "k1"}
    settings = load_settings(environment="production", **secrets)
    [warning] = settings.warnings()
    assert warning.startswith("FOAD_DATABASE_URL: SQLite in production keeps the API and the worker on this one")
    on_postgres = load_settings(environment="production", database_url="postgresql+asyncpg://db/foad", **secrets)
    assert on_postgres.warnings() == []


def test_an_api_key_beside_a_client_certificate_is_allowed_and_warned_about_on_temporal_cloud(pki: Pki) -> None:
    cloud = mtls(pki, temporal_address=f"{CLOUD}.tmprl.cloud:7233", temporal_namespace=CLOUD, temporal_api_key="k")
    [warning] = load_settings(**cloud).warnings()
    assert warning.startswith("FOAD_TEMPORAL_API_KEY with FOAD_TEMPORAL_TLS_CERT: Temporal Cloud accepts both")
    # a self-hosted cluster may well want mTLS and a bearer token for its authorizer
    assert load_settings(**mtls(pki, temporal_address="temporal:7233", temporal_api_key="jwt")).warnings() == []


# --- what Client.connect and Worker receive ---------------------------------------------------------------------


@pytest.fixture
def connect_arguments(monkeypatch) -> dict[str, Any]:
    """Stands in for the network behind Client.connect: keeps what FOAD hands to the SDK."""
    seen: dict[str, Any] = {}

    async def connected(target_host: str, **kwargs: Any) -> str:
        seen.update(kwargs, target_host=target_host)
        return "client"

    monkeypatch.setattr(Client, "connect", connected)
    return seen


async def test_a_cluster_with_mtls_and_a_private_ca_connects_with_those_files(pki: Pki, connect_arguments) -> None:
    settings = load_settings(
        **mtls(
            pki,
            temporal_address="10.0.0.7:7233",
            temporal_namespace="foad",
            temporal_tls_ca=str(pki.ca),
            temporal_tls_server_name=SERVER_NAME,
        )
    )
    await connect(settings)
    assert connect_arguments["target_host"] == "10.0.0.7:7233"
    assert connect_arguments["namespace"] == "foad"
    assert connect_arguments["api_key"] is None
    assert connect_arguments["tls"] == TLSConfig(
        client_cert=pki.client.cert.read_bytes(),
        client_private_key=pki.client.key.read_bytes(),
        server_root_ca_cert=pki.ca.read_bytes(),
        domain=SERVER_NAME,
    )


@pytest.mark.parametrize("address", [f"{CLOUD}.tmprl.cloud:7233", "ap-south-1.aws.api.temporal.io:7233"])
async def test_temporal_cloud_with_an_api_key_connects_over_tls_with_the_key(connect_arguments, address) -> None:
    await connect(load_settings(temporal_address=address, temporal_namespace=CLOUD, temporal_api_key="key-123"))
    assert (connect_arguments["target_host"], connect_arguments["namespace"]) == (address, CLOUD)
    assert (connect_arguments["api_key"], connect_arguments["tls"]) == ("key-123", True)


async def test_the_dev_server_is_plaintext_unless_tls_is_asked_for(connect_arguments) -> None:
    await connect(load_settings())
    assert connect_arguments["tls"] is False and connect_arguments["target_host"] == "localhost:7233"
    await connect(load_settings(temporal_tls=True))  # a frontend behind a public CA, no client certificate
    assert connect_arguments["tls"] is True


def test_worker_tuning_reaches_the_worker_arguments(monkeypatch) -> None:
    for name, value in {
        "MAX_CONCURRENT_WORKFLOW_TASKS": "40",
        "MAX_CONCURRENT_ACTIVITIES": "20",
        "MAX_CACHED_WORKFLOWS": "500",
        "WORKFLOW_TASK_POLLERS": "8",
        "ACTIVITY_TASK_POLLERS": "4",
        "GRACEFUL_SHUTDOWN_SECONDS": "10",
    }.items():
        monkeypatch.setenv(f"FOAD_WORKER_{name}", value)
    tuning = worker_tuning(load_settings())
    assert tuning["max_concurrent_workflow_tasks"] == 40 and tuning["max_concurrent_activities"] == 20
    assert tuning["max_cached_workflows"] == 500
    assert tuning["workflow_task_poller_behavior"] == PollerBehaviorSimpleMaximum(8)
    assert tuning["activity_task_poller_behavior"] == PollerBehaviorSimpleMaximum(4)
    assert tuning["graceful_shutdown_timeout"].total_seconds() == 10
    monkeypatch.delenv("FOAD_WORKER_MAX_CONCURRENT_ACTIVITIES")  # unset: the SDK's own default
    assert worker_tuning(load_settings())["max_concurrent_activities"] is None


async def test_the_database_pool_of_each_process_is_set_by_its_settings(monkeypatch) -> None:
    from database.sessions import engine_for

    monkeypatch.setenv("FOAD_DATABASE_URL", "postgresql+asyncpg://foad@db.example:5432/foad")
    monkeypatch.setenv("FOAD_DATABASE_POOL_SIZE", "4")
    monkeypatch.setenv("FOAD_DATABASE_MAX_OVERFLOW", "0")
    engine = engine_for(load_settings())  # builds the pool; connects only when first used
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == (4, 0)
    finally:
        await engine.dispose()
    monkeypatch.setenv("FOAD_DATABASE_POOL_SIZE", "0")
    assert any(line.startswith("FOAD_DATABASE_POOL_SIZE") for line in problems())
