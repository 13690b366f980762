"""SMS gateways behind one interface: Kavenegar's documented HTTP API, and a generic configurable HTTP one.

A gateway only speaks HTTP; what to send when, and never twice, is the dispatcher's job
(sms.dispatch). Each send carries the outbox row's id as the *local id*, so a gateway that keeps
local ids (Kavenegar's `localid`, or a generic gateway that honours `Idempotency-Key`) can tell us what became
of a send whose answer was lost, and refuses to send it twice.
"""

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

FINAL_DELIVERY = frozenset({"delivered", "undelivered", "failed"})


@dataclass(frozen=True)
class OutgoingSms:
    local_id: str
    mobile: str
    body: str


@dataclass(frozen=True)
class GatewayReceipt:
    message_id: str
    delivery_status: str  # queued, sent, delivered, undelivered, failed


class GatewayError(Exception):
    """The gateway refused or failed; `retryable` says whether a later attempt may succeed.

    A GatewayError is only raised when the gateway surely did not accept the message."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class GatewayUnsure(Exception):
    """The request went out but no answer came back: the gateway may have accepted it."""


class SmsGateway(Protocol):
    name: str
    dedupes: bool  # True if the gateway itself refuses a second message with the same local id

    async def send(self, message: OutgoingSms) -> GatewayReceipt: ...

    async def find(self, local_id: str) -> GatewayReceipt | None:
        """What the gateway knows of a local id: its receipt, or None if it never got it or cannot tell."""
        ...

    async def delivery(self, message_id: str) -> str | None:
        """The message's delivery status now, or None if the gateway does not report it."""
        ...

    async def aclose(self) -> None: ...


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


async def _post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """POST, sorting transport failures into 'surely not sent' and 'perhaps sent'."""
    try:
        return await client.post(url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise GatewayError(f"gateway unreachable: {exc!r}", retryable=True) from exc
    except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise GatewayUnsure(f"no answer from the gateway: {exc!r}") from exc


# Kavenegar's message status codes (sms/send, sms/status, sms/statuslocalmessageid).
_KAVENEGAR_STATUS = {
    1: "queued",
    2: "queued",
    4: "sent",
    5: "sent",
    6: "failed",
    10: "delivered",
    11: "undelivered",
    13: "failed",
    14: "failed",
}
# Return codes worth another try later: 409 server busy, 418 out of credit (until topped up), 429 rate limit.
_KAVENEGAR_RETRYABLE = {409, 418, 429}


class KavenegarGateway:
    """https://kavenegar.com/rest.html: POST {base}/{API-KEY}/sms/send.json with receptor, message, sender, localid."""

    name = "kavenegar"
    dedupes = True  # a repeated localid is not sent again; the earlier message is answered instead

    def __init__(self, *, api_key: str, base_url: str, sender: str | None, timeout: float) -> None:
        self._base = f"{base_url.rstrip('/')}/{api_key}/sms"
        self._sender = sender
        self._client = httpx.AsyncClient(timeout=timeout)

    async def _call(self, method: str, data: dict[str, str]) -> list[dict[str, Any]]:
        response = await _post(self._client, f"{self._base}/{method}.json", data=data)
        try:
            body = response.json()
            code = int(body["return"]["status"])
            message = str(body["return"].get("message", ""))
        except (ValueError, KeyError, TypeError):
            code, message, body = response.status_code, response.text[:200], {}
        if code == 200 and response.status_code == 200:
            return list(body.get("entries") or [])
        retryable = code in _KAVENEGAR_RETRYABLE or response.status_code >= 500 or response.status_code == 429
        raise GatewayError(f"kavenegar {code}: {message}", retryable=retryable, retry_after=_retry_after(response))

    @staticmethod
    def _receipt(entry: dict[str, Any]) -> GatewayReceipt:
        return GatewayReceipt(
            message_id=str(entry["messageid"]), delivery_status=_KAVENEGAR_STATUS.get(int(entry["status"]), "sent")
        )

    async def send(self, message: OutgoingSms) -> GatewayReceipt:
        data = {"receptor": message.mobile, "message": message.body, "localid": message.local_id}
        if self._sender:
            data["sender"] = self._sender
        entries = await self._call("send", data)
        if not entries:
            raise GatewayUnsure("kavenegar answered 200 without an entry")
        return self._receipt(entries[0])

    async def find(self, local_id: str) -> GatewayReceipt | None:
        try:
            entries = await self._call("statuslocalmessageid", {"localid": local_id})
        except GatewayError as exc:
            raise GatewayUnsure(str(exc)) from exc
        found = [
            e for e in entries if str(e.get("messageid", "0")) not in ("0", "") and int(e.get("status", 100)) != 100
        ]
        return self._receipt(found[0]) if found else None

    async def delivery(self, message_id: str) -> str | None:
        entries = await self._call("status", {"messageid": message_id})
        return _KAVENEGAR_STATUS.get(int(entries[0]["status"])) if entries else None

    async def aclose(self) -> None:
        await self._client.aclose()


class GenericHttpGateway:
    """Any gateway that takes one POST per message (JSON or form) and answers with a message id.

    The field names are settings; the outbox row's local id goes in the `Idempotency-Key` header, and
    `dedupes` says whether the gateway honours it (only then is a send whose answer was lost tried again)."""

    name = "generic"

    def __init__(
        self,
        *,
        url: str,
        api_key: str | None,
        sender: str | None,
        timeout: float,
        body_format: str,
        to_field: str,
        text_field: str,
        sender_field: str,
        id_field: str,
        status_field: str,
        dedupes: bool,
    ) -> None:
        self._url = url
        self._sender = sender
        self._format = body_format
        self._fields = (to_field, text_field, sender_field)
        self._id_field = id_field
        self._status_field = status_field
        self.dedupes = dedupes
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers)

    async def send(self, message: OutgoingSms) -> GatewayReceipt:
        to_field, text_field, sender_field = self._fields
        payload = {to_field: message.mobile, text_field: message.body}
        if self._sender:
            payload[sender_field] = self._sender
        body = {"json": payload} if self._format == "json" else {"data": payload}
        response = await _post(self._client, self._url, headers={"Idempotency-Key": message.local_id}, **body)
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise GatewayError(
                f"gateway answered {response.status_code}", retryable=True, retry_after=_retry_after(response)
            )
        if response.status_code >= 400:
            raise GatewayError(f"gateway refused: {response.status_code} {response.text[:200]}", retryable=False)
        try:
            answer = response.json()
            message_id = str(answer[self._id_field])
        except (ValueError, KeyError, TypeError) as exc:
            raise GatewayUnsure(f"gateway answered {response.status_code} without `{self._id_field}`") from exc
        status = str(answer.get(self._status_field) or "queued")
        return GatewayReceipt(message_id=message_id, delivery_status=status)

    async def find(self, local_id: str) -> GatewayReceipt | None:
        return None  # a generic gateway has no documented look-up; `dedupes` decides whether to resend

    async def delivery(self, message_id: str) -> str | None:
        return None

    async def aclose(self) -> None:
        await self._client.aclose()
