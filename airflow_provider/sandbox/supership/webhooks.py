"""
The SuperShip simulator's status webhook: the registered URL, and the ``update_status`` payloads
it POSTs there for every status change (when :meth:`SuperShipWebhooks.deliver_webhooks` is called).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_provider.sandbox.kit import SandboxBackend
from airflow_provider.sandbox.supership.answers import error_answer, iso_time, success_answer, text_of
from airflow_provider.sandbox.supership.lifecycle import REASONS, history_until
from airflow_provider.supership.statuses import STATUS_NAMES

if TYPE_CHECKING:
    import httpx


class SuperShipWebhooks(SandboxBackend):
    """The webhook of :class:`~airflow_provider.sandbox.supership.backend.SuperShipBackend`."""

    # state, set up by SuperShipBackend.__init__
    #: order code -> how many of its status changes were delivered
    _webhook_pushed: dict[str, int]

    def webhook(self) -> dict[str, Any] | None:
        hook = self.store.get("webhooks", "current")
        if hook is None:
            return None
        return {
            "url": hook["url"],
            "created_at": iso_time(hook["created"]),
            "updated_at": iso_time(hook["updated"]),
        }

    def register_webhook(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        url = text_of(body.get("url"))
        if not re.fullmatch(r"https?://\S+", url):
            return 422, error_answer(
                "Trường url không hợp lệ.", {"url": ["Trường url phải là một URL hợp lệ."]}
            )
        now = self.clock.now()
        with self.store.lock:
            current = self.store.get("webhooks", "current")
            created = current["created"] if current else now
            self.store.table("webhooks")["current"] = {"url": url, "created": created, "updated": now}
        return 200, success_answer(self.webhook(), "Tạo webhook thành công.")

    def webhook_payloads(self) -> list[tuple[str, dict[str, Any]]]:
        """``(order code, payload)`` for every status change not pushed yet, oldest first."""
        pending: list[tuple[float, str, int, dict[str, Any]]] = []
        for order in self.store.values("orders"):
            events = history_until(order, self.clock.now())
            done = self._webhook_pushed.get(order["code"], 0)
            for index, (status, at) in enumerate(events[done:], start=done):
                reason = REASONS.get(status, ("", ""))
                payload = {
                    "type": "update_status",
                    "code": order["code"],
                    "shortcode": order["shortcode"],
                    "soc": order["soc"],
                    "name": order["receiver"]["name"],
                    "phone": order["receiver"]["phone"],
                    "address": order["receiver"]["formatted_address"],
                    "payer": order["payer"],
                    "amount": order["amount"],
                    "weight": order["weight"],
                    "fshipment": order["fee"],
                    "finsurance": order["insurance"],
                    "status": status,
                    "status_name": STATUS_NAMES[status],
                    "partial": "1" if status == "13" else "0",
                    "barter": order["barter"],
                    "reason_code": reason[0],
                    "reason_text": reason[1],
                    "created_at": iso_time(order["created"]),
                    "updated_at": iso_time(at),
                    "pushed_at": iso_time(self.clock.now()),
                }
                pending.append((at, order["code"], index + 1, payload))
        pending.sort(key=lambda item: item[0])
        return [(code, payload) for _at, code, _n, payload in pending]

    def deliver_webhooks(self, client: httpx.Client | None = None) -> int:
        """
        POST every pending status change to the registered URL (HTTP 200 = delivered).

        SuperShip pushes on its own; the sandbox pushes when this is called. Returns how many
        payloads were delivered; the others are tried again next time.
        """
        hook = self.store.get("webhooks", "current")
        if hook is None:
            return 0
        import httpx

        own = client is None
        http = client or httpx.Client(timeout=10)
        delivered = 0
        try:
            for code, payload in self.webhook_payloads():
                if self._webhook_pushed.get(code, 0) >= len(
                    history_until(self.store.get("orders", code), self.clock.now())
                ):
                    continue
                try:
                    response = http.post(
                        hook["url"], json=payload, headers={"Content-Type": "application/json"}
                    )
                except httpx.HTTPError:
                    break
                if response.status_code != 200:
                    break
                self._webhook_pushed[code] = self._webhook_pushed.get(code, 0) + 1
                delivered += 1
        finally:
            if own:
                http.close()
        return delivered
