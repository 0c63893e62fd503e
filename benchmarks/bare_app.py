"""The baseline: a bare Flask app that answers each captured GET route with the very bytes
the real application sent, from memory. Run under the same gunicorn settings as the real
app, its figures show what HTTP, gunicorn and Flask alone cost on this machine.

`BENCH_RESPONSES` names a pickle of {path: (status, content_type, body_bytes)} written by
benchmarks/discussion.py.
"""

import os
import pickle

from flask import Flask, Response, abort, request

with open(os.environ["BENCH_RESPONSES"], "rb") as fh:
    RESPONSES: dict[str, tuple[int, str, bytes]] = pickle.load(fh)  # noqa: S301  (written by this run)

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def captured(path: str):
    found = RESPONSES.get(request.full_path.rstrip("?"))
    if found is None:
        abort(404)
    status, content_type, body = found
    return Response(body, status=status, content_type=content_type)
