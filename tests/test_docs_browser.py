"""/docs in a real headless Chromium, under the app's own strict CSP: Swagger UI starts and shows every
operation, which it cannot do if the policy blocks a script or the schema, or if an asset is missing.

Skipped where no Chromium is installed; the asset checks in test_http_edge.py run everywhere.
"""

import os
import re
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from cli.devstack import free_port, port_open, stop
from tests import ROOT

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_docs_render_every_operation_in_a_browser_under_the_csp(tmp_path):
    port = free_port()
    env = os.environ | {"FOAD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'foad.db'}", "FOAD_ENVIRONMENT": "test"}
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"]
    api = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", port):
            assert api.poll() is None and time.monotonic() < deadline, "the API did not start"
            time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/docs"
        assert "script-src 'self'" in httpx.get(url).headers["content-security-policy"]
        browser = [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--user-data-dir=" + str(tmp_path / "chromium"),
        ]
        browser += ["--virtual-time-budget=15000", "--dump-dom", url]
        dom = subprocess.run(browser, capture_output=True, text=True, timeout=120).stdout
        operations = set(re.findall(r'data-path="([^"]+)"', dom))
        paths = set(httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["paths"])
        assert operations == paths, dom[-2000:]
    finally:
        stop(api)
