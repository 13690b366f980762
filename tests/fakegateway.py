"""A local HTTP server that plays an SMS gateway (the real ones are unreachable from here).

It speaks Kavenegar's documented API (/v1/{key}/sms/send.json, statuslocalmessageid.json, status.json) and a
generic JSON one (/generic/send), and answers from a script: each send takes the next scripted behaviour
("ok", "5xx", "429", "timeout" = answer too late, "accept_then_timeout" = take the message but answer too late,
"reject"), then "ok" when the script runs out.
"""

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class _QuietServer(ThreadingHTTPServer):
    """A "timeout" answer is written after the client gave up on it: the broken pipe is the point, not news."""

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeGateway:
    def __init__(self, api_key: str = "test-key", slow_seconds: float = 1.5) -> None:
        self.api_key = api_key
        self.slow_seconds = slow_seconds
        self.script: deque[str] = deque()
        self.failing_lookups = False  # True: every look-up of a local id answers 500
        self.requests: list[tuple[str, dict[str, str]]] = []  # every call, in order
        self.accepted: dict[str, dict] = {}  # local id -> the message the gateway took
        self.delivered: set[str] = set()  # message ids the handset has confirmed
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def kavenegar_url(self) -> str:
        return f"{self.url}/v1"

    def sends(self) -> list[dict[str, str]]:
        return [params for path, params in self.requests if path.endswith("/send.json") or path == "/generic/send"]

    def __enter__(self) -> "FakeGateway":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take(self, local_id: str, params: dict[str, str]) -> dict:
        with self._lock:
            if local_id in self.accepted:  # Kavenegar: a repeated localid is not sent again
                return self.accepted[local_id]
            self._next_id += 1
            entry = {"messageid": self._next_id, "status": 1, "statustext": "در صف ارسال", **params}
            self.accepted[local_id] = entry
            return entry

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _params(self) -> dict[str, str]:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    return {k: str(v) for k, v in json.loads(raw).items()}
                return {k: v[-1] for k, v in parse_qs(raw).items()}

            def _kavenegar(self, code: int, message: str, entries: list | None = None, **headers: str) -> None:
                self._reply(code, {"return": {"status": code, "message": message}, "entries": entries}, headers)

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                params = self._params()
                gateway.requests.append((path, params))
                generic = path == "/generic/send"
                if not generic and not path.startswith(f"/v1/{gateway.api_key}/sms/"):
                    return self._kavenegar(403, "کلید API معتبر نیست")
                if generic or path.endswith("/send.json"):
                    local_id = self.headers.get("Idempotency-Key") if generic else params.get("localid")
                    return self._send(generic, local_id or "", params)
                if path.endswith("/statuslocalmessageid.json"):
                    if gateway.failing_lookups:
                        return self._kavenegar(500, "خطای سرور")
                    entry = gateway.accepted.get(params.get("localid", ""))
                    found = {"messageid": 0, "localid": params.get("localid"), "status": 100}  # "not found"
                    if entry:
                        found |= {"messageid": entry["messageid"], "status": entry["status"]}
                    return self._kavenegar(200, "تایید شد", [found])
                if path.endswith("/status.json"):
                    message_id = params.get("messageid", "")
                    status = 10 if message_id in gateway.delivered else 4
                    return self._kavenegar(200, "تایید شد", [{"messageid": int(message_id), "status": status}])
                return self._kavenegar(404, "متد پیدا نشد")

            def _send(self, generic: bool, local_id: str, params: dict[str, str]) -> None:
                with gateway._lock:
                    behaviour = gateway.script.popleft() if gateway.script else "ok"
                if behaviour == "5xx":
                    return self._reply(502, {"error": "bad gateway"}) if generic else self._kavenegar(500, "خطای سرور")
                if behaviour == "429":
                    return (
                        self._reply(429, {"error": "slow down"}, {"Retry-After": "1"})
                        if generic
                        else (self._kavenegar(429, "تعداد درخواست بیش از حد مجاز", **{"Retry-After": "1"}))
                    )
                if behaviour == "reject":
                    return (
                        self._reply(400, {"error": "bad receptor"})
                        if generic
                        else self._kavenegar(411, "گیرنده نامعتبر")
                    )
                if behaviour == "timeout":
                    time.sleep(gateway.slow_seconds)
                    return self._reply(504, {"error": "too late"})
                entry = gateway._take(local_id, params)
                if behaviour == "accept_then_timeout":
                    time.sleep(gateway.slow_seconds)
                if generic:
                    return self._reply(200, {"message_id": str(entry["messageid"]), "status": "queued"})
                return self._kavenegar(200, "تایید شد", [entry])

        return Handler


def deliver_inbound(
    callback_url: str, *, flavour: str, mobile: str, text: str, secret: str, message_id: str = "1"
) -> tuple[int, dict]:
    """The gateway hands a citizen's SMS to FOAD's receive callback (`callback_url`, up to .../sms/inbound), as
    Kavenegar does (a form POST of from, to, message, messageid to the URL set in its panel, the secret in that
    URL's query) or as the generic gateway does (JSON with from, text, message_id; the secret as a bearer token).
    Returns the callback's status and JSON answer."""
    import urllib.error
    import urllib.parse
    import urllib.request

    if flavour == "kavenegar":
        url = f"{callback_url}/kavenegar?{urllib.parse.urlencode({'secret': secret})}"
        fields = {"from": mobile, "to": "10004346", "message": text, "messageid": message_id}
        data, headers = urllib.parse.urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    else:
        url = f"{callback_url}/generic"
        data = json.dumps({"from": mobile, "text": text, "message_id": message_id}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
