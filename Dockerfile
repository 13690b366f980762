# FOAD 128: one image for every process. The command picks the role (compose.yaml, deploy/kubernetes.md):
#   foad-api       the HTTP API and pages (uvicorn on FOAD_API_HOST:FOAD_API_PORT, FOAD_API_WORKERS processes)
#   foad-worker    the Temporal worker
#   foad-migrate   database migrations, search attributes and Schedules (once per release, before the others)
#   foad-seed      reference data (--no-demo-users in production)
#   foad-check     is Temporal reachable and the database migrated? (an init container, or by hand)
# Every command checks the FOAD_* settings first and exits with status 2, one line per problem, if they are wrong.
#
# No HEALTHCHECK here: the same image runs one-shot jobs, which serve nothing, and the API and the worker on
# different ports (the worker's /healthz only with FOAD_WORKER_HEALTH_ADDRESS). Each role's probes are declared
# where it is deployed (compose.yaml, the Kubernetes Deployments).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FOAD_ENVIRONMENT=production \
    FOAD_API_HOST=0.0.0.0 \
    FOAD_API_PORT=8000

WORKDIR /app

# The dependencies first, in a layer of their own (no test extras): a change to the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib as t; print(*t.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself; alembic.ini, migrations/ and refdata/ stay in /app, the working directory of every command.
COPY . .
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin foad

USER foad
EXPOSE 8000
CMD ["foad-api"]
