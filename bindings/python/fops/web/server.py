"""The web view of a ``fops up`` session, served by the session itself.

A small HTTP server on 127.0.0.1 (Tilt's port 10350 by default) in a thread
of the ``fops up`` process. It reads the session's :class:`fops.StatusBoard`
(the engine keeps running without the GIL) and asks the engine to trigger,
disable and enable resources. The page is plain HTML, CSS and JavaScript
shipped in this package (``static/``): no CDN, no build step.

Who may use it: only a browser that was given the session's token. The URL
``fops up`` prints carries it (``/?token=...``); the page keeps it and sends
it in an ``X-Fops-Token`` header, and a cookie (named for the port) lets the
browser load the page's own files. Every request without the token is
refused (403), as is one whose Host is not this server's loopback address
(a DNS rebinding page) or whose Origin is another site's. Changes
(trigger, enable) are POSTs that need the header itself, not the cookie, so
a page of another origin cannot make them.

Endpoints: ``/`` the page; ``/api/status`` the status JSON;
``/api/logs?resource=&after=`` buffered lines; ``/api/events`` a
server-sent-events stream (``status`` and ``logs`` events) the page
follows; ``/api/timeline.svg``; POST ``/api/trigger`` and ``/api/enable``
with a JSON body.
"""
from __future__ import annotations

import hmac
import json
import os
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["DEFAULT_PORT", "WebView", "start"]

#: Tilt's web UI port.
DEFAULT_PORT = 10350
STATIC = os.path.join(os.path.dirname(__file__), "static")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
#: Seconds between keep-alive comments on an idle event stream.
_KEEPALIVE = 15.0
#: Status events are sent at most this often (seconds): a chatty build's
#: lines come as one batch.
_MIN_INTERVAL = 0.1


