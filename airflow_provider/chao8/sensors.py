"""超8 (Chao8) sensors: wait for logistics orders to be completed (or scanned far enough)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from airflow_provider.chao8.constants import LOGISTICS_CANCELLED, LOGISTICS_COMPLETED, SCANNED
from airflow_provider.common.sensors import StatusSensor


class Chao8LogisticsOrderSensor(StatusSensor):
    """
    Wait until 超8 logistics orders (物流订单) are completed (status 2); fail at once when one is
    cancelled (status 3).

    With ``min_scanned`` the wait also ends for an order whose ``scannedCount`` reached that
    number (the hook reports the pseudo status ``"scanned"`` for it), e.g. to start invoicing
    once a pallet is scanned. One order detail call per pending order per poll, at the
    connection's ``max_concurrency``. In deferrable mode the polling runs on the triggerer
    (shared ``StatusTrigger``), holding no worker slot.

    XCom (return value): ``{orderNo: status}`` of every order ("2", or "scanned").

    :param order_nos: one ``orderNo`` or a list (templated, XCom works).
    :param chao8_conn_id: the 超8 connection id.
    :param min_scanned: optional scanned count that also counts as done.
    :param success_statuses: override the statuses that count as done (default ``{"2"}``, plus
        ``"scanned"`` when ``min_scanned`` is given).
    :param failure_statuses: override the statuses that fail the task (default ``{"3"}``).
    :param deferrable: poll on the triggerer; defaults to ``[operators] default_deferrable``.
    :param poke_interval: seconds between polls.
    :param timeout: seconds before the wait fails.
    """

    #: 超8 orders are read by your ``orderNo``: from a create report, take each item's key
    report_id_field = "key"

    registry_key = "chao8"
    default_success_statuses: ClassVar[frozenset[str]] = frozenset({LOGISTICS_COMPLETED})
    default_failure_statuses: ClassVar[frozenset[str]] = frozenset({LOGISTICS_CANCELLED})
    template_fields: Sequence[str] = ("order_ids",)

    def __init__(
        self,
        *,
        order_nos: Any = None,
        chao8_conn_id: str = "chao8_default",
        min_scanned: int | None = None,
        success_statuses: Iterable[str | int] | None = None,
        failure_statuses: Iterable[str | int] | None = None,
        order_ids: Any = None,
        **kwargs: Any,
    ) -> None:
        if order_nos is None and order_ids is None:
            raise ValueError("order_nos is required")
        if min_scanned is not None and int(min_scanned) < 1:
            raise ValueError("min_scanned must be at least 1")
        if success_statuses is None:
            success_statuses = {LOGISTICS_COMPLETED} | ({SCANNED} if min_scanned is not None else set())
        super().__init__(
            order_ids=order_nos if order_nos is not None else order_ids,
            conn_id=chao8_conn_id,
            success_statuses=success_statuses,
            failure_statuses=failure_statuses,
            method_kwargs={"min_scanned": int(min_scanned)} if min_scanned is not None else None,
            **kwargs,
        )
        self.chao8_conn_id = chao8_conn_id
        self.min_scanned = min_scanned
