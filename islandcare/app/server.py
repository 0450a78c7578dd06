"""The HTTP server of ``islandcare serve``: 127.0.0.1 only, standard library.

:class:`AppServer` (a :class:`http.server.ThreadingHTTPServer`) serves one
:class:`islandcare.app.api.App`; its handler routes each request (the routes
are listed in :mod:`islandcare.app`), reads bodies within
:data:`islandcare.app.api.MAX_BODY`, and answers every mistake as
``{"error": ...}`` JSON with a 4xx status and a bug as a 500, serving on.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import sys
import time
import traceback
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from islandcare.app.api import _EXAMPLE, DOWNLOADS, MAX_BODY, App, HttpError
from islandcare.app.page import app_script
from islandcare.errors import InputError, capped_lines

__all__ = ["DEFAULT_PORT", "HOST", "AppServer", "make_server"]

HOST = "127.0.0.1"
"""The server listens on this address only: the machine itself, never the network."""

DEFAULT_PORT = 8765


class AppServer(ThreadingHTTPServer):
    """The web server of one :class:`App`, on 127.0.0.1.

    Parameters
    ----------
    app
        What to serve.
    port
        TCP port; 0 picks a free one (see :attr:`url`).
    log
        Called with one line per request; None logs nothing.
    """

    daemon_threads = True

    def __init__(self, app: App, *, port: int = DEFAULT_PORT,
                 log: Callable[[str], None] | None = None) -> None:
        self.app, self.log = app, log
        super().__init__((HOST, port), _Handler)

    @property
    def url(self) -> str:
        """The page's address, e.g. ``http://127.0.0.1:8765/``."""
        return f"http://{HOST}:{self.server_address[1]}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Report a failure outside a request's own handling, and go on serving."""
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            traceback.print_exc(file=sys.stderr)


def make_server(app: App, *, port: int = DEFAULT_PORT,
                log: Callable[[str], None] | None = None) -> AppServer:
    """Return the server of ``app`` on 127.0.0.1, bound but not yet serving.

    Call ``serve_forever()`` on it (in a thread if needed), ``shutdown()`` from
    another thread and ``server_close()`` to stop.

    Raises
    ------
    OSError
        If the port is in use or not allowed.
    """
    return AppServer(app, port=port, log=log)


def _static_files() -> dict[str, Path]:
    from islandcare.render.assets import LIB_DIR, LIBRARIES, STATIC_DIR

    return {f"/{LIB_DIR}/{lib.name}/{f}": STATIC_DIR / lib.name / f
            for lib in LIBRARIES for f in lib.files}


_STATIC = _static_files()


