"""The one place that builds the Temporal client and its data converter, used by the worker, the API, the
replayer and the tools alike."""

import dataclasses
from pathlib import Path

from temporalio.client import Client, TLSConfig
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from foad.codec import EncryptionCodec
from foad.metrics import sdk_runtime
from foad.settings import Settings
from foad.tracing import client_interceptors

WORKFLOW_ID_PREFIX = "complaint-"


def workflow_id(tracking_code: str) -> str:
    return WORKFLOW_ID_PREFIX + tracking_code


class SearchAttributes:
    """The typed custom search attributes every case keeps up to date."""

    STEP = SearchAttributeKey.for_keyword("FoadStep")
    STATUS = SearchAttributeKey.for_keyword("FoadStatus")
    LEVEL = SearchAttributeKey.for_keyword("FoadLevel")
    AGENCY = SearchAttributeKey.for_keyword("FoadAgency")
    PROVINCE = SearchAttributeKey.for_keyword("FoadProvince")
    COUNTY = SearchAttributeKey.for_keyword("FoadCounty")
    INDICATOR = SearchAttributeKey.for_int("FoadIndicator")
    BREACHED = SearchAttributeKey.for_bool("FoadBreached")

    ALL = (STEP, STATUS, LEVEL, AGENCY, PROVINCE, COUNTY, INDICATOR, BREACHED)


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

    The files were checked at start (foad.settings_checks): present, PEM, the key matching the certificate.
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
