"""What the system tests share: the sandbox's settings and how to read it back."""

from __future__ import annotations

import json
import math
from typing import Any

import httpx

from cluster.fleet import Fleet

CREATE_PATH = "/api/customer/admin/orders/create"
SANDBOX_SPEED = 240.0
SANDBOX_ARGS = [
    "--speed",
    str(int(SANDBOX_SPEED)),
    "--error-rate",
    "0.03",
    "--lose-answer-rate",
    "0.01",
    "--seed",
    "14",
    "--duplicate-ids",
    "accept",
]


def sandbox(fleet: Fleet, platform: str, path: str, method: str = "GET", **kwargs: Any) -> Any:
    """Call the sandbox's control API of ``platform`` (``/_sandbox/<path>``)."""
    answer = httpx.request(method, f"{fleet.sandbox_urls[platform]}/_sandbox/{path}", timeout=60, **kwargs)
    answer.raise_for_status()
    return answer.json()


def hypersku_orders(fleet: Fleet) -> list[dict[str, Any]]:
    """Every order row of the HyperSKU simulator (a reused id would be a second row)."""
    rows = sandbox(fleet, "hypersku", "store").get("orders", {})
    return list(rows.values()) if isinstance(rows, dict) else list(rows)


def creates_sent(fleet: Fleet) -> int:
    return int(sandbox(fleet, "hypersku", "stats")["requests"].get(CREATE_PATH, 0))


def lifetimes(stats: dict[str, Any], wall_s: float) -> int:
    """Token lifetimes that fit in ``wall_s`` on the simulator's clock, plus the first token."""
    ttl = float(stats.get("token_ttl") or 0)
    speed = float((stats.get("clock") or {}).get("speed") or 1)
    if ttl <= 0:
        return 1
    return 1 + math.ceil(wall_s * speed / ttl)


def hypersku_connection(fleet: Fleet) -> dict[str, Any]:
    """The fleet's HyperSKU connection (as the sandbox printed it)."""
    return dict(json.loads(fleet.connections["AIRFLOW_CONN_HYPERSKU_DEFAULT"]))


class HyperSkuClient:
    """The test's own HyperSKU client (the platform's API, one token): changes made "by a person
    on the platform", outside Airflow."""

    def __init__(self, fleet: Fleet) -> None:
        conn = hypersku_connection(fleet)
        self.url = str(conn["host"]).rstrip("/")
        answer = httpx.post(
            f"{self.url}/api/auth/admin/token",
            json={"username": conn["login"], "password": conn["password"]},
            timeout=30,
        )
        answer.raise_for_status()
        self.token = str(answer.json()["token"])

    def cancel(self, order_ids: list[str]) -> None:
        for order_id in order_ids:
            answer = httpx.post(
                f"{self.url}/api/customer/admin/orders/cancelOrder",
                json={"orderId": order_id},
                headers={"Authorization": self.token},
                timeout=30,
            )
            answer.raise_for_status()
            body = answer.json()
            assert body.get("status") == 200, (order_id, body)
