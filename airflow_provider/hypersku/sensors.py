"""HyperSKU sensors (light at DAG parse time: the hook is imported when the sensor runs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.common.sensors import StatusSensor
from airflow_provider.hypersku.constants import DEFAULT_FAILURE_STATUSES, DEFAULT_SUCCESS_STATUSES

if TYPE_CHECKING:
    from airflow.sdk import Context


class HyperSkuOrderStatusSensor(StatusSensor):
    """
    Wait until every HyperSKU order reaches a target status; fail at once on a failure status.

    One ``getOrdersStatus`` call per poll covers every order still pending. Status codes: 8
    pending sourcing, 1 pending payment, 9 paying, 2 processing, 3 ready to ship, 14 split
    shipment, 4 shipping, 5 delivered, 6 closed, 7 refunding, 10 overdue, 11 returned.

    Pushes ``{orderId: status}`` of every order to XCom when done.

    :param order_ids: one HyperSKU ``orderId`` or a list (templated; a create operator's XCom
        report works too: the ``orderId`` of every order created or found).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param success_statuses: statuses that count as done; default ``{4, 5}`` (shipped or delivered).
    :param failure_statuses: statuses that fail the task at once; default ``{6, 7, 10, 11}``
        (closed, refunding, overdue, returned).
    :param deferrable: poll on the triggerer (no worker slot held); defaults to
        ``[operators] default_deferrable``.
    :param poke_interval: seconds between polls.
    :param timeout: seconds before the wait fails.
    """

    registry_key = "hypersku"
    default_success_statuses: ClassVar[frozenset[str]] = DEFAULT_SUCCESS_STATUSES
    default_failure_statuses: ClassVar[frozenset[str]] = DEFAULT_FAILURE_STATUSES

    def __init__(
        self,
        *,
        order_ids: Any,
        hypersku_conn_id: str = "hypersku_default",
        success_statuses: Iterable[str | int] | None = None,
        failure_statuses: Iterable[str | int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            order_ids=order_ids,
            conn_id=hypersku_conn_id,
            success_statuses=success_statuses,
            failure_statuses=failure_statuses,
            **kwargs,
        )
        self.hypersku_conn_id = hypersku_conn_id

    def execute(self, context: Context) -> Any:
        try:
            return super().execute(context)
        finally:
            hook = self.__dict__.get("hook")
            if hook is not None:
                hook.close()
