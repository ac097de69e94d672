#!/usr/bin/env bash
# `make run` / `make run-embedded` / `make migrate`: choose the database (and Kafka, Redis), say which
# in one line, migrate it, then serve.
#
# Usage: scripts/run.sh <auto|embedded> <serve|migrate> [serve args...]
#   auto       the local services when `make services-up` started them (URLs from .services.env,
#              PostgreSQL running), else the embedded SQLite default
#   embedded   the embedded SQLite default even when the local services run
# A database URL already set in the environment or in .env always wins: it is used as it is,
# with whatever Kafka and Redis settings come with it.
# Expects the environment installed (the Makefile runs `uv sync` first); UV names the uv binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UV="${UV:-uv}"
mode="${1:?usage: scripts/run.sh <auto|embedded> <serve|migrate> [serve args...]}"
command="${2:?usage: scripts/run.sh <auto|embedded> <serve|migrate> [serve args...]}"
shift 2
DB_VAR=CLASS_MANAGEMENT_SERVICE_DATABASE_URL
ENV_FILE=.services.env

say() { printf "make %s: %s\n" "${command/serve/run}" "$*" >&2; }
# a URL without its credentials
where() { sed -E 's#//[^@/]*@#//#' <<<"$1"; }
env_value() { sed -n "s/^$1=//p" "$2" | tail -1; }

services_running() {
    [ -f "$ENV_FILE" ] || return 1
    SERVICES_STATUS="$(scripts/services.sh status 2>/dev/null || true)"
    grep -q '^postgres: running' <<<"$SERVICES_STATUS"
}

if [ -n "${!DB_VAR:-}" ]; then
    say "the database in $DB_VAR ($(where "${!DB_VAR}")), from the environment"
elif grep -qs "^$DB_VAR=" .env; then
    say "the database in $DB_VAR ($(where "$(env_value "$DB_VAR" .env)")), from .env"
elif [ "$mode" = auto ] && services_running; then
    # Every URL from the file that the environment does not set already (CMS_PG_ADMIN_URL is the
    # tests' admin connection, not a setting).
    while IFS='=' read -r key value; do
        case "$key" in CLASS_MANAGEMENT_SERVICE_*) [ -n "${!key:-}" ] || export "$key=$value" ;; esac
    done <"$ENV_FILE"
    stopped="$(sed -n 's/^\(kafka\|redis\): stopped$/\1/p' <<<"$SERVICES_STATUS" | paste -sd, -)"
    say "local services from $ENV_FILE: PostgreSQL $(where "${!DB_VAR}"), Kafka" \
        "${CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS:-off}, Redis" \
        "$(where "${CLASS_MANAGEMENT_SERVICE_REDIS_URL:-off}")${stopped:+ ($stopped stopped: events wait in the outbox)}" \
        "(make run-embedded for SQLite)"
else
    hint="make services-up first to use PostgreSQL, Kafka and Redis"
    [ "$mode" = auto ] || hint="the local services are not used"
    [ ! -f "$ENV_FILE" ] || [ "$mode" = embedded ] || hint="$ENV_FILE exists but PostgreSQL is stopped; make services-up to use it"
    say "embedded SQLite ./var/class_management.db, no Kafka or Redis (events wait in the outbox); $hint"
fi

"$UV" run --frozen --no-sync python -m class_management_service migrate
[ "$command" = serve ] || exit 0
exec "$UV" run --frozen --no-sync python -m class_management_service serve "$@"
