"""HTTP plumbing: a threading HTTP/1.1 server that hands each request to the `App`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from werkzeug.datastructures import Headers

from .app import App
from .replies import Reply, error_reply

POLL_INTERVAL = 0.05
"""How often the serving loop checks for shutdown, in seconds (keeps `stop` fast)."""


class StandInServer(ThreadingHTTPServer):
    """Listens on `host`:`port` (0: any free port) and serves `app`, set before `start`."""

    daemon_threads = True
    app: App

    def __init__(self, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`http://<host>:<port>` of the listening socket."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": POLL_INTERVAL}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (if started) and close the listening socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    """Reads one request (its body as far as it arrives) and writes the app's reply."""

    server: StandInServer
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Every method goes through the same pipeline."""
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def version_string(self) -> str:
        """The `Server` header GitHub sends."""
        return "GitHub.com"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the app keeps the request log."""

    def _serve(self) -> None:
        app = self.server.app
        headers = Headers(list(self.headers.items()))
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            message = "stand-in: send a Content-Length; chunked request bodies are not supported"
            app.log(self.command, self.path, 411)
            self._send(error_reply(411, message))
            return
        length = int(self.headers.get("Content-Length") or 0)
        fault = app.faults.take(self.command, self.path)
        if fault is not None and fault.code is None:
            self._drop(app, headers, self._read(length // 2))
            return
        body = self._read(length)
        if len(body) < length:
            self._drop(app, headers, body)
            return
        self._send(app.respond(self.command, self.path, headers, body, fault))

    def _read(self, length: int) -> bytes:
        """Up to `length` bytes of body: fewer when the client closes or stalls."""
        try:
            return self.rfile.read(length)
        except TimeoutError:
            return b""

    def _drop(self, app: App, headers: Headers, body: bytes) -> None:
        """Close the connection without replying."""
        app.dropped(self.command, self.path, headers, body)
        self.close_connection = True

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
