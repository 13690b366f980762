#!/bin/sh
# compose.yaml's PostgreSQL, on its first start (an empty volume): a role and a database for FOAD's read model, and
# a role for Temporal, which creates its own databases (temporal, temporal_visibility). Neither is a superuser.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v foad_password="$FOAD_DB_PASSWORD" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE foad LOGIN PASSWORD :'foad_password';
CREATE DATABASE foad OWNER foad;
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
