"""Server-rendered Persian pages for every role (jinja2, autoescaped), and their static files."""

from fastapi import FastAPI

from api.pages import audit, citizen, dashboard, evaluation, notifications, operator, public, staff, working_group
from api.pages.assets import STATIC, VersionedStaticFiles, favicon
from api.pages.rendering import render_error_page


def mount_pages(app: FastAPI) -> None:
    app.mount("/static", VersionedStaticFiles(directory=STATIC), name="static")
    app.add_api_route("/favicon.ico", favicon, methods=["GET", "HEAD"], include_in_schema=False)
    for module in (citizen, staff, operator, audit, dashboard, notifications, public, evaluation, working_group):
        app.include_router(module.router)
    app.state.render_error_page = render_error_page
