"""
A sandbox app wrapped so that a test can hold calls on the wire and see what each one carried.

``HeldCalls(app, path)`` records the query and body of every request to ``path`` (exact) and,
while :attr:`hold` is clear, keeps each one waiting before the sandbox sees it (:attr:`arrived`
is released once per call held). Tests use it to stop a bulk run with calls in flight, then to
check which items a retried attempt sent again.
"""

from __future__ import annotations

import asyncio
import threading
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
