"""
The base of every 超8 (Chao8) operator: the ``chao8_conn_id`` connection and the hook.

Imported on every DAG parse: only the core's base module at module level.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.common.operator_bases import PlatformOperator


class Chao8Operator(PlatformOperator):
    """
    Base of the 超8 operators: the connection and the hook.

    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    registry_key = "chao8"
    ui_color = "#ffe8d6"

    def __init__(
        self, *, chao8_conn_id: str = "chao8_default", max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=chao8_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.chao8_conn_id = chao8_conn_id
