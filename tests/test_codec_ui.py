"""The Temporal UI that `make run` starts reaches the codec whatever --ui-port is: the dev server is told the
codec endpoint (its UI announces it), and the API that `make run` starts admits that UI's origin (CORS)."""

import json
import time
import urllib.request

import httpx

from cli.devstack import api_environment, free_port, start_dev_server, stop
from infra.settings import Settings
from tests.apiutil import api_settings, make_app


def test_make_run_admits_the_ui_on_its_own_port_besides_the_configured_origins(monkeypatch):
    monkeypatch.delenv("FOAD_CODEC_CORS_ORIGINS", raising=False)
    env = api_environment(Settings(), ui_port=18555)
    origins = json.loads(env["FOAD_CODEC_CORS_ORIGINS"])
    assert "http://localhost:18555" in origins and "http://127.0.0.1:18555" in origins
    assert "http://localhost:8233" in origins, "the configured origins stay"
    assert "FOAD_CODEC_CORS_ORIGINS" not in api_environment(Settings(), ui_port=None), "no local UI: as configured"


async def test_the_api_started_that_way_answers_the_uis_preflight(sessions, monkeypatch):
    monkeypatch.delenv("FOAD_CODEC_CORS_ORIGINS", raising=False)
    origins = json.loads(api_environment(Settings(), ui_port=18555)["FOAD_CODEC_CORS_ORIGINS"])
    app = make_app(sessions=sessions, codec_cors_origins=origins)
    preflight = {
        "Origin": "http://localhost:18555",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost:8000") as client:
        response = await client.options("/codec/decode", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:18555"
    assert response.headers["access-control-allow-credentials"] == "true"
    assert api_settings().codec_cors_origins != origins, "the default alone would refuse this UI"


def test_the_dev_servers_ui_announces_the_codec_endpoint(tmp_path):
    port, ui_port = free_port(), free_port()
    codec = "http://localhost:18000/codec"
    server = start_dev_server(tmp_path / "temporal", port, ui_port, codec_endpoint=codec)
    try:
        deadline, settings = time.monotonic() + 60, None
        while settings is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/api/v1/settings", timeout=2) as answer:
                    settings = json.load(answer)
            except OSError:
                assert time.monotonic() < deadline, "the UI did not answer within 60 s"
                time.sleep(0.5)
    finally:
        stop(server)
    assert settings["Codec"]["Endpoint"] == codec
