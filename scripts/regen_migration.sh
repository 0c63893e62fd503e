#!/usr/bin/env bash
# Until the first release, the schema lives in one initial migration that is regenerated
# from the models. Serialised with flock so that parallel callers do not interleave.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/participation-migration.lock
flock 9
tmp=$(mktemp -d)
rm -f migrations/versions/*.py
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" .venv/bin/flask --app wsgi db migrate \
  --rev-id 0001 -m "initial schema" >/dev/null
.venv/bin/ruff check -q --fix migrations/versions || true
.venv/bin/ruff format -q migrations/versions
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" .venv/bin/flask --app wsgi db upgrade >/dev/null
DATABASE_URL="sqlite:///$tmp/empty.sqlite3" .venv/bin/flask --app wsgi db check
rm -rf "$tmp"
ls migrations/versions
