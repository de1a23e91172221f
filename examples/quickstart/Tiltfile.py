# The fops quickstart: build a small static site, serve it, wait until it
# answers, smoke it. Works on a fresh machine: it needs only python3.
#
#   fops ci -f examples/quickstart/Tiltfile.py          # what `make demo` runs
#   fops up -f examples/quickstart/Tiltfile.py          # keep serving; Ctrl-C stops
#   fops up -f examples/quickstart/Tiltfile.py -- --port 8080
#   fops plan -f examples/quickstart/Tiltfile.py        # the commands, in order
from fops.tiltfile import *  # optional: the fops command provides these names

import socket

config.define_string("port", usage="port to serve the site on (default: a free one)")
cfg = config.parse()


def free_port():
    """A port nothing listens on, so the demo never collides with a running server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = int(cfg.get("port") or free_port())
url = f"http://127.0.0.1:{port}"

# Unit tests of the site generator; runs in parallel with the build. No
# bytecode is written: nothing may appear inside a watched tree.
local_resource("unit", cmd="python3 -m unittest -q test_build_site", dir="app",
               deps=["app"], ignore=["**/__pycache__"], env={"PYTHONDONTWRITEBYTECODE": "1"},
               labels=["test"])

# The build: content/ -> dist/ (outside every watched path, and ignored by git).
local_resource("site", cmd=["python3", "app/build_site.py", "content", "dist"],
               deps=["app/build_site.py", "content"], labels=["build"])

# The server, ready when it answers GET /healthz.txt.
local_resource(
    "web",
    serve_cmd=["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", "dist"],
    resource_deps=["site"],
    readiness_probe=probe(http_get=http_get_action(port, path="/healthz.txt"),
                          timeout_secs=2, period_secs=1),
    links=[link(url, "site")],
    labels=["serve"],
)

# The smoke: every page answers and links where it should.
local_resource("smoke", cmd=["python3", "smoke.py", url], resource_deps=["web", "unit"],
               timeout=30, labels=["test"])
