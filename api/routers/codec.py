"""The remote codec for the Temporal UI: it opens (and seals) payloads for an auditor's browser.

Temporal stores every case's payloads sealed (infra.codec), so its UI shows ciphertext. Pointed at this
endpoint (`temporal server start-dev --ui-codec-endpoint http://<api>/codec`), the UI POSTs the payloads it
shows to `/codec/decode` and the ones a user types to `/codec/encode`, in Temporal's remote codec protocol:
`{"payloads": [{"metadata": {name: base64}, "data": base64}]}`, the namespace in the `X-Namespace` header.
Only an auditor may call it, with the same bearer token as the API; each decode is recorded as an access to
personal data. Browsers reach it from the origins in FOAD_CODEC_CORS_ORIGINS (the UI's), and only this path.
"""

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload

from api.deps import OptionalUser, SessionDep, StaffUser
from api.edge.errors import FieldInvalid, Forbidden, Unauthorized
from api.pages.rendering import staff_user
from api.services.access_log import record_staff_access
from infra.codec import EncryptionCodec, PayloadKeyError
from infra.temporal import payload_codec
from schemas.enums import Role

PREFIX = "/codec"
MAX_PAYLOADS = 1000

router = APIRouter(prefix=PREFIX, tags=["codec"])


async def codec_user(request: Request, bearer: OptionalUser, session: SessionDep) -> StaffUser:
    """An auditor, by bearer token, or by the pages' session cookie: the Temporal UI (with "Include
    cross-origin credentials" on) calls from another port of the same host, carrying the cookie of an auditor
    logged in to FOAD's pages in that browser."""
    user = bearer or await staff_user(request, session)
    if user is None:
        raise Unauthorized("a bearer token or an auditor's page session is required")
    if user.role is not Role.AUDITOR:
        raise Forbidden("only auditors may open sealed payloads")
    return user


CodecUser = Annotated[StaffUser, Depends(codec_user)]


class WirePayload(BaseModel):
    """A Temporal Payload in protobuf's JSON form: bytes as base64 strings."""

    metadata: dict[str, str] = Field(default_factory=dict, description="metadata name -> base64 value")
    data: str = Field(default="", description="base64 of the payload's bytes")


class WirePayloads(BaseModel):
    payloads: list[WirePayload] = Field(default_factory=list, max_length=MAX_PAYLOADS)


def _bytes(value: str, loc: list[str | int]) -> bytes:
    """Strict base64; like protobuf's JSON parser, the URL-safe alphabet and missing padding are accepted."""
    standard = value.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FieldInvalid(loc, "not valid base64", reason_fa="این مقدار base64 درستی نیست.") from exc


def _from_wire(body: WirePayloads) -> list[Payload]:
    payloads = []
    for i, wire in enumerate(body.payloads):
        loc: list[str | int] = ["body", "payloads", i]
        metadata = {name: _bytes(value, [*loc, "metadata", name]) for name, value in wire.metadata.items()}
        payloads.append(Payload(metadata=metadata, data=_bytes(wire.data, [*loc, "data"])))
    return payloads


def _to_wire(payloads: list[Payload]) -> WirePayloads:
    return WirePayloads(
        payloads=[
            WirePayload(
                metadata={name: base64.b64encode(value).decode() for name, value in p.metadata.items()},
                data=base64.b64encode(p.data).decode(),
            )
            for p in payloads
        ]
    )


def get_codec(request: Request) -> EncryptionCodec:
    return request.app.state.payload_codec


CodecDep = Annotated[EncryptionCodec, Depends(get_codec)]
Namespace = Annotated[str | None, Header(alias="X-Namespace", description="The Temporal UI's namespace")]


@router.post(
    "/decode",
    response_model=WirePayloads,
    summary="Open sealed payloads for the Temporal UI (auditors only; recorded as a personal-data access)",
    description="Payloads that are not sealed come back unchanged. A payload sealed with a key the server no "
    "longer holds, or altered, is a 422 naming it.",
)
async def decode(
    body: WirePayloads,
    request: Request,
    user: CodecUser,
    codec: CodecDep,
    session: SessionDep,
    namespace: Namespace = None,
) -> WirePayloads:
    sealed = _from_wire(body)
    opened = []
    for i, payload in enumerate(sealed):
        try:
            opened.append(codec.open(payload))
        except PayloadKeyError as exc:
            raise FieldInvalid(
                ["body", "payloads", i], str(exc), reason_fa="این محموله با کلیدهای موجود باز نمی‌شود."
            ) from exc
    what = f"codec.decode:{namespace or '-'}:{len(opened)}"[:64]
    await record_staff_access(session, request, user, tracking_code=None, what=what)
    return _to_wire(opened)


@router.post(
    "/encode",
    response_model=WirePayloads,
    summary="Seal payloads with the active key, as the worker would (auditors only)",
)
async def encode(body: WirePayloads, user: CodecUser, codec: CodecDep) -> WirePayloads:
    return _to_wire([codec.seal(payload) for payload in _from_wire(body)])


class _CodecCors:
    """CORS for the codec path only: the rest of the API stays same-origin."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"],
            allow_credentials=True,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX + "/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """The codec's router, its key ring and its CORS, on the app (at the root: the UI adds /decode itself)."""
    settings = app.state.settings
    app.state.payload_codec = payload_codec(settings)
    app.include_router(router)
    app.add_middleware(_CodecCors, origins=settings.codec_cors_origins)
