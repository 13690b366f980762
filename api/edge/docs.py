"""The interactive API docs (/docs), served entirely from this app.

FastAPI's own /docs page pulls Swagger UI from a CDN and starts it with an inline script: both break the
Content-Security-Policy of `api.edge.headers` and the rule that no page loads anything from the internet. Here the
Swagger UI files come from the `fastapi-offline` wheel (Swagger UI 5, which reads FastAPI's OpenAPI 3.1; the
`swagger-ui-bundle` wheel holds 4.15, which refuses it), and the start-up script is a static file of ours.
Only the wheel's files are used, not its page, which starts Swagger UI with an inline script.
"""

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
SCRIPT_URL = "/docs/static"
SWAGGER_UI = Path(fastapi_offline.__file__).resolve().parent / "static"
STATIC = Path(__file__).resolve().parent.parent / "static" / "docs"


def docs_page(*, title: str, openapi_url: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} — docs</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="icon" type="image/png" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{SCRIPT_URL}/docs.js"></script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    """Serve /docs from local files; the app must be created with docs_url=None."""
    page = docs_page(title=app.title, openapi_url=app.openapi_url or "/openapi.json")
    app.mount(ASSETS_URL, StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
    app.mount(SCRIPT_URL, StaticFiles(directory=STATIC), name="docs-static")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page)
