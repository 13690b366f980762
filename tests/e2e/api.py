"""The HTTP API of the end-to-end stack, on its real port: a citizen who proved a mobile, the demo users, and the
steps of a case (file, wait for a task, read the public view)."""

import re
import uuid
from typing import Any

import httpx
from pydantic import TypeAdapter

from schemas.text import MobileNumber, latin_digits
from tests.e2e.stack import Stack
from tests.factories import PASSWORD, complaint
from tests.polling import eventually


class Api:
    """The HTTP API on its real port, with a token per demo user, logged in once."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self._tokens: dict[str, dict[str, str]] = {}
        self.citizen: dict[str, str] = {}

    def verify_mobile(self, stack: Stack, mobile: str) -> dict[str, str]:
        """The citizen's side of the one-time code: ask for it, read the SMS from the outbox, trade it for a
        token that later anonymous requests carry."""
        sent = self.http.post("/citizen/otp", json={"mobile": mobile})
        assert sent.status_code == 202, sent.text
        [sms] = stack.rows(
            "SELECT body FROM sms_outbox WHERE template = 'otp' AND mobile = :mobile ORDER BY id DESC LIMIT 1",
            mobile=TypeAdapter(MobileNumber).validate_python(mobile),
        )
        code = re.search(r"\d{6}", latin_digits(sms["body"]))
        assert code is not None, sms["body"]
        verified = self.http.post("/citizen/otp/verify", json={"mobile": mobile, "code": code.group()})
        assert verified.status_code == 200, verified.text
        self.citizen = {"Authorization": f"Bearer {verified.json()['access_token']}"}
        return self.citizen

    def close(self) -> None:
        self.http.close()

    def at(self, base_url: str) -> "Api":
        """The same users and citizen on another API process: a token one process signed is good at every other
        (they share FOAD_SECRET_KEY), as behind a load balancer."""
        other = Api(base_url)
        other._tokens, other.citizen = self._tokens, self.citizen
        return other

    def auth(self, username: str) -> dict[str, str]:
        """The Authorization header of a demo user, from POST /auth/token the first time."""
        if username not in self._tokens:
            response = self.http.post("/auth/token", data={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self._tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self._tokens[username]

    def get(self, path: str, user: str | None = None, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, headers=self.auth(user) if user else self.citizen, **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {}) | (self.auth(user) if user else self.citizen)
        return self.http.post(path, headers=headers, **kwargs)

    # --- the steps of a case ----------------------------------------------------------------------

    def file(self, user: str | None = "operator1", **overrides: Any) -> str:
        """Files tests.factories.complaint(**overrides) as `user` (None: the citizen); returns the tracking code."""
        key = f"e2e-{uuid.uuid4()}"
        response = self.post("/complaints", user, json=complaint(**overrides), headers={"Idempotency-Key": key})
        assert response.status_code == 201, response.text
        return response.json()["tracking_code"]

    def open_task(self, user: str, code: str, kind: str, timeout: float = 60.0, **expected: Any) -> dict[str, Any]:
        """The open task of this kind on the case in the user's inbox, once the read model shows it."""

        def probe() -> dict[str, Any] | None:
            response = self.get("/tasks", user)
            assert response.status_code == 200, response.text
            return next(
                (
                    t
                    for t in response.json()
                    if t["tracking_code"] == code
                    and t["kind"] == kind
                    and all(t.get(k) == v for k, v in expected.items())
                ),
                None,
            )

        return eventually(probe, timeout=timeout, what=f"an open {kind} task of {code} in {user}'s inbox {expected}")

    def public(self, code: str) -> dict[str, Any]:
        response = self.get(f"/complaints/{code}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_public(self, code: str, timeout: float = 60.0, **expected: Any) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            found = self.public(code)
            return found if all(found.get(k) == v for k, v in expected.items()) else None

        return eventually(probe, timeout=timeout, what=f"case {code} publicly {expected}")
