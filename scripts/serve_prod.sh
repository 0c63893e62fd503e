#!/usr/bin/env bash
# `make serve-prod`: the production stack on this machine, to try it out.
#
# PostgreSQL (127.0.0.1:5432, user postgres, trust authentication) and Redis (127.0.0.1:6379)
# are started if they are not running. The database participation_prod is created if
# missing and migrated; an empty database gets the demo data. gunicorn (docs/gunicorn.conf.py)
# serves http://127.0.0.1:8000 with the production profile, and the outbox worker runs next
# to it. Ctrl-C stops both.
#
# The secret key is generated once and kept in instance/production-secret-key (gitignored),
# so that sessions survive a restart. Mail is written to the worker's log (MAIL_BACKEND=log)
# unless MAIL_SERVER is set, e.g. MAIL_SERVER=127.0.0.1 MAIL_PORT=1025 make serve-prod for a
# local test SMTP server. Plain HTTP on 127.0.0.1: the cookies are not marked Secure here
# and staff need no two-factor setup (REQUIRE_TWO_FACTOR_FOR_STAFF=true to try it).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
DATABASE=participation_prod

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/serve-prod.log
  for _ in $(seq 1 10); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" \
    | grep -q 1; then
  echo "creating the database $DATABASE"
  createdb -h 127.0.0.1 -U postgres "$DATABASE"
fi

mkdir -p instance
KEY_FILE=instance/production-secret-key
if [ ! -s "$KEY_FILE" ]; then
  (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_hex(32))' > "$KEY_FILE")
  echo "generated a secret key in $KEY_FILE"
fi

export PARTICIPATION_ENV=production
export FLASK_APP=wsgi.py
export SECRET_KEY="$(cat "$KEY_FILE")"
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DATABASE"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export BASE_URL="${BASE_URL:-http://127.0.0.1:$PORT}"
export GUNICORN_BIND="127.0.0.1:$PORT"
export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}"
export REQUIRE_TWO_FACTOR_FOR_STAFF="${REQUIRE_TWO_FACTOR_FOR_STAFF:-false}"
export DEMO_DATA_ALLOWED=true
if [ -n "${MAIL_SERVER:-}" ]; then
  export MAIL_BACKEND="${MAIL_BACKEND:-smtp}"
else
  export MAIL_BACKEND="${MAIL_BACKEND:-log}"
fi
export PYTHONUNBUFFERED=1

"$BIN/flask" db upgrade
if [ "$(psql -h 127.0.0.1 -U postgres -d "$DATABASE" -tAc 'SELECT count(*) FROM users')" = "0" ]; then
  "$BIN/flask" demo load
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  echo "stopped"
}
trap stop INT TERM EXIT

"$BIN/gunicorn" --config docs/gunicorn.conf.py wsgi:app &
pids+=($!)
"$BIN/flask" outbox work &
pids+=($!)
echo "serving http://127.0.0.1:$PORT (production profile, mail: $MAIL_BACKEND); Ctrl-C stops"
# Whichever ends first (or Ctrl-C) stops the other.
wait -n "${pids[@]}" || true
