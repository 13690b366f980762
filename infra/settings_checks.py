"""The checks that make a wrong Temporal, database, worker or API setting fail at start, in words an operator reads.

Each check returns lines that begin with the FOAD_ variable they are about, so a process that refuses to start
can print one line per problem (infra.settings.settings_or_exit). Problems stop the process; warnings are
printed and the process goes on. The checks read files (certificates, keys) but open no connection: reaching
Temporal and the database is `foad-check`'s job (cli/check.py).
"""

import ipaddress
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

if TYPE_CHECKING:
    from infra.settings import Settings

ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}
SYNC_BACKENDS = {"postgres": "postgresql"}  # the old alias SQLAlchemy dropped
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")
CLOUD_SUFFIXES = (".tmprl.cloud", ".api.temporal.io")


def split_address(address: str) -> tuple[str, int] | None:
    """("host", port) of a `host:port` address, or None if it is not one."""
    match = _HOST_PORT.match(address)
    if match is None or not 0 < int(match["port"]) < 65536:
        return None
    return match["host"].strip("[]"), int(match["port"])


def is_temporal_cloud(address: str) -> bool:
    host = (split_address(address) or ("", 0))[0].lower()
    return host.endswith(CLOUD_SUFFIXES)


def problems(settings: "Settings") -> list[str]:
    return [*_temporal(settings), *_database(settings), *_api(settings)]


def warnings(settings: "Settings") -> list[str]:
    found = []
    if settings.environment == "production" and make_url(settings.database_url).get_backend_name() == "sqlite":
        found.append(
            "FOAD_DATABASE_URL: SQLite in production keeps the API and the worker on this one machine, one writer at "
            "a time; use PostgreSQL (postgresql+asyncpg://...) to run more than one machine"
        )
    if settings.temporal_api_key and settings.temporal_tls_cert and is_temporal_cloud(settings.temporal_address):
        found.append(
            "FOAD_TEMPORAL_API_KEY with FOAD_TEMPORAL_TLS_CERT: Temporal Cloud accepts both on one namespace only "
            "when its support has enabled it (pre-release), and then not on the namespace endpoint; use one of them"
        )
    return found


# --- Temporal -------------------------------------------------------------------------------------------------


def _temporal(settings: "Settings") -> list[str]:
    found: list[str] = []
    address = settings.temporal_address
    if split_address(address) is None:
        hint = " (without a scheme)" if "://" in address else ""
        found.append(
            f"FOAD_TEMPORAL_ADDRESS: {address!r} is not host:port{hint}, "
            "e.g. temporal-frontend:7233 or foad-prod.a1b2c.tmprl.cloud:7233"
        )
    cert, key = settings.temporal_tls_cert, settings.temporal_tls_key
    if cert and not key:
        found.append("FOAD_TEMPORAL_TLS_KEY: must be set with FOAD_TEMPORAL_TLS_CERT (the client certificate's key)")
    if key and not cert:
        found.append("FOAD_TEMPORAL_TLS_CERT: must be set with FOAD_TEMPORAL_TLS_KEY (the key's client certificate)")
    found += _tls_files(settings)
    if settings.temporal_tls is False:
        given = [
            name
            for name, value in (
                ("FOAD_TEMPORAL_API_KEY", settings.temporal_api_key),
                ("FOAD_TEMPORAL_TLS_CERT", cert),
                ("FOAD_TEMPORAL_TLS_CA", settings.temporal_tls_ca),
                ("FOAD_TEMPORAL_TLS_SERVER_NAME", settings.temporal_tls_server_name),
            )
            if value
        ]
        if given:
            why = " (an API key travels only over TLS)" if settings.temporal_api_key else ""
            found.append(f"FOAD_TEMPORAL_TLS: is false, but {', '.join(given)} need TLS{why}")
    if is_temporal_cloud(address):
        found += _temporal_cloud(settings)
    return found


