"""
Stopping a bulk run with calls on the wire, and seeing what each call carried.

- ``HeldCalls(app, path)`` wraps a sandbox app: it records the query and body of every request
  to ``path`` (exact) and, while :attr:`~HeldCalls.hold` is clear, keeps each one waiting before
  the sandbox sees it (:attr:`~HeldCalls.arrived` is released once per call held).
- :func:`serve_held`: a platform's sandbox served so, with its connection set.
- :func:`told_to_stop`: a task run in a thread, told to stop (``on_kill``) once its calls are on
  the wire, then those calls let through.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

#: only a broken run waits this long: every wait is woken by an event
SAFETY_SECONDS = 60


class HeldCalls:
    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.hold = threading.Event()
        self.hold.set()  # nothing held until a test clears it
        self.arrived = threading.Semaphore(0)
        self.sent: list[str] = []  # "query body" of every call to path, in arrival order

    def held(self, calls: int) -> None:
        """Wait until ``calls`` calls are held on the wire."""
        for _ in range(calls):
            assert self.arrived.acquire(timeout=SAFETY_SECONDS), "the calls never arrived"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        messages = [await receive()]
        while messages[-1].get("more_body"):
            messages.append(await receive())
        body = b"".join(message.get("body", b"") for message in messages)
        self.sent.append(f"{scope.get('query_string', b'').decode()} {body.decode('utf-8', 'replace')}")
        if not self.hold.is_set():
            self.arrived.release()
            await asyncio.to_thread(self.hold.wait, SAFETY_SECONDS)
        replay = iter(messages)

        async def replayed() -> dict[str, Any]:
            return next(replay, None) or await receive()

        await self.app(scope, replayed, send)

    def carrying(self, key: str) -> int:
        """How many recorded calls carried ``key`` (as a quoted JSON string or a query value)."""
        return sum(f'"{key}"' in sent or f"={key}" in sent for sent in self.sent)


def serve_held(
    platform: str, path: str, serve_app: Callable[[Any], str], make_conn: Callable[..., str], **settings: Any
) -> tuple[Any, HeldCalls]:
    """The platform's sandbox (``settings`` for its backend) with calls to ``path`` held on demand,
    served on loopback, its connection the platform's default one. The backend and the wrapper."""
    from airflow_provider.platforms import get_platform
    from airflow_provider.sandbox.registry import load_simulator

    simulator = load_simulator(platform)
    backend = simulator.new_backend(**settings)
    held = HeldCalls(simulator.create_app(backend), path)
    conn = simulator.connection(serve_app(held))
    make_conn(
        get_platform(platform).default_conn_id,
        conn["conn_type"],
        host=conn.get("host"),
        login=conn.get("login"),
        password=conn.get("password"),
        extra=conn.get("extra") or {},
    )
    return backend, held


def told_to_stop(
    operator: Any, context: dict[str, Any], *, in_flight: Callable[[], None], release: Callable[[], None]
) -> BaseException:
    """Run ``operator.execute`` in a thread; once ``in_flight()`` returns (its calls on the wire)
    call ``on_kill`` as Airflow's SIGTERM handler does, then ``release()`` those calls. What the
    task ended with (it must not succeed)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            operator.execute(context)
        except BaseException as err:
            failure.append(err)

    runner = threading.Thread(target=run)
    runner.start()
    try:
        in_flight()
        operator.on_kill()
    finally:
        release()
        runner.join(SAFETY_SECONDS)
    assert not runner.is_alive(), "the task did not end after it was told to stop"
    assert failure, "the task told to stop succeeded"
    return failure[0]
