"""
The running fleet's control socket (``<root>/fleet.sock``, a Unix socket only its owner can
reach): one JSON request per connection, one JSON answer.

``python cluster/fleet.py restart scheduler --root <dir>`` sends ``{"command": "restart",
"component": "scheduler"}``; the commands are ``status``, ``restart``, ``stop`` and ``start``.
"""

from __future__ import annotations

import json
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

COMMANDS = ("status", "restart", "stop", "start")


def socket_path(root: Path) -> Path:
    return root / "fleet.sock"


class ControlServer:
    """Serves ``handle(request) -> answer`` on the fleet's socket, in a background thread."""

    def __init__(self, root: Path, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.path = socket_path(root)
        self.path.unlink(missing_ok=True)
        outer = handle

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                try:
                    request = json.loads(self.rfile.readline() or b"{}")
                    answer = outer(request)
                except Exception as error:  # the caller gets the reason; the fleet goes on
                    answer = {"ok": False, "error": f"{type(error).__name__}: {error}"}
                self.wfile.write(json.dumps(answer).encode() + b"\n")

        self.server = socketserver.ThreadingUnixStreamServer(str(self.path), Handler)
        os.chmod(self.path, 0o600)
        self.thread = threading.Thread(target=self.server.serve_forever, name="fleet-control", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.path.unlink(missing_ok=True)


def send(root: Path, request: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
    """Send one request to the fleet running under ``root``; its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        client.connect(str(socket_path(root)))
        client.sendall(json.dumps(request).encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = client.recv(65536)
            if not chunk:
                break
            answer += chunk
    return dict(json.loads(answer))