def _temporal_cloud(settings: "Settings") -> list[str]:
    found = []
    namespace = settings.temporal_namespace
    host = (split_address(settings.temporal_address) or ("", 0))[0].lower()
    if not (settings.temporal_api_key or settings.temporal_tls_cert):
        found.append(
            "FOAD_TEMPORAL_API_KEY: Temporal Cloud needs an API key, or a client certificate "
            "(FOAD_TEMPORAL_TLS_CERT and FOAD_TEMPORAL_TLS_KEY)"
        )
    if "." not in namespace:
        found.append(
            f"FOAD_TEMPORAL_NAMESPACE: {namespace!r} is not a Temporal Cloud namespace id, "
            "which is <name>.<account id> (e.g. foad-prod.a1b2c)"
        )
    elif host.endswith(".tmprl.cloud") and host != f"{namespace}.tmprl.cloud".lower():
        found.append(
            f"FOAD_TEMPORAL_NAMESPACE: {namespace!r} is not the namespace of the endpoint {host!r} "
            f"(its namespace endpoint is {namespace}.tmprl.cloud:7233)"
        )
    return found


def _tls_files(settings: "Settings") -> list[str]:
    found = []
    certs = _certificates("FOAD_TEMPORAL_TLS_CERT", settings.temporal_tls_cert, found)
    private_key = _private_key("FOAD_TEMPORAL_TLS_KEY", settings.temporal_tls_key, found)
    _certificates("FOAD_TEMPORAL_TLS_CA", settings.temporal_tls_ca, found)
    if certs:
        leaf = certs[0]
        if leaf.not_valid_after_utc < datetime.now(UTC):
            found.append(
                f"FOAD_TEMPORAL_TLS_CERT: the certificate {leaf.subject.rfc4514_string()!r} expired on "
                f"{leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
            )
        if private_key is not None and _public(private_key.public_key()) != _public(leaf.public_key()):
            found.append("FOAD_TEMPORAL_TLS_KEY: is not the key of the certificate in FOAD_TEMPORAL_TLS_CERT")
    return found


def _read(name: str, path: str | None, found: list[str]) -> bytes | None:
    if not path:
        return None
    file = Path(path)
    if not file.is_file():
        found.append(f"{name}: {path!r} does not exist or is not a file")
        return None
    try:
        return file.read_bytes()
    except OSError as error:
        found.append(f"{name}: {path!r} cannot be read: {error.strerror}")
        return None


def _certificates(name: str, path: str | None, found: list[str]) -> list[x509.Certificate]:
    data = _read(name, path, found)
    if data is None:
        return []
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        found.append(f"{name}: {path!r} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
        return []


def _private_key(name: str, path: str | None, found: list[str]):
    data = _read(name, path, found)
    if data is None:
        return None
    if b"-----BEGIN" not in data or b"PRIVATE KEY-----" not in data:
        found.append(f"{name}: {path!r} holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)")
        return None
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError:
        found.append(f"{name}: {path!r} is encrypted; Temporal's client needs the key without a passphrase")
    except (ValueError, UnsupportedAlgorithm) as error:
        found.append(f"{name}: {path!r} is not a usable private key: {error}")
    return None


def _public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# --- the database and the API --------------------------------------------------------------------------------


def _database(settings: "Settings") -> list[str]:
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        return ["FOAD_DATABASE_URL: is not a database URL (e.g. postgresql+asyncpg://foad:PASSWORD@db:5432/foad)"]
    backend = SYNC_BACKENDS.get(url.get_backend_name(), url.get_backend_name())
    if backend not in ASYNC_DRIVERS:
        return [
            f"FOAD_DATABASE_URL: {url.drivername!r} is not supported; FOAD runs on PostgreSQL "
            "(postgresql+asyncpg://) or SQLite (sqlite+aiosqlite://)"
        ]
    driver = ASYNC_DRIVERS[backend]
    if url.drivername != f"{backend}+{driver}":
        fixed = url.set(drivername=f"{backend}+{driver}").render_as_string(hide_password=True)
        return [f"FOAD_DATABASE_URL: {url.drivername!r} is a synchronous driver; FOAD needs the async one: {fixed}"]
    return []


def _api(settings: "Settings") -> list[str]:
    found = []
    for entry in (part.strip() for part in settings.api_forwarded_allow_ips.split(",")):
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            found.append(f"FOAD_API_FORWARDED_ALLOW_IPS: {entry!r} is not an address, a network (10.0.0.0/8) or *")
    return found