class WebView:
    """A running web view; ``url`` carries the token, ``stop()`` ends it."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread, token: str):
        self._server = server
        self._thread = thread
        self.token = token
        self.port = server.server_address[1]
        #: Where the page is, without the token (what status views show).
        self.address = f"http://127.0.0.1:{self.port}/"
        #: The page's address with its token: what `fops up` prints.
        self.url = f"{self.address}?token={token}"

    def stop(self) -> None:
        """Stops serving; open event streams end."""
        import socket

        self._server.stopping = True
        self._server.board.poke()
        # The server waits in select() with no timeout (an idle session costs
        # nothing): connections wake it until it has seen the shutdown.
        stopper = threading.Thread(target=self._server.shutdown, daemon=True)
        stopper.start()
        while stopper.is_alive():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                pass
            stopper.join(0.05)
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a second session must not share the port


def _handler_class():
    class Handler(BaseHTTPRequestHandler):
        server_version = "fops"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass  # the session's terminal is for its resources

        # -- who may ask ------------------------------------------------------

        def _allowed_hosts(self):
            port = self.server.server_address[1]
            return {f"127.0.0.1:{port}", f"localhost:{port}"}

        def _token(self, query) -> str:
            header = self.headers.get("X-Fops-Token")
            if header:
                return header
            if "token" in query:
                return query["token"][0]
            cookie = self.headers.get("Cookie", "")
            name = f"fops_token_{self.server.server_address[1]}="
            for part in cookie.split(";"):
                part = part.strip()
                if part.startswith(name):
                    return part[len(name):]
            return ""

        def _check(self, query, change: bool) -> bool:
            """True when the request may go on; otherwise it was refused."""
            if self.headers.get("Host", "") not in self._allowed_hosts():
                self._refuse("this page is served to 127.0.0.1 only")
                return False
            origin = self.headers.get("Origin")
            if origin is not None and origin[len("http://"):] not in self._allowed_hosts():
                self._refuse("requests from other sites are refused")
                return False
            token = self.headers.get("X-Fops-Token", "") if change else self._token(query)
            if not token or not hmac.compare_digest(token.encode(), self.server.token.encode()):
                self._refuse("open the address `fops up` printed: it carries the session's token"
                             if not change else "changes need the session's token in X-Fops-Token")
                return False
            return True

        def _refuse(self, why: str) -> None:
            self._send(HTTPStatus.FORBIDDEN, f"403 forbidden: {why}\n".encode(),
                       "text/plain; charset=utf-8")

        # -- answers ------------------------------------------------------------

        def _send(self, status, body: bytes, content_type: str, extra=()) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                             "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
            for name, value in extra:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, text: str, status=HTTPStatus.OK) -> None:
            self._send(status, text.encode(), "application/json")

        def _error(self, status, message: str) -> None:
            self._json(json.dumps({"error": message}), status)

        def do_GET(self):  # noqa: N802 - http.server's name
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if not self._check(query, change=False):
                return
            board = self.server.board
            path = url.path
            if path in ("/", "/index.html"):
                extra = []
                if "token" in query:  # the cookie lets the page load its own files
                    extra.append(("Set-Cookie",
                                  f"fops_token_{self.server.server_address[1]}={self.server.token}; "
                                  "Path=/; HttpOnly; SameSite=Strict"))
                self._file("index.html", extra)
            elif path.startswith("/static/"):
                self._file(path[len("/static/"):])
            elif path == "/api/status":
                self._json(board.snapshot_json())
            elif path == "/api/logs":
                from fops.errors import Error

                try:
                    after = int(query.get("after", ["0"])[0])
                    text = board.logs_json(query.get("resource", [""])[0], after,
                                           int(query.get("limit", ["2000"])[0]))
                except ValueError as exc:
                    self._error(HTTPStatus.BAD_REQUEST, str(exc))
                    return
                except Error as exc:  # an unknown resource
                    self._error(HTTPStatus.NOT_FOUND, str(exc))
                    return
                self._json(text)
            elif path == "/api/timeline.svg":
                from fops import timeline

                svg = timeline.render_svg(json.loads(board.snapshot_json()))
                self._send(HTTPStatus.OK, svg.encode(), "image/svg+xml")
            elif path == "/api/events":
                self._events(int(query.get("after", ["0"])[0] or 0))
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such page: {path}")

        def do_POST(self):  # noqa: N802
            url = urlsplit(self.path)
            if not self._check({}, change=True):
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(min(length, 65536)) or b"{}")
                name = str(body["resource"])
            except (ValueError, KeyError, TypeError):
                self._error(HTTPStatus.BAD_REQUEST, 'expected a JSON body {"resource": NAME}')
                return
            from fops.errors import Error

            try:
                if url.path == "/api/trigger":
                    self.server.session.trigger(name)
                    answer = {"ok": f"triggered {name}"}
                elif url.path == "/api/enable":
                    enabled = bool(body.get("enabled", True))
                    self.server.session.set_enabled(name, enabled)
                    answer = {"ok": f"{'enabled' if enabled else 'disabled'} {name}"}
                else:
                    self._error(HTTPStatus.NOT_FOUND, f"no such action: {url.path}")
                    return
            except Error as exc:
                status = HTTPStatus.NOT_FOUND if exc.code == "NOT_FOUND" else HTTPStatus.CONFLICT
                self._error(status, str(exc))
                return
            self._json(json.dumps(answer))

        def _file(self, name: str, extra=()) -> None:
            base = os.path.realpath(STATIC)
            path = os.path.realpath(os.path.join(base, name))
            if not path.startswith(base + os.sep) or not os.path.isfile(path):
                self._error(HTTPStatus.NOT_FOUND, f"no such file: {name}")
                return
            with open(path, "rb") as f:
                body = f.read()
            self._send(HTTPStatus.OK, body,
                       _TYPES.get(os.path.splitext(path)[1], "application/octet-stream"), extra)

        def _events(self, after: int) -> None:
            """Server-sent events: the status on every change, new log lines."""
            import time

            board = self.server.board
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            seen = -1
            try:
                while not self.server.stopping:
                    version = board.version
                    if version != seen:
                        seen = version
                        self._event("status", board.snapshot_json())
                        while True:  # every new line, in batches
                            logs = json.loads(board.logs_json("", after, 2000))
                            if logs["lines"]:
                                self._event("logs", json.dumps(logs))
                            after = logs["next"]
                            if len(logs["lines"]) < 2000:
                                break
                        if board.finished:
                            self._event("end", "{}")
                            return
                        time.sleep(_MIN_INTERVAL)
                        continue
                    if board.wait_for_change(seen, _KEEPALIVE) == seen and \
                            not self.server.stopping:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page went away

        def _event(self, name: str, data: str) -> None:
            self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())
            self.wfile.flush()

    return Handler


def _bind(port: int):
    return _Server(("127.0.0.1", port), _handler_class())


def start(board, session, port: int = DEFAULT_PORT, out=None) -> "Optional[WebView]":
    """Serves the web view of ``session`` (reading ``board``) on 127.0.0.1.

    ``port`` 0 takes a free port. A port in use is said on ``out`` (stderr)
    and a free one is taken instead; None when none can be had."""
    out = out or sys.stderr
    try:
        server = _bind(port)
    except OSError as exc:
        if port == 0:
            print(f"fops up: no web view: {exc.strerror or exc}", file=out)
            return None
        print(f"fops up: port {port} is in use ({exc.strerror or exc}); "
              "the web view takes a free port instead", file=out)
        try:
            server = _bind(0)
        except OSError as again:
            print(f"fops up: no web view: {again.strerror or again}", file=out)
            return None
    server.board = board
    server.session = session
    server.token = secrets.token_urlsafe(24)
    server.stopping = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": None},
                              name="fops-web", daemon=True)
    thread.start()
    view = WebView(server, thread, server.token)
    board.set_web_url(view.address)
    return view
