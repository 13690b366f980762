"""The referral registry: seeded from refdata, listed for the forms, edited by the centre admin alone, and the
admin's changes survive a rerun of the seed."""

from cli.seed import seed
from database.models import ReferralTargetRow
from tests import REFDATA
from tests.apiutil import http, login, make_app

INSPECTION = {"name_fa": "سازمان بازرسی کل کشور", "phone": "136", "handles_fa": "گزارش فساد و رشوه"}


async def test_the_seeded_registry_lists_where_out_of_scope_contacts_go(seeded):
    async with http(make_app(sessions=seeded)) as client:
        targets = {t["id"]: t for t in (await client.get("/referral-targets")).json()}
    assert {"inspection-136", "judiciary", "emergency-115"} <= set(targets)
    assert targets["inspection-136"]["name_fa"] == "سازمان بازرسی کل کشور" and targets["inspection-136"]["phone"]
    assert targets["emergency-115"]["phone"] == "115"
    assert all(t["phone"] or t["address_fa"] for t in targets.values())


async def test_the_admin_adds_changes_and_retires_an_entry_and_the_seed_keeps_it(seeded):
    async with http(make_app(sessions=seeded)) as client:
        admin = await login(client, "admin")
        added = await client.put(
            "/admin/referral-targets/ombudsman",
            headers=admin,
            json={"name_fa": "دیوان عدالت اداری", "address_fa": "نزدیک‌ترین دفتر خدمات الکترونیک قضایی"},
        )
        assert added.status_code == 200, added.text
        changed = await client.put(
            "/admin/referral-targets/inspection-136", headers=admin, json=INSPECTION | {"phone": "۱۳۶", "active": False}
        )
        assert changed.status_code == 200 and changed.json()["active"] is False
        listed = {t["id"] for t in (await client.get("/referral-targets")).json()}
        assert "ombudsman" in listed and "inspection-136" not in listed  # retired from new referrals
        everything = {t["id"] for t in (await client.get("/admin/referral-targets", headers=admin)).json()}
        assert "inspection-136" in everything

    await seed(seeded, REFDATA)  # `make run` seeds at every start
    async with seeded() as session:
        kept = await session.get(ReferralTargetRow, "inspection-136")
    assert (kept.active, kept.phone) == (False, "۱۳۶")


async def test_only_the_admin_edits_and_an_entry_needs_a_way_to_reach_it(seeded):
    async with http(make_app(sessions=seeded)) as client:
        senior = await login(client, "sso-senior")
        refused = await client.put("/admin/referral-targets/x-target", headers=senior, json=INSPECTION)
        assert refused.status_code == 403
        admin = await login(client, "admin")
        unreachable = await client.put("/admin/referral-targets/x-target", headers=admin, json={"name_fa": "جایی"})
        assert unreachable.status_code == 422 and unreachable.json()["error"]["message_fa"]
        bad_id = await client.put("/admin/referral-targets/Bad%20Id", headers=admin, json=INSPECTION)
        assert bad_id.status_code == 422
