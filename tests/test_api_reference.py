"""Reference data for forms, the OpenAPI page, and the error shape of a path that does not exist."""

from tests.apiutil import http, make_app


async def test_units_filter_by_agency_level_and_county(seeded):
    async with http(make_app(sessions=seeded)) as client:
        response = await client.get("/units", params={"agency_id": "sso", "county_code": "IR-26-takestan"})
        assert response.status_code == 200
        [unit] = response.json()
        assert (unit["id"], unit["level"], unit["parent_id"]) == ("sso-qazvin-takestan", "county", "sso-qazvin")
        assert unit["province_code"] == "IR-26" and unit["level_fa"] == "شهرستانی"
        national = (await client.get("/units", params={"level": "national"})).json()
        assert {u["agency_id"] for u in national} >= {"sso", "nigc", "tavanir"}
        assert all(u["parent_id"] is None for u in national)
        assert (await client.get("/units", params={"level": "village"})).status_code == 422


async def test_agencies_and_indicators_are_listed(seeded):
    async with http(make_app(sessions=seeded)) as client:
        agencies = (await client.get("/agencies")).json()
        indicators = (await client.get("/indicators")).json()
    assert "sso" in {a["id"] for a in agencies}
    assert [i["number"] for i in indicators] == list(range(1, 9))
    assert indicators[6]["label_fa"].startswith("عدم حضور")


async def test_openapi_lists_the_api_and_unknown_paths_use_the_error_shape(seeded):
    app = make_app(sessions=seeded)
    async with http(app) as client:
        spec = (await client.get("http://foad.test/openapi.json")).json()
        assert "/api/v1/complaints" in spec["paths"] and "/api/v1/cases/{tracking_code}/replay" in spec["paths"]
        assert (await client.get("http://foad.test/docs")).status_code == 200
        missing = await client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
