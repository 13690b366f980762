"""The one place that builds the Temporal client and its data converter, used by the worker, the API, the
replayer and the tools alike."""

import dataclasses
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from infra.codec import EncryptionCodec
from infra.runtime import sdk_runtime
from infra.settings import Settings
from infra.tracing import client_interceptors
from workflows.visibility import SearchAttributes


def payload_codec(settings: Settings) -> EncryptionCodec:
    return EncryptionCodec(settings.payload_key_ring(), settings.payload_key_id)


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic models in and out (schemas/ cross every boundary unchanged), each payload sealed by the codec.

    Failure messages and stack traces are sealed too (an exception's text can quote the data it choked on):
    Temporal then stores "Encoded failure" and the real text as a sealed payload beside it.
    The worker takes its client's converter; a replayer must be given this one too, or it cannot read
    the histories of encrypted cases.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=payload_codec(settings),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def _tls(settings: Settings) -> TLSConfig | bool:
    """False, True (the system's CAs, as Temporal Cloud with an API key needs), or a TLSConfig with our files.

    The files were checked at start (infra.settings_checks): present, PEM, the key matching the certificate.
    `domain` overrides the name sent as SNI and checked against the server's certificate."""
    if not settings.temporal_tls_enabled:
        return False
    cert, key, ca = settings.temporal_tls_cert, settings.temporal_tls_key, settings.temporal_tls_ca
    if not (cert or ca or settings.temporal_tls_server_name):
        return True
    return TLSConfig(
        client_cert=Path(cert).read_bytes() if cert else None,
        client_private_key=Path(key).read_bytes() if key else None,
        server_root_ca_cert=Path(ca).read_bytes() if ca else None,
        domain=settings.temporal_tls_server_name,
    )


async def connect(settings: Settings) -> Client:
    """The client, with the process's metrics runtime (FOAD_TEMPORAL_METRICS_ADDRESS) and the tracing
    interceptor (FOAD_TRACING) when they are on; a worker built on it inherits both."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        tls=_tls(settings),
        api_key=settings.temporal_api_key,
        runtime=sdk_runtime(settings),
        interceptors=client_interceptors(settings),
    )


async def ensure_search_attributes(client: Client, namespace: str = "default") -> None:
    """Add the search attributes a server lacks: on an existing database the dev server ignores new flags."""
    wanted = {key.name: int(key.indexed_value_type) for key in SearchAttributes.ALL}
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    have = listed.custom_attributes
    clashing = [name for name, kind in wanted.items() if name in have and have[name] != kind]
    if clashing:
        raise RuntimeError(f"search attributes {clashing} exist with another type (on the dev server: make clean)")
    missing = {name: kind for name, kind in wanted.items() if name not in have}
    if missing:
        request = AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        await client.operator_service.add_search_attributes(request)
