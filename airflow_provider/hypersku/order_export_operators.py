"""
Exports of HyperSKU orders of a period, page after page: :class:`HyperSkuListOrdersOperator`
(customer orders) and :class:`HyperSkuGetStockOrdersOperator` (stock purchase orders).

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider.hypersku.base_operator import HyperSkuOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class HyperSkuListOrdersOperator(HyperSkuOperator):
    """
    List orders (``getOrderInfos``), optionally by status and creation time, page after page.

    Times may be datetimes or ISO strings (``"{{ data_interval_start }}"``); they are sent in
    HyperSKU's +08:00 ``yyyy-MM-dd HH:mm:ss``.

    Pushes to XCom ``{"count", "orders": [{orderId, storeOrderId, status}], "file"}``; with
    ``output_path`` the full orders go to a JSON file (its path under ``file``) and ``orders``
    is left out.

    :param status: only orders in this status code (templated).
    :param start_time: created at or after (templated).
    :param end_time: created before (templated).
    :param output_path: folder for the full orders as JSON (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("order-exports",)

    template_fields: Sequence[str] = ("status", "start_time", "end_time", "output_path")

    def __init__(
        self,
        *,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.status = status
        self.start_time = start_time
        self.end_time = end_time
        self.output_path = output_path

    def execute(self, context: Context) -> dict[str, Any]:
        with self.session() as hook, self.fail_fast():
            orders = hook.list_order_infos(
                status=self.status if self.status not in (None, "") else None,
                start_time=self.as_time(self.start_time),
                end_time=self.as_time(self.end_time),
            )
        payload: dict[str, Any] = {"count": len(orders), "file": None}
        if self.output_path:
            full = [o.model_dump(mode="json", by_alias=True) for o in orders]
            payload["file"] = self.write_file(context, "hypersku_orders", full)
        else:
            payload["orders"] = [
                {"orderId": o.order_id, "storeOrderId": o.own_id, "status": o.status} for o in orders
            ]
        self.log.info("Read %d HyperSKU order(s)", len(orders))
        return payload


class HyperSkuGetStockOrdersOperator(HyperSkuOperator):
    """
    Read your stock (inventory purchase) orders (``getStockOrderInfo``), page after page, into a
    JSON file; counts go to XCom.

    By default only the stock orders created in the run's data interval are read
    (``[data_interval_start, data_interval_end)``, sent as HyperSKU's +08:00
    ``yyyy-MM-dd HH:mm:ss``); ``start_time`` / ``end_time`` replace either bound, and
    ``use_data_interval=False`` reads every stock order (no time filter unless given). A run
    without a data interval (a manual run of an unscheduled DAG) reads with no time filter. The
    request fields of ``getStockOrderInfo`` are inferred (the ``getOrderInfos`` ones: ``page``,
    ``limit``, ``status``, ``startTime``, ``endTime``); ``filters`` adds any other body field.
    Every input is checked before the first request; no stock order in the window is not an
    error (``count`` 0, an empty file).

    Pushes to XCom ``{"count", "by_status": {status: n}, "quantity": total units ordered,
    "amount": {currency: total}, "start_time", "end_time" (as sent, or null), "file"}``; the file
    (``output_path/hypersku_stock_orders_<dag>_<task>_<run>.json``) holds the full orders
    (``OrderResult`` fields in HyperSKU's spelling, ``goodsList`` included).

    :param output_path: folder for the stock orders JSON (local path or any ``ObjectStoragePath``
        URL; templated). Required.
    :param status: only stock orders in this status code (templated).
    :param start_time: created at or after (datetime or ISO string, naive = UTC; templated);
        default ``data_interval_start``.
    :param end_time: created before (templated); default ``data_interval_end``.
    :param use_data_interval: default the bounds to the run's data interval (default ``True``).
    :param filters: more body fields in HyperSKU's spelling, e.g. ``{"orderId": "ST240001"}``
        (a dict or a JSON object string; templated).
    :param page_size: stock orders per page (``limit``).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    #: the dataset it exports to files (an AssetAlias): see airflow_provider.common.assets
    asset_exports = ("stock-order-exports",)

    template_fields: Sequence[str] = ("output_path", "status", "start_time", "end_time", "filters")

    def __init__(
        self,
        *,
        output_path: str,
        status: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        use_data_interval: bool = True,
        filters: dict[str, Any] | str | None = None,
        page_size: int = 50,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not output_path:
            raise ValueError("output_path is required: the stock orders are written to a file")
        if int(page_size) < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size!r}")
        self.output_path = output_path
        self.status = status
        self.start_time = start_time
        self.end_time = end_time
        self.use_data_interval = use_data_interval
        self.filters = filters
        self.page_size = int(page_size)

    def request_filters(self, context: Context) -> dict[str, Any]:
        """The checked hook arguments: ``status``, ``start_time``, ``end_time`` and the ``filters``."""
        import json

        from airflow_provider.hypersku.models import format_time

        problems: list[str] = []
        filters: Any = self.filters
        if isinstance(filters, str):
            try:
                filters = json.loads(filters) if filters.strip() else None
            except ValueError as err:
                problems.append(f"filters: a JSON string was given but it does not parse: {err}")
                filters = None
        if filters is not None and not isinstance(filters, dict):
            problems.append(f"filters: expected a dict of body fields, got {type(filters).__name__}")
            filters = None
        status: int | None = None
        if self.status not in (None, ""):
            try:
                status = int(str(self.status).strip())
            except ValueError:
                problems.append(f"status: expected an order status code (an integer), got {self.status!r}")
        bounds: dict[str, str | None] = {}
        for name, value, default in (
            ("start_time", self.start_time, "data_interval_start"),
            ("end_time", self.end_time, "data_interval_end"),
        ):
            if value in (None, "") and self.use_data_interval:
                value = context.get(default)  # type: ignore[misc,assignment]
            try:
                moment = self.as_time(value)
            except ValueError as err:
                problems.append(f"{name}: {err}")
                continue
            if isinstance(moment, str):
                problems.append(f"{name}: {value!r} is not a time (a datetime or an ISO-8601 string)")
                continue
            bounds[name] = None if moment is None else format_time(moment)
        start, end = bounds.get("start_time"), bounds.get("end_time")
        if start and end and start >= end:
            problems.append(f"start_time {start} is not before end_time {end} (+08:00)")
        if problems:
            raise ValueError("; ".join(problems) + "; nothing was sent")
        return {"status": status, "start_time": start, "end_time": end, **(filters or {})}

    def execute(self, context: Context) -> dict[str, Any]:
        from decimal import Decimal

        with self.fail_fast():
            query = self.request_filters(context)
        self.log.info(
            "Reading HyperSKU stock orders created from %s to %s (+08:00)%s",
            query["start_time"] or "the start",
            query["end_time"] or "now",
            f", status {query['status']}" if query["status"] is not None else "",
        )
        with self.session() as hook, self.fail_fast():
            orders = list(hook.iter_stock_orders(limit=self.page_size, **query))
        by_status: dict[str, int] = {}
        amount: dict[str, Decimal] = {}
        quantity = 0
        for order in orders:
            key = "unknown" if order.status is None else str(order.status)
            by_status[key] = by_status.get(key, 0) + 1
            if order.amount is not None:
                currency = order.currency_code or ""
                amount[currency] = amount.get(currency, Decimal(0)) + order.amount
            quantity += sum(line.num or 0 for line in order.goods_list)
        full = [order.model_dump(mode="json", by_alias=True) for order in orders]
        payload = {
            "count": len(orders),
            "by_status": by_status,
            "quantity": quantity,
            "amount": {currency: str(total) for currency, total in amount.items()},
            "start_time": query["start_time"],
            "end_time": query["end_time"],
            "file": self.write_file(context, "hypersku_stock_orders", full),
        }
        self.log.info("Read %d HyperSKU stock order(s): %s", len(orders), by_status)
        return payload
