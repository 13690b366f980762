"""GET /metrics: Prometheus text format. The API's request metrics, the process's own, and the product gauges.

Open by default, like most exporters, on the assumption that the port is reached only from inside the
cluster; with FOAD_METRICS_TOKEN set it wants `Authorization: Bearer <token>` (Prometheus:
`authorization: {credentials: ...}` in the scrape config). When the database does not answer, the request
metrics are still served with the last product figures, and `foad_product_metrics_age_seconds` grows.
"""

import hmac
import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from api.edge.errors import Unauthorized

router = APIRouter(include_in_schema=False)
log = logging.getLogger("foad.metrics")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    app = request.app
    token = app.state.settings.metrics_token
    if token and not hmac.compare_digest(request.headers.get("authorization", "").encode(), f"Bearer {token}".encode()):
        raise Unauthorized("GET /metrics wants the metrics bearer token")
    try:
        await app.state.product_metrics.refresh(app.state.sessions)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("product metrics not refreshed: %r", exc)
    return Response(generate_latest(app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
