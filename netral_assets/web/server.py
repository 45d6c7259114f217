"""Serving the app with uvicorn: in the foreground (`netral serve`) or in a background thread on a
free loopback port (tests and benchmarks use the real server, not a fake).

uvicorn closes idle keep-alive connections but never one whose request is still arriving: a client
that sends half its headers, or a body one byte at a time, holds a socket forever, and a few hundred of
them exhaust the file descriptors. `GuardedH11` is uvicorn's own h11 protocol with deadlines: a
request's headers must arrive within HEADER_TIMEOUT_SECONDS of its first byte (or of the connection),
its body within BODY_TIMEOUT_SECONDS; past MAX_CONNECTIONS open connections a new one is closed at once.
Refusals are logged once a minute as a count (`RefusalLog`), never per connection, and never with the
client's address. The access log carries no query strings and no addresses (`PrivateAccessLog`).
"""

from __future__ import annotations

import logging
import resource
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..defaults import BODY_TIMEOUT_SECONDS, HEADER_TIMEOUT_SECONDS, KEEP_ALIVE_SECONDS, MAX_CONNECTIONS

log = logging.getLogger("netral.web")


class RefusalLog:
    """Counts refusals and logs them at most once per `every` seconds, as one line per reason."""

    def __init__(self, every: float = 60.0, clock=time.monotonic):
        self.every = every
        self.counts: dict[str, int] = {}
        self.total: dict[str, int] = {}
        self._last = -every
        self._clock = clock
        self._lock = threading.Lock()

    def add(self, reason: str) -> None:
        with self._lock:
            self.counts[reason] = self.counts.get(reason, 0) + 1
            self.total[reason] = self.total.get(reason, 0) + 1
            now = self._clock()
            if now - self._last < self.every:
                return
            self._last = now
            counts, self.counts = self.counts, {}
        for what, n in sorted(counts.items()):
            log.warning("closed %d connection(s): %s (logged at most once a minute)", n, what)


refusals = RefusalLog()


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with deadlines for a request's headers and body, and a connection cap."""

    header_timeout: float = HEADER_TIMEOUT_SECONDS
    body_timeout: float = BODY_TIMEOUT_SECONDS
    max_connections: int = MAX_CONNECTIONS

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._deadline = None
        self._phase = None
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            refusals.add(f"more than {self.max_connections} open connections")
            transport.close()
            return
        self._arm("headers")

    def _arm(self, phase: str | None) -> None:
        if self._phase == phase:
            return
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = phase
        if phase is not None:
            timeout = self.header_timeout if phase == "headers" else self.body_timeout
            self._deadline = self.loop.call_later(timeout, self._expired)

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        refusals.add(f"request {self._phase} not received within "
                     f"{self.header_timeout if self._phase == 'headers' else self.body_timeout:g} s")
        self.transport.close()

    def _follow(self) -> None:
        """Arm the deadline the client's side of the request is in."""
        state = self.conn.their_state
        if state is h11.IDLE:
            # A new request: its headers run from its first byte (the keep-alive timer covers the wait).
            self._arm("headers")
        elif state is h11.SEND_BODY:
            self._arm("body")
        else:
            self._arm(None)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.transport.is_closing():
            self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm(None)  # idle now: uvicorn's keep-alive timer closes it; the next byte re-arms

    def connection_lost(self, exc) -> None:
        self._arm(None)
        super().connection_lost(exc)


class PrivateAccessLog(logging.Filter):
    """The access log without the query string (it may carry a person's name) or the client's address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _, method, path, version, status = record.args
            record.args = ("-", method, str(path).split("?", 1)[0], version, status)
        return True


def private_access_log() -> None:
    """The access log of this process without addresses or query strings (every worker calls it)."""
    access = logging.getLogger("uvicorn.access")
    if _ACCESS_FILTER not in access.filters:
        access.addFilter(_ACCESS_FILTER)


def _config(app, host: str, port: int, log_level: str, **extra) -> uvicorn.Config:
    private_access_log()
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, server_header=False,
                          proxy_headers=True, timeout_keep_alive=KEEP_ALIVE_SECONDS, http=GuardedH11, **extra)


_ACCESS_FILTER = PrivateAccessLog()


def _more_files() -> None:
    """Raise the soft limit of open files to the hard one (often 1024 -> 524288): MAX_CONNECTIONS, not
    the descriptors, is what refuses connections."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    except (ValueError, OSError):
        pass


def run(app, host: str = "127.0.0.1", port: int = 8000) -> None:
    _more_files()
    uvicorn.Server(_config(app, host, port, "info")).run()


def run_workers(factory: str, host: str, port: int, workers: int) -> None:
    """`workers` processes on one socket, each building the app with `factory` ("module:function")."""
    _more_files()
    config = _config(factory, host, port, "info", factory=True, workers=workers)
    sock = config.bind_socket()
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[sock]).run()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextmanager
def background_server(app, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Run `app` on uvicorn in a thread; yields its base URL and stops it on exit."""
    port = port or free_port(host)
    server = uvicorn.Server(_config(app, host, port, "warning"))
    thread = threading.Thread(target=server.run, name="netral-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
