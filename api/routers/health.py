"""/healthz and /readyz: outside /api/v1 and outside auth, for load balancers and Kubernetes probes.

/healthz answers 200 while the process runs (no I/O: a liveness probe must not fail because a dependency
did). /readyz answers 200 when Temporal and the database both answer within FOAD_READINESS_TIMEOUT_SECONDS,
else 503 naming the one that did not (infra.health). Neither writes an access-log line (infra.logs).
"""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import EngineDep, SessionsDep, SettingsDep
from infra.health import LIVE, database_check, readiness, temporal_check

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse(LIVE)


@router.get("/readyz")
async def readyz(settings: SettingsDep, engine: EngineDep, sessions: SessionsDep) -> JSONResponse:
    timeout = settings.readiness_timeout_seconds
    checks = {"temporal": temporal_check(engine.client, timeout), "database": database_check(sessions)}
    ready, body = await readiness(checks, timeout=timeout)
    return JSONResponse(body, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"})
