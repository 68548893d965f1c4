"""
HyperSKU operators: create, cancel and re-address orders, fetch tracking, read products,
stock and orders.

Light at DAG parse time: the hook, the models and httpx are imported inside ``execute``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.hypersku.hooks import HyperSkuHook

LOGISTICS_CHOICES = (None, "cheapest", "fastest")
INVENTORY_SOURCES = ("customer", "inventory")


class HyperSkuBaseOperator(BaseOperator):
    """
    Shared parts of the HyperSKU operators: the hook, the concurrency, error translation.

    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: calls in flight at once; defaults to the connection's
        ``max_concurrency`` extra (16).
    """

    ui_color = "#fde8d7"

    def __init__(
        self, *, hypersku_conn_id: str = "hypersku_default", max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.hypersku_conn_id = hypersku_conn_id
        self.max_concurrency = max_concurrency

    @cached_property
    def hook(self) -> HyperSkuHook:
        from airflow_provider.hypersku.hooks import HyperSkuHook

        return HyperSkuHook(self.hypersku_conn_id)

    def concurrency(self) -> int:
        return self.hook.concurrency(self.max_concurrency)

    @contextmanager
    def fail_fast(self) -> Iterator[None]:
        """Errors a retry cannot fix (credentials, rejected input) fail the task without retries."""
        from airflow_provider.common.errors import BadRequestError, ConfigurationError, NotFoundError

        try:
            yield
        except (ConfigurationError, BadRequestError, NotFoundError) as err:
            raise AirflowFailException(str(err)) from err

    @staticmethod
    def invalid(err: Exception) -> AirflowFailException:
        return AirflowFailException(str(err))


class HyperSkuCreateOrdersOperator(HyperSkuBaseOperator):
    """
    Create one or many HyperSKU orders, each at most once.

    Every order needs your own ``thirdOrderId``: a lost answer is settled by looking the order
    up by it (with the connection's ``store_code``), a task retry or re-run finds the orders it
    already made (a duplicate answer counts as ``existed`` only when the existing order has the
    same SKUs and quantities; otherwise the order fails as a conflict). All orders are validated
    before any request (missing address fields, unknown country codes, ``num <= 0``, no SKUs).

    Pushes to XCom ``{"counts": {...}, "results": [{key (thirdOrderId), outcome
    (created/existed/failed/unknown), id (orderId), status, error, data}], "order_ids": [...],
    "third_order_ids": [...]}``; the report is pushed before the task fails on any failed order.

    :param orders: one order or a list (``OrdersInfoDto`` fields in HyperSKU's spelling:
        ``thirdOrderId``, ``shippingAddress``, ``skuItems``, ``logisticsId``, ...); templated,
        XCom works.
    :param logistics: for orders without ``logisticsId``: ``"cheapest"`` or ``"fastest"`` channel
        from ``getLogisticsSku`` per destination country; ``None`` (default) requires
        ``logisticsId`` on every order.
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: creates in flight at once.
    """

    template_fields: Sequence[str] = ("orders",)

    def __init__(self, *, orders: Any, logistics: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if logistics not in LOGISTICS_CHOICES:
            raise ValueError(f"logistics must be one of {LOGISTICS_CHOICES}, not {logistics!r}")
        self.orders = orders
        self.logistics = logistics

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.operators import finish_bulk, run_sync
        from airflow_provider.hypersku import actions

        try:
            orders = actions.validate_orders(self.orders, need_logistics=self.logistics is None)
        except ValueError as err:
            raise self.invalid(err) from err
        hook = self.hook
        try:
            with self.fail_fast():
                actions.prime_token(hook)
                if not hook.extra.get("store_code"):
                    self.log.warning(
                        "Connection %s has no store_code extra: a lost create answer cannot be "
                        "checked and would be reported 'unknown'",
                        self.hypersku_conn_id,
                    )
            self.log.info("Creating %d HyperSKU order(s)", len(orders))
            report = run_sync(
                actions.create_orders(hook, orders, logistics=self.logistics, concurrency=self.concurrency())
            )
        finally:
            hook.close()
        return finish_bulk(context, report, action="HyperSKU create orders")


class HyperSkuLogisticsQuoteOperator(HyperSkuBaseOperator):
    """
    Quote shipping per destination with ``getLogisticsSku`` and pick a channel for every order.

    Orders that have no ``logisticsId`` get the cheapest (or fastest) channel that carries their
    SKUs to their country; HyperSKU is asked once per destination and SKU set. Orders are
    validated first, as for creation.

    Pushes to XCom ``{"orders": [the orders with logisticsId set], "quotes": [{countryCode,
    logisticsId, logisticsName, freight, currency, deliveryDays, orders}]}``, and each of the two
    under its own key: ``quote.output["orders"]`` feeds :class:`HyperSkuCreateOrdersOperator`.

    :param orders: one order or a list (``OrdersInfoDto`` fields; templated, XCom works).
    :param strategy: ``"cheapest"`` (then fastest) or ``"fastest"`` (then cheapest); templated.
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: quote calls in flight at once.
    """

    template_fields: Sequence[str] = ("orders", "strategy")

    def __init__(self, *, orders: Any, strategy: str = "cheapest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if "{{" not in strategy:
            self._check_strategy(strategy)
        self.orders = orders
        self.strategy = strategy

    @staticmethod
    def _check_strategy(strategy: str) -> None:
        if strategy not in ("cheapest", "fastest"):
            raise ValueError(f"strategy must be 'cheapest' or 'fastest', not {strategy!r}")

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.operators import run_sync
        from airflow_provider.hypersku import actions

        try:
            self._check_strategy(self.strategy)
        except ValueError as err:
            raise self.invalid(err) from err

        try:
            orders = actions.validate_orders(self.orders, need_logistics=False)
        except ValueError as err:
            raise self.invalid(err) from err
        hook = self.hook
        try:
            with self.fail_fast():
                actions.prime_token(hook)
                quoted, quotes = run_sync(
                    actions.quote_orders(hook, orders, strategy=self.strategy, concurrency=self.concurrency())
                )
        finally:
            hook.close()
        for quote in quotes:
            self.log.info(
                "%s: %s %s (%s %s, %s days) for %d order(s)",
                quote["countryCode"],
                quote["logisticsId"],
                quote["logisticsName"],
                quote["freight"],
                quote["currency"] or "",
                quote["deliveryDays"],
                quote["orders"],
            )
        # also as separate XCom keys, so ``quote.output["orders"]`` feeds the create operator
        context["ti"].xcom_push(key="orders", value=quoted)
        context["ti"].xcom_push(key="quotes", value=quotes)
        return {"orders": quoted, "quotes": quotes}


class HyperSkuCancelOrderOperator(HyperSkuBaseOperator):
    """
    Cancel HyperSKU orders; an order already closed or refunding counts as cancelled.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (updated = cancelled now,
    ok = already cancelled, failed), status}], "order_ids", ...}`` before failing on any failure.

    :param order_ids: one HyperSKU ``orderId`` or a list (templated; a create report works).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: cancels in flight at once.
    """

    template_fields: Sequence[str] = ("order_ids",)

    def __init__(self, *, order_ids: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_ids = order_ids

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.operators import finish_bulk, run_sync
        from airflow_provider.hypersku import actions

        try:
            ids = actions.order_ids_of(self.order_ids)
        except ValueError as err:
            raise self.invalid(err) from err
        hook = self.hook
        try:
            with self.fail_fast():
                actions.prime_token(hook)
            report = run_sync(actions.cancel_orders(hook, ids, concurrency=self.concurrency()))
        finally:
            hook.close()
        return finish_bulk(context, report, action="HyperSKU cancel orders")


class HyperSkuUpdateOrderAddressOperator(HyperSkuBaseOperator):
    """
    Change the shipping address of orders not yet shipped (safe to run again).

    Give ``order_id`` + ``shipping_address`` for one order, or ``updates`` for many. Addresses
    are validated (required fields, ISO country code) before any request.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (updated/failed),
    data: {countryCode}}]}`` (no address data) before failing on any failure.

    :param order_id: the HyperSKU ``orderId`` (templated).
    :param shipping_address: ``ShippingAddressDto`` fields (templated).
    :param updates: ``[{"orderId": ..., "shippingAddress": {...}}]`` (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    template_fields: Sequence[str] = ("order_id", "shipping_address", "updates")

    def __init__(
        self,
        *,
        order_id: Any = None,
        shipping_address: Any = None,
        updates: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if updates is None and (order_id is None or shipping_address is None):
            raise ValueError("give order_id and shipping_address, or updates")
        self.order_id = order_id
        self.shipping_address = shipping_address
        self.updates = updates

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.operators import finish_bulk, run_sync
        from airflow_provider.hypersku import actions

        items = self.updates
        if items is None:
            items = [{"orderId": self.order_id, "shippingAddress": self.shipping_address}]
        try:
            updates = actions.validate_address_updates(items)
        except ValueError as err:
            raise self.invalid(err) from err
        hook = self.hook
        try:
            with self.fail_fast():
                actions.prime_token(hook)
            report = run_sync(actions.update_addresses(hook, updates, concurrency=self.concurrency()))
        finally:
            hook.close()
        return finish_bulk(context, report, action="HyperSKU update order addresses")


class HyperSkuGetTrackingOperator(HyperSkuBaseOperator):
    """
    Fetch the international tracking of many orders with bounded concurrency.

    Tracking is looked up by ``storeOrderId``, i.e. your ``thirdOrderId``. Without
    ``output_path`` the XCom report carries, per order, the tracking number, carrier, event
    count, the last event and the latest ``events_in_xcom`` events (compact). With
    ``output_path`` the full histories go to a JSON file in that folder (any
    ``ObjectStoragePath`` URL: a local path, ``s3://...``) and XCom carries its path in
    ``file`` plus the compact summary without the event lists.

    Pushes to XCom ``{"counts", "results": [{key (storeOrderId), outcome (ok/failed), status
    (tracked/no_tracking), data: {trackingNumber, carrier, eventCount, lastEvent, events}}],
    "file"}``.

    :param store_order_ids: one ``thirdOrderId`` or a list (templated; a create report works).
    :param output_path: folder for the full histories (templated).
    :param events_in_xcom: latest events per order kept in XCom when there is no file.
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: tracking calls in flight at once.
    """

    template_fields: Sequence[str] = ("store_order_ids", "output_path")

    def __init__(
        self, *, store_order_ids: Any, output_path: str | None = None, events_in_xcom: int = 10, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.store_order_ids = store_order_ids
        self.output_path = output_path
        self.events_in_xcom = events_in_xcom

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.operators import finish_bulk, run_sync
        from airflow_provider.hypersku import actions

        try:
            ids = actions.order_ids_of(
                self.store_order_ids, what="store_order_ids", report_key="third_order_ids"
            )
        except ValueError as err:
            raise self.invalid(err) from err
        hook = self.hook
        try:
            with self.fail_fast():
                actions.prime_token(hook)
            report, histories = run_sync(
                actions.track_orders(
                    hook,
                    ids,
                    concurrency=self.concurrency(),
                    events_in_xcom=0 if self.output_path else self.events_in_xcom,
                )
            )
        finally:
            hook.close()
        if self.output_path:
            report.file = actions.write_json(
                self.output_path, actions.file_name("hypersku_tracking", context), histories
            )
            self.log.info("Tracking histories of %d order(s) written to %s", len(histories), report.file)
        return finish_bulk(context, report, action="HyperSKU tracking")


class HyperSkuListProductsOperator(HyperSkuBaseOperator):
    """
    Read the whole product catalogue (or your private products), page after page.

    Pushes to XCom ``{"count", "sku_ids": [...], "products": [{productId, title, skus:
    [{skuId, price, attributes}]}], "file"}``; with ``output_path`` the full products go to a
    JSON file and ``products`` is left out of XCom.

    :param keyword: search keyword (templated).
    :param private: read ``getPrivateProduct`` (your sourced products) instead of ``getProductInfo``.
    :param output_path: folder for the full product JSON (templated).
    :param page_size: rows per page.
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    template_fields: Sequence[str] = ("keyword", "output_path")

    def __init__(
        self,
        *,
        keyword: str | None = None,
        private: bool = False,
        output_path: str | None = None,
        page_size: int = 50,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keyword = keyword
        self.private = private
        self.output_path = output_path
        self.page_size = page_size

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.hypersku import actions

        hook = self.hook
        try:
            with self.fail_fast():
                products = hook.list_products(
                    keyword=self.keyword or None, private=self.private, limit=self.page_size
                )
        finally:
            hook.close()
        payload: dict[str, Any] = {
            "count": len(products),
            "sku_ids": [sku.sku_id for product in products for sku in product.skus],
            "file": None,
        }
        if self.output_path:
            payload["file"] = actions.write_json(
                self.output_path,
                actions.file_name("hypersku_products", context),
                [p.model_dump(mode="json", by_alias=True) for p in products],
            )
        else:
            payload["products"] = [
                {
                    "productId": p.product_id,
                    "title": p.title,
                    "skus": [
                        {
                            "skuId": s.sku_id,
                            "price": None if s.price is None else str(s.price),
                            "attributes": s.attribute_text(),
                        }
                        for s in p.skus
                    ],
                }
                for p in products
            ]
        self.log.info("Read %d HyperSKU product(s), %d SKU(s)", payload["count"], len(payload["sku_ids"]))
        return payload


class HyperSkuGetInventoryOperator(HyperSkuBaseOperator):
    """
    Read stock levels per SKU and warehouse.

    ``source="customer"`` (default) reads ``getCustomerInventoryInfo`` (your stock held by
    HyperSKU); ``source="inventory"`` walks ``getInventoryInfo`` page after page (one walk per
    SKU when ``sku_ids`` is given, with bounded concurrency).

    Pushes to XCom ``{"count", "rows": [{skuId, available, locked, warehouseName}],
    "available": {skuId: total available}, "file"}``; with ``output_path`` the rows go to a JSON
    file instead of XCom (``available`` stays).

    :param sku_ids: only these SKUs (templated); all when omitted.
    :param source: ``customer`` or ``inventory``.
    :param output_path: folder for the rows as JSON (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    template_fields: Sequence[str] = ("sku_ids", "output_path")

    def __init__(
        self,
        *,
        sku_ids: Any = None,
        source: str = "customer",
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if source not in INVENTORY_SOURCES:
            raise ValueError(f"source must be one of {INVENTORY_SOURCES}, not {source!r}")
        self.sku_ids = sku_ids
        self.source = source
        self.output_path = output_path

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.operators import run_sync
        from airflow_provider.hypersku import actions

        try:
            skus = actions.order_ids_of(self.sku_ids, what="sku_ids") if self.sku_ids else None
        except ValueError as err:
            raise self.invalid(err) from err
        hook = self.hook
        try:
            with self.fail_fast():
                rows = run_sync(
                    actions.read_inventory(hook, self.source, skus, concurrency=self.concurrency())
                )
        finally:
            hook.close()
        available: dict[str, int] = {}
        for row in rows:
            if row["skuId"]:
                available[row["skuId"]] = available.get(row["skuId"], 0) + int(row["available"] or 0)
        payload: dict[str, Any] = {"count": len(rows), "available": available, "file": None}
        if self.output_path:
            payload["file"] = actions.write_json(
                self.output_path, actions.file_name("hypersku_inventory", context), rows
            )
        else:
            payload["rows"] = rows
        self.log.info("Read %d HyperSKU stock row(s) for %d SKU(s)", len(rows), len(available))
        return payload


class HyperSkuListOrdersOperator(HyperSkuBaseOperator):
    """
    List orders (``getOrderInfos``), optionally by status and creation time, page after page.

    Times may be datetimes or ISO strings (``"{{ data_interval_start }}"``); they are sent in
    HyperSKU's +08:00 ``yyyy-MM-dd HH:mm:ss``.

    Pushes to XCom ``{"count", "orders": [{orderId, storeOrderId, status}], "file"}``; with
    ``output_path`` the full orders go to a JSON file and ``orders`` is left out.

    :param status: only orders in this status code (templated).
    :param start_time: created at or after (templated).
    :param end_time: created before (templated).
    :param output_path: folder for the full orders as JSON (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

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
        from airflow_provider.hypersku import actions

        hook = self.hook
        try:
            with self.fail_fast():
                orders = hook.list_order_infos(
                    status=self.status if self.status not in (None, "") else None,
                    start_time=_as_time(self.start_time),
                    end_time=_as_time(self.end_time),
                )
        finally:
            hook.close()
        payload: dict[str, Any] = {"count": len(orders), "file": None}
        if self.output_path:
            payload["file"] = actions.write_json(
                self.output_path,
                actions.file_name("hypersku_orders", context),
                [o.model_dump(mode="json", by_alias=True) for o in orders],
            )
        else:
            payload["orders"] = [
                {"orderId": o.order_id, "storeOrderId": o.own_id, "status": o.status} for o in orders
            ]
        self.log.info("Read %d HyperSKU order(s)", len(orders))
        return payload


def _as_time(value: Any) -> datetime | str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value
    raise AirflowFailException(f"expected a datetime or an ISO time string, got {value!r}")
