"""
The base of every SuperShip operator: the connection and the hook.

Imported on every DAG parse: only the common operator bases at module level; the hook is
imported when a task runs.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.common.operator_bases import PlatformOperator

DEFAULT_CONN_ID = "supership_default"


class SuperShipOperator(PlatformOperator):
    """
    Base of the SuperShip operators: the connection and the hook.

    :param supership_conn_id: the SuperShip connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    registry_key = "supership"

    def __init__(
        self, *, supership_conn_id: str = DEFAULT_CONN_ID, max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=supership_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.supership_conn_id = supership_conn_id
