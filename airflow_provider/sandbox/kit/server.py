"""The server runner: an app on a free loopback port in a background thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class RunningServer:
    """An app served on loopback; ``url`` has no trailing slash."""

    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def start_server(
    app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning", timeout: float = 10.0
) -> RunningServer:
    """Serve ``app`` with uvicorn in a daemon thread; returns once it accepts connections."""
    import uvicorn

    sock = free_port_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level=log_level, lifespan="off", access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    started = threading.Event()
    original_startup = server.startup

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        started.set()

    server.startup = startup  # type: ignore[method-assign]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"sandbox-{bound_port}"
    )
    thread.start()
    if not started.wait(timeout) or not server.started:
        server.should_exit = True
        raise RuntimeError("sandbox server did not start")
    return RunningServer(url=f"http://{host}:{bound_port}", server=server, thread=thread)


@contextmanager
def serve(app: Any, **kwargs: Any) -> Iterator[RunningServer]:
    """``with serve(app) as server: ...``: the app on a free loopback port for the block."""
    running = start_server(app, **kwargs)
    try:
        yield running
    finally:
        running.stop()
