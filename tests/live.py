"""A live waitress server for tests that need real HTTP (browser, concurrency, sign-in races), started and stopped
in an order that leaves no thread writing to a closed socket."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from waitress.server import create_server


def serve(app: Flask, threads: int = 8) -> tuple[str, Any, threading.Thread]:
    """Serve the app with waitress on a free loopback port in a daemon thread; (base URL, server, thread). The loop
    checks a stop flag between short polls, so `stop` ends it before any socket is closed."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    server.stopping = threading.Event()

    def run() -> None:
        while not server.stopping.is_set():
            server.asyncore.loop(timeout=0.1, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.effective_port}", server, thread


def stop(server: Any, thread: threading.Thread) -> None:
    """Stop a waitress server in order: its loop, then its request threads, then its sockets (closing the sockets
    first let a request thread write to a closed trigger or the loop poll a closed socket: EBADF in a thread; closing
    only the listener left open connections to the garbage collector: ResourceWarning)."""
    server.stopping.set()
    thread.join(timeout=10)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
    server.asyncore.close_all(server._map)  # the listener, the trigger and every open connection
