"""Server-rendered Persian pages for every role (jinja2, autoescaped), and their static files."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages import audit, citizen, dashboard, notifications, operator, staff
from api.pages.rendering import render_error_page

STATIC = Path(__file__).resolve().parent.parent / "static"


def mount_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (citizen, staff, operator, audit, dashboard, notifications):
        app.include_router(module.router)
    app.state.render_error_page = render_error_page
