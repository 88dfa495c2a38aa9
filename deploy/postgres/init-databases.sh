#!/bin/sh
# Runs once, when the postgres:16 entrypoint initialises an empty data directory.
# One database and one owning role per service: the facilitator (nullifiers) cannot read
# the issuer's records (payments and receipts) and vice versa. Each service creates its
# own tables at startup.
# Passwords come from FACILITATOR_DB_PASSWORD and ISSUER_DB_PASSWORD; keep them URL-safe
# (e.g. `openssl rand -hex 24`): they are also written into the services' postgres:// URLs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v facilitator_pw="$FACILITATOR_DB_PASSWORD" -v issuer_pw="$ISSUER_DB_PASSWORD" <<'SQL'
CREATE ROLE facilitator LOGIN PASSWORD :'facilitator_pw';
CREATE DATABASE facilitator OWNER facilitator;
REVOKE ALL ON DATABASE facilitator FROM PUBLIC;
CREATE ROLE issuer LOGIN PASSWORD :'issuer_pw';
CREATE DATABASE issuer OWNER issuer;
REVOKE ALL ON DATABASE issuer FROM PUBLIC;
SQL
