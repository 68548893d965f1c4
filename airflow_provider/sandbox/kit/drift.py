"""
The drift switch: a simulator answering the way a real platform may differ from its documents.

With drift on, a simulator applies its :class:`DriftPlan`: it renames a field in some answers,
moves one path, answers one status code and one business code that no document lists, and wraps
one answer in another envelope. ``python -m airflow_provider.sandbox --drift`` starts with it on;
``PUT /_sandbox/drift`` switches it at run time. The doctor and the drift tests are held to it.
"""

from __future__ import annotations

import contextlib
import json
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Rewrap = Callable[[Any], Any]


@dataclass(frozen=True)
class DriftPlan:
    """
    What one simulator changes when drift is on (paths are the documented ones).

    :param renamed: ``(old, new)``: the field renamed in answers of ``rename_paths``, in every
        object carrying it whose value hashes odd (about half of them, the same ones every time).
    :param rename_paths: the answers the rename applies to.
    :param moved: ``(documented path, new path)``: the documented path answers 404.
    :param status_path: the answer whose rows get ``status_value`` under ``status_key`` the first
        time each row's ``status_id_key`` is seen (the next read gives the real status).
    :param business_path: the path answered ``business_answer`` (an undocumented business code).
    :param envelope_path: the path whose answer ``rewrap`` puts in another envelope.
    """

    renamed: tuple[str, str]
    rename_paths: tuple[str, ...]
    moved: tuple[str, str]
    status_path: str
    status_key: str
    status_id_key: str
    status_value: Any
    business_path: str
    business_answer: dict[str, Any]
    envelope_path: str
    rewrap: Rewrap
    #: fields of ``status_path`` rows removed together with the status (e.g. its name)
    status_drop: tuple[str, ...] = ()
    #: HTTP status of the business answer
    business_http_status: int = 200

    def describe(self) -> dict[str, Any]:
        """The plan as JSON (the control API shows it)."""
        return {
            "renamed_field": {"from": self.renamed[0], "to": self.renamed[1], "in": list(self.rename_paths)},
            "moved_path": {"from": self.moved[0], "to": self.moved[1]},
            "unknown_status": {"in": self.status_path, "field": self.status_key, "value": self.status_value},
            "unknown_business_code": {"in": self.business_path, "answer": self.business_answer},
            "other_envelope": {"in": self.envelope_path},
        }


@dataclass
class DriftSwitch:
    """Drift on or off for one simulator, and the rows already given an unknown status."""

    plan: DriftPlan | None
    on: bool = False
    _seen: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, on: bool) -> None:
        if on and self.plan is None:
            raise ValueError("this simulator has no drift plan")
        with self._lock:
            self.on = bool(on)
            self._seen.clear()

    def state(self) -> dict[str, Any]:
        return {"on": self.on, "plan": self.plan.describe() if self.plan else None}

    def first_sight(self, row_id: str) -> bool:
        with self._lock:
            if row_id in self._seen:
                return False
            self._seen.add(row_id)
            return True


def hashed_in(value: Any) -> bool:
    """Whether an object carrying ``value`` in the renamed field is one of those renamed."""
    return zlib.crc32(str(value).encode()) % 2 == 1


def rename_in(value: Any, old: str, new: str) -> Any:
    """``value`` with ``old`` renamed ``new`` in every object whose ``old`` value hashes in."""
    if isinstance(value, dict):
        renamed = {key: rename_in(child, old, new) for key, child in value.items()}
        if old in renamed and hashed_in(renamed[old]):
            renamed[new] = renamed.pop(old)
        return renamed
    if isinstance(value, list):
        return [rename_in(item, old, new) for item in value]
    return value


def _rows(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if value else []
        for child in value.values():
            found += _rows(child)
        return found
    if isinstance(value, list):
        return [row for item in value for row in _rows(item)]
    return []


class DriftMiddleware:
    """ASGI middleware applying a simulator's :class:`DriftPlan` while its switch is on."""

    def __init__(self, app: Callable[..., Awaitable[None]], switch: DriftSwitch) -> None:
        self.app = app
        self.switch = switch

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        plan = self.switch.plan
        if (
            scope["type"] != "http"
            or not self.switch.on
            or plan is None
            or scope["path"].startswith("/_sandbox")
        ):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        documented, moved_to = plan.moved
        if path == documented:
            await _send_json(send, 404, {"detail": "Not Found"})
            return
        if path == moved_to:
            scope = {**scope, "path": documented, "raw_path": documented.encode()}
            path = documented
        if path == plan.business_path:
            await _send_json(send, plan.business_http_status, plan.business_answer)
            return
        if path in plan.rename_paths or path in (plan.status_path, plan.envelope_path):
            await self.app(scope, receive, _Rewriting(send, lambda body: self._rewrite(path, body)))
            return
        await self.app(scope, receive, send)

    def _rewrite(self, path: str, body: Any) -> Any:
        plan = self.switch.plan
        if plan is None:  # the switch was turned off while this answer was on its way
            return body
        if path == plan.status_path:
            for row in _rows(body):
                carries = plan.status_id_key in row and plan.status_key in row
                if carries and self.switch.first_sight(str(row[plan.status_id_key])):
                    row[plan.status_key] = plan.status_value
                    for name in plan.status_drop:
                        row.pop(name, None)
        if path in plan.rename_paths:
            body = rename_in(body, *plan.renamed)
        if path == plan.envelope_path:
            body = plan.rewrap(body)
        return body


class _Rewriting:
    """An ASGI ``send`` that buffers a JSON answer and sends ``rewrite(answer)`` instead."""

    def __init__(self, send: Any, rewrite: Callable[[Any], Any]) -> None:
        self.send, self.rewrite = send, rewrite
        self.start: dict[str, Any] | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        raw = b"".join(self.chunks)
        with contextlib.suppress(ValueError):  # not JSON: sent as it came
            raw = json.dumps(self.rewrite(json.loads(raw))).encode()
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": raw})


async def _send_json(send: Any, status: int, body: Any) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})
