"""The poll loop deferrable sensors hand to the triggerer: no worker slot is held meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider.common.status import classify, import_async_hook

log = logging.getLogger(__name__)


class StatusTrigger(BaseTrigger):
    """
    Poll order statuses until every order is in a success status or one is in a failure status.

    The trigger knows no platform: it imports the hook class by path and calls its async
    status method. Its kwargs are plain JSON (ids and status sets), never a token or secret.

    :param hook_class_path: dotted path of the platform hook class.
    :param conn_id: the Airflow connection id.
    :param order_ids: the ids to wait for.
    :param success_statuses: statuses that count as done.
    :param failure_statuses: statuses that fail the wait at once.
    :param poll_interval: seconds between polls.
    :param status_method: name of the hook's async method ``(ids, **method_kwargs) -> {id: status}``.
    :param method_kwargs: extra JSON arguments for that method.
    :param known: statuses already seen by the sensor's first poke.
    """

    def __init__(
        self,
        hook_class_path: str,
        conn_id: str,
        order_ids: list[str],
        success_statuses: list[str],
        failure_statuses: list[str],
        poll_interval: float = 60.0,
        status_method: str = "afetch_statuses",
        method_kwargs: dict[str, Any] | None = None,
        known: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.hook_class_path = hook_class_path
        self.conn_id = conn_id
        self.order_ids = [str(order_id) for order_id in order_ids]
        self.success_statuses = sorted({str(s) for s in success_statuses})
        self.failure_statuses = sorted({str(s) for s in failure_statuses})
        self.poll_interval = float(poll_interval)
        self.status_method = status_method
        self.method_kwargs = dict(method_kwargs or {})
        self.known = {str(k): str(v) for k, v in (known or {}).items()}
        self._hook: Any = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "hook_class_path": self.hook_class_path,
                "conn_id": self.conn_id,
                "order_ids": self.order_ids,
                "success_statuses": self.success_statuses,
                "failure_statuses": self.failure_statuses,
                "poll_interval": self.poll_interval,
                "status_method": self.status_method,
                "method_kwargs": self.method_kwargs,
                "known": self.known,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """
        Poll until a final event. Cancelled (its triggerer stopping, the task cleared) the
        client is closed here, whoever runs the trigger; the trigger row stays, and the
        triggerer that takes it over runs a new one from :meth:`serialize`, polling afresh.
        """
        # the hook's module (and what it imports) loads off the loop: a first import stalls it
        hook_class = await asyncio.to_thread(import_async_hook, self.hook_class_path)
        hook = self._hook = hook_class(self.conn_id)
        try:
            await hook.aload_connection()
            fetch = getattr(hook, self.status_method)
            statuses = dict(self.known)
            success, failure = set(self.success_statuses), set(self.failure_statuses)
            while True:
                final = await self._poll_once(hook, fetch, statuses, success, failure)
                if final is not None:
                    # closed before the event goes out: a triggerer (or dag.test) may stop reading here
                    await self.cleanup()
                    yield final
                    return
                await asyncio.sleep(self.poll_interval)
        finally:
            await self.cleanup()

    async def _poll_once(
        self, hook: Any, fetch: Any, statuses: dict[str, str], success: set[str], failure: set[str]
    ) -> TriggerEvent | None:
        """One status read: the final event, or ``None`` while orders are pending."""
        from airflow_provider.common.errors import ApiError

        pending = [i for i in self.order_ids if statuses.get(i) not in success | failure]
        try:
            statuses.update({str(k): str(v) for k, v in (await fetch(pending, **self.method_kwargs)).items()})
        except ApiError as err:
            if not err.retryable:
                return TriggerEvent({"status": "error", "message": str(err), "statuses": statuses})
            log.warning("Status poll failed; polling again in %.0f s: %s", self.poll_interval, err)
        verdict = classify(self.order_ids, statuses, success, failure)
        if verdict.failed:
            message = verdict.failure_message(getattr(hook, "status_label", None))
            return TriggerEvent({"status": "failure", "message": message, "statuses": statuses})
        if verdict.done:
            return TriggerEvent({"status": "success", "statuses": statuses})
        log.info("%d of %d orders still pending", len(verdict.pending), len(self.order_ids))
        return None

    async def cleanup(self) -> None:
        """Both clients closed (again: a no-op); the triggerer calls it after every run."""
        hook, self._hook = self._hook, None
        if hook is not None:
            try:
                await hook.aclose()
            finally:
                hook.close()
