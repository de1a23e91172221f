"""The FractalOps API (example): /healthz and /api/health answer 200.

`python -m fractalops.api` serves it on HOST:PORT (default 0.0.0.0:8000, the
image's); the Tiltfile's `--agent_server` runs it on this machine as the
local agent server.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


ROLE = os.environ.get("FRACTALOPS_ROLE", "api")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path in ("/healthz", "/api/health"):
            body = json.dumps({"status": "ok", "service": ROLE}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, format, *args):  # noqa: A002 - http.server's name
        if not self.path.startswith("/healthz"):  # not every readiness probe
            super().log_message(format, *args)


if __name__ == "__main__":
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"fractalops {ROLE} on http://{host}:{port}/", flush=True)
    server.serve_forever()