class _Handler(BaseHTTPRequestHandler):
    server: AppServer
    server_version = "islandcare"
    timeout = 60  # seconds a client may stall before its connection is dropped

    # --- plumbing -----------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")  # _send leaves the body out for HEAD

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        t0 = time.perf_counter()
        status = 500
        try:
            url = urlsplit(self.path)
            status = self._route(method, url.path, parse_qs(url.query))
        except HttpError as exc:
            status = self._json({"error": exc.message}, exc.status, headers=exc.headers)
        except InputError as exc:
            status = self._json({"error": exc.args[0],
                                 "problems": capped_lines(exc.problems)}, 400)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        except Exception as exc:  # noqa: BLE001 (a bug: answer 500 and keep serving)
            traceback.print_exc(file=sys.stderr)
            status = self._json({"error": f"Unexpected error ({type(exc).__name__}: {exc}). "
                                          "The server keeps running; please report this."}, 500)
        finally:
            if self.server.log:
                ms = (time.perf_counter() - t0) * 1000
                when = time.strftime("%H:%M:%S")
                self.server.log(f"{when} {method} {self.path} {status} {ms:.0f} ms")

    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> int:
        app = self.server.app
        gets: dict[str, Callable[[], int]] = {
            "/": lambda: self._send(app.page, "text/html; charset=utf-8", cache="no-cache"),
            "/app.js": lambda: self._send(app_script(), "text/javascript; charset=utf-8",
                                          cache="no-cache"),
            "/api/info": lambda: self._json(app.info()),
            "/favicon.ico": lambda: self._send(b"", "image/x-icon", status=204),
        }
        posts: dict[str, Callable[[], int]] = {
            "/api/check-site": lambda: self._json(app.check_site(self._json_body())),
            "/api/validate": lambda: self._json(app.validate(*self._upload(),
                                                             crs=query.get("crs", ["wgs84"])[0])),
        }
        for fmt, ctype in DOWNLOADS.items():
            name = f"{app.area.key}-underserved.{fmt}"
            gets[f"/api/underserved.{fmt}"] = functools.partial(  # the bytes read only when asked for
                lambda f, c, n: self._send(app.downloads[f], c,
                                           headers={"Content-Disposition": f'attachment; filename="{n}"'}),
                fmt, ctype, name)
        if path in _STATIC:
            gets[path] = lambda: self._send(_STATIC[path].read_bytes(), _mime(path),
                                            cache="max-age=3600")
        table = gets if method == "GET" else posts
        if path in table:
            return table[path]()
        other = posts if method == "GET" else gets
        if path in other:
            allow = "POST" if method == "GET" else "GET"
            raise HttpError(405, f"{path} answers {allow} only.", headers={"Allow": allow})
        raise HttpError(404, f"Nothing at {path}: the page is at /, the API under /api/.")

    def _send(self, data: bytes, ctype: str, *, status: int = 200, cache: str | None = None,
              headers: dict[str, str] | None = None) -> int:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if cache:
            self.send_header("Cache-Control", cache)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)
        return status

    def _json(self, obj: Any, status: int = 200, *, headers: dict[str, str] | None = None) -> int:
        data = json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return self._send(data, "application/json; charset=utf-8", status=status, cache="no-store",
                          headers=headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors raised by http.server itself (bad request line, unknown method) as JSON."""
        self.close_connection = True
        self.log_message("%s %s %d %s", self.command or "-", getattr(self, "path", "-"), code,
                         message or "")
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        self._json({"error": message or explain or phrase}, code)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # _dispatch logs one line per request, with its time

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log:
            self.server.log(f"{time.strftime('%H:%M:%S')} {format % args}")

    # --- request bodies -----------------------------------------------------------

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            raise HttpError(411, "Send the body with a Content-Length header.")
        try:
            n = int(length)
        except ValueError:
            raise HttpError(400, f"Content-Length {length!r} is not a number.") from None
        if n < 0:
            raise HttpError(400, f"Content-Length {n} is negative.")
        if n > MAX_BODY:
            self._discard(n)
            raise HttpError(413, f"The request is {n / 1024 / 1024:.1f} MB: the limit is "
                                 f"{MAX_BODY // 1024 // 1024} MB. Split the table or leave out "
                                 "unused columns.")
        return self.rfile.read(n)

    def _discard(self, n: int) -> None:
        """Read and drop a refused body, so the client sees the answer (up to 1 s of waiting)."""
        self.close_connection = True
        if n > 20 * MAX_BODY:
            return
        self.connection.settimeout(1.0)
        try:
            while n > 0:
                chunk = self.rfile.read(min(n, 1 << 16))
                if not chunk:
                    break
                n -= len(chunk)
        except (TimeoutError, ConnectionError):
            pass

    def _json_body(self) -> Any:
        body = self._body()
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            msg = f"The request is not valid JSON ({exc}). Send {_EXAMPLE}."
            raise HttpError(400, msg) from None

    def _upload(self) -> tuple[str, bytes]:
        """(file name, bytes) of an uploaded table: multipart field ``file``, or the raw body."""
        ctype = self.headers.get("Content-Type", "")
        body = self._body()
        if ctype.lower().startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
            if msg.is_multipart():
                for part in msg.iter_parts():
                    filename = part.get_filename()
                    if filename:
                        payload = part.get_payload(decode=True)
                        return filename, payload if isinstance(payload, bytes) else b""
            raise HttpError(400, "The form holds no file: send the table in a file field.")
        name = unquote(self.headers.get("X-Filename", "")).strip()
        if not name:
            raise HttpError(400, "Name the file in an X-Filename header (its suffix tells the "
                                 "format: .csv, .xlsx or .geojson), or send a multipart form.")
        return name, body


def _mime(path: str) -> str:
    if path.endswith(".js"):
        return "text/javascript; charset=utf-8"
    if path.endswith(".css"):
        return "text/css; charset=utf-8"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"
