"""Staff accounts: the admin creates, disables and resets them; repeated failures lock an account."""

import subprocess
import sys

from database.models import LoginFailure
from tests import ROOT
from tests.apiutil import http, login, make_app
from tests.factories import PASSWORD

NEW = {
    "username": "sso-karaj",
    "full_name": "هماهنگ‌کننده کرج",
    "role": "unit_coordinator",
    "agency_id": "sso",
    "unit_ids": ["sso-qazvin-takestan"],
}


async def _client(sessions, **settings):
    return http(make_app(sessions=sessions, **settings), citizen=None)


async def test_admin_creates_an_account_that_can_log_in_with_the_password_shown_once(seeded):
    async with await _client(seeded) as api:
        admin = await login(api, "admin")
        created = await api.post("/users", json=NEW, headers=admin)
        assert created.status_code == 201, created.text
        password = created.json()["password"]
        assert created.json()["unit_ids"] == ["sso-qazvin-takestan"] and len(password) >= 12
        me = await api.get("/auth/me", headers=await login(api, "sso-karaj", password))
        assert me.json()["role"] == "unit_coordinator"
        listed = await api.get("/users", headers=admin)
        assert "password" not in listed.text and "sso-karaj" in {u["username"] for u in listed.json()}


async def test_bad_accounts_are_refused_with_the_field(seeded):
    async with await _client(seeded) as api:
        admin = await login(api, "admin")
        cases = [
            (NEW | {"username": "sso-senior"}, 409, None),
            (NEW | {"agency_id": None}, 422, "body.agency_id"),
            (NEW | {"unit_ids": ["nigc-qazvin-takestan"]}, 422, "body.unit_ids"),
            (NEW | {"role": "citizen"}, 422, "body.role"),
            (NEW | {"password": "short"}, 422, "body.password"),
        ]
        for body, status, field in cases:
            response = await api.post("/users", json=body, headers=admin)
            assert response.status_code == status, (body, response.text)
            if field:
                assert response.json()["error"]["details"][0]["field"] == field


async def test_only_the_admin_manages_accounts(seeded):
    async with await _client(seeded) as api:
        auditor = await login(api, "auditor")
        assert (await api.post("/users", json=NEW, headers=auditor)).status_code == 403
        assert (await api.post("/users/operator1/disable", headers=auditor)).status_code == 403


async def test_a_disabled_account_is_shut_out_at_once_and_enabled_again(seeded):
    async with await _client(seeded) as api:
        admin = await login(api, "admin")
        operator = await login(api, "operator1")
        assert (await api.post("/users/operator1/disable", headers=admin)).json()["active"] is False
        assert (await api.get("/auth/me", headers=operator)).status_code == 401
        assert (await api.post("/auth/token", data={"username": "operator1", "password": PASSWORD})).status_code == 401
        await api.post("/users/operator1/enable", headers=admin)
        assert (await api.get("/auth/me", headers=await login(api, "operator1"))).status_code == 200
        assert (await api.post("/users/admin/disable", headers=admin)).status_code == 409
        assert (await api.post("/users/nobody/disable", headers=admin)).status_code == 404


async def test_repeated_failures_delay_that_address_until_the_admin_resets_it(seeded):
    async with await _client(seeded, login_max_failures=3) as api:
        wrong = {"username": "operator1", "password": "not-the-password"}
        answers = [(await api.post("/auth/token", data=wrong)).status_code for _ in range(3)]
        assert answers == [401, 401, 401]
        delayed = await api.post("/auth/token", data={"username": "operator1", "password": PASSWORD})
        assert delayed.status_code == 429 and delayed.json()["error"]["code"] == "login_delayed"
        assert 1 <= int(delayed.headers["Retry-After"]) <= 6
        admin = await login(api, "admin")
        listed = {u["username"]: u for u in (await api.get("/users", headers=admin)).json()}
        assert listed["operator1"]["locked"] is True
        seen = (await api.get("/users/login-failures", headers=admin)).json()
        assert [(f["username"], f["client"], f["failures"]) for f in seen] == [("operator1", "127.0.0.1", 3)]
        assert seen[0]["blocked_until"] is not None
        reset = await api.post(
            "/users/operator1/reset-password", json={"password": "a-brand-new-password"}, headers=admin
        )
        assert reset.status_code == 200 and reset.json()["password"] is None and reset.json()["locked"] is False
        assert (await api.get("/users/login-failures", headers=admin)).json() == []
        assert (
            await api.get("/auth/me", headers=await login(api, "operator1", "a-brand-new-password"))
        ).status_code == 200


async def test_a_right_password_resets_the_failure_count(seeded):
    async with await _client(seeded, login_max_failures=3) as api:
        wrong = {"username": "operator1", "password": "not-the-password"}
        for _ in range(2):
            await api.post("/auth/token", data=wrong)
        await login(api, "operator1")
        assert (await api.post("/auth/token", data=wrong)).status_code == 401
    async with seeded() as session:
        failure = await session.get(LoginFailure, ("operator1", "127.0.0.1"))
        assert failure.failures == 1


def test_the_command_line_creates_disables_and_resets_accounts(tmp_path):
    database = f"sqlite+aiosqlite:///{tmp_path / 'users.db'}"
    env = {"FOAD_DATABASE_URL": database, "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True)

    assert run("-m", "alembic", "upgrade", "head").returncode == 0
    assert run("-m", "cli.seed").returncode == 0
    created = run("-m", "cli.users", "create", "centre-auditor", "--full-name", "حسابرس مرکز", "--role", "auditor")
    assert created.returncode == 0, created.stderr
    assert "password (shown once)" in created.stdout
    assert run("-m", "cli.users", "disable", "centre-auditor").returncode == 0
    assert "centre-auditor\tauditor\t-\tdisabled" in run("-m", "cli.users", "list").stdout
    reset = run("-m", "cli.users", "reset", "centre-auditor")
    assert reset.returncode == 0 and "new password" in reset.stdout
    refused = run("-m", "cli.users", "create", "x-coordinator", "--full-name", "هماهنگ", "--role", "unit_coordinator")
    assert refused.returncode == 1 and "agency" in refused.stderr
