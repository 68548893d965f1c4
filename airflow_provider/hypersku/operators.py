"""
HyperSKU operators: create, cancel and re-address orders, quote logistics, fetch tracking, read
products, stock and orders. All are built on the one operator core
(:mod:`airflow_provider.common.base_operators`); this module holds only what is HyperSKU's.

Light at DAG parse time: the hook, the models and httpx are imported inside methods.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.common.operator_bases import (
    BulkCreateOperator,
    BulkOperator,
    PlatformOperator,
)

if TYPE_CHECKING:
    import asyncio
    from contextlib import _GeneratorContextManager

    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport, ItemResult
    from airflow_provider.hypersku.hooks import HyperSkuHook
    from airflow_provider.hypersku.models import (
        LogisticsReponseDto,
        LogisticsResult,
        OrderBaseInfo,
        OrderResult,
        OrdersInfoDto,
        UpdateOrderAddressReq,
    )

LOGISTICS_CHOICES = (None, "cheapest", "fastest")
INVENTORY_SOURCES = ("customer", "inventory")


class HyperSkuOperator(PlatformOperator):
    """
    Base of the HyperSKU operators: the connection and the hook.

    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: calls in flight at once; defaults to the connection's
        ``max_concurrency`` extra (16).
    """

    registry_key = "hypersku"
    ui_color = "#fde8d7"
    #: folder of :meth:`write_file` (operators that write files take it as a parameter)
    output_path: str | None = None

    def __init__(
        self, *, hypersku_conn_id: str = "hypersku_default", max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=hypersku_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.hypersku_conn_id = hypersku_conn_id

    if TYPE_CHECKING:  # the core's hook and session, typed as HyperSKU's

        @property
        def hook(self) -> HyperSkuHook: ...

        def session(self) -> _GeneratorContextManager[HyperSkuHook, None, None]: ...

    @staticmethod
    def as_time(value: Any) -> datetime | str | None:
        """A datetime, an ISO string (read as a datetime; naive = UTC) or a string in HyperSKU's form."""
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
        if isinstance(value, datetime):
            return value
        raise ValueError(f"expected a datetime or an ISO time string, got {value!r}")

    def write_file(self, context: Context, prefix: str, payload: Any) -> str:
        """Write ``payload`` as JSON to ``output_path/<prefix>_<dag>_<task>_<run>[_<map>].json``."""
        import json
        import re

        from airflow.sdk import ObjectStoragePath

        ti = context.get("ti")
        parts = [prefix, getattr(ti, "dag_id", None), getattr(ti, "task_id", None), context.get("run_id")]
        map_index = getattr(ti, "map_index", -1)
        if isinstance(map_index, int) and map_index >= 0:
            parts.append(str(map_index))
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(str(part) for part in parts if part)) + ".json"
        folder = ObjectStoragePath(str(self.output_path))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        target.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
        self.log.info("%s written to %s", prefix, target)
        return str(target)


def _route(order: OrdersInfoDto) -> tuple[str, tuple[tuple[str, int], ...]]:
    """Where an order goes and what it carries: orders with the same route share a quote."""
    return order.shipping_address.country_code, tuple(sorted(order.sku_counts().items()))


def _orders_of(raw: Any, *, need_logistics: bool) -> list[OrdersInfoDto]:
    from airflow_provider.common.inputs import items_from
    from airflow_provider.hypersku.models import validate_orders

    return validate_orders(items_from(raw, param="orders"), need_logistics=need_logistics)


class HyperSkuCreateOrdersOperator(HyperSkuOperator, BulkCreateOperator["OrdersInfoDto"]):
    """
    Create one or many HyperSKU orders, each at most once across task attempts.

    Every order needs your own ``thirdOrderId``. An attempt that is not the first (a retry or a
    cleared task), or any attempt with ``lookup_first=True``, looks every order up by it
    (``getOrdersByExternalOrderId`` with the connection's ``store_code`` extra) before sending
    any create: found orders are ``existed``, never created twice. Without ``store_code`` such an
    attempt fails at once naming the missing extra. A lost answer is settled by the same
    look-up; a "duplicate" answer counts as ``existed`` only when the existing order has the
    same SKUs and quantities (otherwise the order fails as a conflict). All orders are validated
    before any request (missing address fields, unknown country codes, ``num <= 0``, no SKUs,
    a ``thirdOrderId`` used twice in the batch); an empty input skips the task.

    Pushes to XCom ``{"counts": {...}, "results": [{key (thirdOrderId), outcome
    (created/existed/failed/unknown), id (orderId), status, error, data}], "order_ids": [...],
    "third_order_ids": [...]}``; the report is pushed before the task fails on any failed order.

    :param orders: one order or a list (``OrdersInfoDto`` fields in HyperSKU's spelling:
        ``thirdOrderId``, ``shippingAddress``, ``skuItems``, ``logisticsId``, ...); templated,
        XCom works.
    :param logistics: for orders without ``logisticsId``: ``"cheapest"`` or ``"fastest"`` channel
        from ``getLogisticsSku`` per destination country; ``None`` (default) requires
        ``logisticsId`` on every order.
    :param lookup_first: look every order up before creating any (default: on retries only).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: creates in flight at once.
    """

    action = "HyperSKU create orders"
    template_fields: Sequence[str] = ("orders", "results_path")

    def __init__(self, *, orders: Any, logistics: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if logistics not in LOGISTICS_CHOICES:
            raise ValueError(f"logistics must be one of {LOGISTICS_CHOICES}, not {logistics!r}")
        self.orders = orders
        self.logistics = logistics
        #: one quote per destination and SKU set, shared by the orders going there
        self._quotes: dict[tuple[str, tuple[tuple[str, int], ...]], asyncio.Future[LogisticsResult]] = {}

    def validate_items(self, raw: Any) -> list[OrdersInfoDto]:
        return _orders_of(raw, need_logistics=self.logistics is None)

    def item_key(self, item: OrdersInfoDto) -> str:
        return item.third_order_id

    def prepare(
        self, hook: HyperSkuHook, items: list[OrdersInfoDto], context: Context
    ) -> list[OrdersInfoDto]:
        from airflow.sdk.exceptions import AirflowFailException

        self.prime_token(hook)
        if not str(hook.extra.get("store_code") or "").strip():
            if self.looks_up_first(context):
                raise AirflowFailException(
                    f"{self.task_id}: connection {self.hypersku_conn_id} has no 'store_code' extra: every "
                    "order must be looked up by thirdOrderId before it is created (HyperSKU does not refuse "
                    "a reused thirdOrderId, so a re-run would buy again), and cannot be; add store_code, or "
                    "pass lookup_first=False if every thirdOrderId is new; nothing was sent"
                )
            self.log.warning(
                "Connection %s has no store_code extra: a lost create answer cannot be checked "
                "(the order is reported 'unknown')",
                self.hypersku_conn_id,
            )
        return items

    async def create(self, hook: HyperSkuHook, item: OrdersInfoDto) -> OrderBaseInfo:
        if item.logistics_id is None:
            choice = await self.channel(hook, item)
            item = item.model_copy(update={"logistics_id": choice.logistics_id})
        return (await hook.acreate_order(item)).order_base_info

    async def channel(self, hook: HyperSkuHook, item: OrdersInfoDto) -> LogisticsReponseDto:
        """The ``logistics`` channel for an order without ``logisticsId``, asked once per
        destination and SKU set (orders to the same place share the answer); an order whose
        SKUs or country have no channel fails alone, named."""
        import asyncio

        from airflow_provider.common.errors import BadRequestError
        from airflow_provider.hypersku.models import select_option

        route = _route(item)
        if route not in self._quotes:
            request = {"countryCode": route[0], "skuItems": [line.dump() for line in item.sku_items]}
            self._quotes[route] = asyncio.ensure_future(hook.aget_logistics_sku(request))
        try:
            answer = await asyncio.shield(self._quotes[route])
        except BadRequestError as err:
            raise BadRequestError(
                hook.platform,
                f"no logistics quote for order {item.third_order_id}: {err.message}",
                code=err.code,
            ) from None
        choice = select_option(answer.options, str(self.logistics))
        if choice is None:
            raise BadRequestError(
                hook.platform,
                f"no {self.logistics} logistics channel to {route[0]} for the SKUs of order {item.third_order_id}",
            )
        return choice

    async def lookup(self, hook: HyperSkuHook, item: OrdersInfoDto) -> OrderResult | None:
        return await hook.afind_order(item.third_order_id)

    def result_data(self, item: OrdersInfoDto) -> dict[str, Any]:
        """The channel chosen for the order (``logisticsId``, ``freight``) when this run chose one."""
        future = self._quotes.get(_route(item)) if item.logistics_id is None else None
        if future is None or not future.done() or future.exception() is not None:
            return {}
        from airflow_provider.hypersku.models import select_option

        choice = select_option(future.result().options, str(self.logistics))
        if choice is None:
            return {}
        data = {"logisticsId": choice.logistics_id}
        if choice.freight is not None:
            data["freight"] = str(choice.freight)
        return data

    def describe(self, value: OrderBaseInfo | OrderResult) -> tuple[str | None, str | None, dict[str, Any]]:
        """Ids, status, amount (no personal data)."""
        from airflow_provider.hypersku.models import OrderBaseInfo

        own = value.store_order_id if isinstance(value, OrderBaseInfo) else value.own_id
        data = {"storeOrderId": own, "amount": value.amount, "currencyCode": value.currency_code}
        data = {key: str(v) for key, v in data.items() if v not in (None, "")}
        return value.order_id, None if value.status is None else str(value.status), data

    def matches(self, item: OrdersInfoDto, value: OrderBaseInfo | OrderResult) -> bool | None:
        """The order under this ``thirdOrderId`` has the same SKUs and quantities; ``None``
        (cannot tell) when it lists no goods, or goods lines without a readable SKU."""
        from airflow_provider.hypersku.models import OrderResult

        if not isinstance(value, OrderResult) or not value.goods_list:
            return True if not isinstance(value, OrderResult) else None
        if any(line.sku is None for line in value.goods_list):
            return None
        return value.sku_counts() == item.sku_counts()

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        # one pass, keeping ids only: in streaming mode the results are read back one at a time
        order_ids: list[str] = []
        third_order_ids: list[str] = []
        for result in report.results:
            if not result.failed and result.id:
                order_ids.append(result.id)
                third_order_ids.append(result.key)
        return {"order_ids": order_ids, "third_order_ids": third_order_ids}


class HyperSkuLogisticsQuoteOperator(HyperSkuOperator):
    """
    Quote shipping per destination with ``getLogisticsSku`` and pick a channel for every order.

    Orders that have no ``logisticsId`` get the cheapest (or fastest) channel that carries their
    SKUs to their country; HyperSKU is asked once per destination and SKU set. Orders are
    validated first, as for creation; an empty input skips the task.

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
        if "{{" not in strategy and strategy not in ("cheapest", "fastest"):
            raise ValueError(f"strategy must be 'cheapest' or 'fastest', not {strategy!r}")
        self.orders = orders
        self.strategy = strategy

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        if self.strategy not in ("cheapest", "fastest"):
            raise AirflowFailException(f"strategy must be 'cheapest' or 'fastest', not {self.strategy!r}")
        try:
            orders = _orders_of(self.orders, need_logistics=False)
        except ValueError as err:
            raise AirflowFailException(f"{self.task_id}: orders: {err}") from err
        if not orders:
            raise AirflowSkipException("orders: nothing to quote (no orders in the input)")
        with self.session() as hook, self.fail_fast():
            choices = hook.run_async(hook.achoose_logistics(orders, self.strategy, limit=self.concurrency()))
        quoted: list[dict[str, Any]] = []
        quotes: dict[tuple[str, str], dict[str, Any]] = {}
        for order, choice in zip(orders, choices, strict=True):
            if choice is None and order.logistics_id is None:
                country = order.shipping_address.country_code
                raise AirflowFailException(f"order {order.third_order_id}: no logistics channel to {country}")
            if choice is not None:
                order = order.model_copy(update={"logistics_id": choice.logistics_id})
                row = quotes.setdefault(
                    (order.shipping_address.country_code, str(choice.logistics_id)),
                    {
                        "countryCode": order.shipping_address.country_code,
                        "logisticsId": choice.logistics_id,
                        "logisticsName": choice.logistics_name,
                        "freight": None if choice.freight is None else str(choice.freight),
                        "currency": choice.currency,
                        "deliveryDays": choice.delivery_days,
                        "orders": 0,
                    },
                )
                row["orders"] += 1
            quoted.append(order.dump())
        for quote in quotes.values():
            self.log.info(
                "%s: %s %s (%s %s, %s days) for %d order(s)",
                *(quote[k] for k in ("countryCode", "logisticsId", "logisticsName", "freight")),
                quote["currency"] or "",
                quote["deliveryDays"],
                quote["orders"],
            )
        # also as separate XCom keys, so ``quote.output["orders"]`` feeds the create operator
        context["ti"].xcom_push(key="orders", value=quoted)
        context["ti"].xcom_push(key="quotes", value=list(quotes.values()))
        return {"orders": quoted, "quotes": list(quotes.values())}


class HyperSkuCancelOrdersOperator(HyperSkuOperator, BulkOperator[str]):
    """
    Cancel HyperSKU orders; an order already closed or refunding counts as cancelled.

    One ``getOrdersStatus`` call before (orders already closed are not sent) and one after (the
    final statuses). An empty input skips the task.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (updated = cancelled now,
    ok = already cancelled, failed), status}]}`` before failing on any failure.

    :param order_ids: one HyperSKU ``orderId`` or a list (templated; a create report works).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: cancels in flight at once.
    """

    action = "HyperSKU cancel orders"
    items_param = "order_ids"
    template_fields: Sequence[str] = ("order_ids", "results_path")

    def __init__(self, *, order_ids: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_ids = order_ids
        self._before: dict[str, str] = {}

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_ids", report_key="order_ids")

    def item_key(self, item: str) -> str:
        return item

    def prepare(self, hook: HyperSkuHook, items: list[str], context: Context) -> list[str]:
        self.prime_token(hook)
        self._before = hook.fetch_statuses(items)
        return items

    async def run_item(self, hook: HyperSkuHook, item: str) -> ItemResult:
        from airflow_provider.common.errors import ApiError, AuthError, ConfigurationError
        from airflow_provider.common.results import ItemResult
        from airflow_provider.hypersku.constants import CANCELLED_STATUSES

        status = self._before.get(item)
        if status not in CANCELLED_STATUSES:
            try:
                await hook.acancel_order(item)
                return ItemResult(key=item, outcome="updated", id=item)
            except (AuthError, ConfigurationError):
                raise
            except ApiError:
                # A cancel retried after a lost answer, or an order closed meanwhile, is done.
                status = (await hook.afetch_statuses([item])).get(item)
                if status not in CANCELLED_STATUSES:
                    raise
        return ItemResult(key=item, outcome="ok", id=item, status=status, data={"already": True})

    async def run_items(
        self, hook: HyperSkuHook, items: list[str], context: Context, on_result: Any
    ) -> BulkReport:
        from airflow_provider.common.errors import ApiError

        report = await super().run_items(hook, items, context, on_result)
        try:
            after = await hook.afetch_statuses(items)
        except ApiError as err:
            self.log.warning("Could not read the statuses after cancelling: %s", err)
            after = {}
        for result in report.results:
            result.status = after.get(result.key, result.status)
        return report


class HyperSkuUpdateOrderAddressesOperator(HyperSkuOperator, BulkOperator["UpdateOrderAddressReq"]):
    """
    Change the shipping address of orders not yet shipped (safe to run again).

    Give ``order_id`` + ``shipping_address`` for one order, or ``updates`` for many. Addresses
    are validated (required fields, ISO country code) before any request; an empty ``updates``
    skips the task.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (updated/failed),
    data: {countryCode}}]}`` (no address data) before failing on any failure.

    :param order_id: the HyperSKU ``orderId`` (templated).
    :param shipping_address: ``ShippingAddressDto`` fields (templated).
    :param updates: ``[{"orderId": ..., "shippingAddress": {...}}]`` (templated).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: updates in flight at once.
    """

    action = "HyperSKU update order addresses"
    items_param = "updates"
    template_fields: Sequence[str] = ("order_id", "shipping_address", "updates", "results_path")

    def __init__(
        self, *, order_id: Any = None, shipping_address: Any = None, updates: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if updates is None and (order_id is None or shipping_address is None):
            raise ValueError("give order_id and shipping_address, or updates")
        self.order_id = order_id
        self.shipping_address = shipping_address
        self.updates = updates

    def validate_items(self, raw: Any) -> list[UpdateOrderAddressReq]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all
        from airflow_provider.hypersku.models import UpdateOrderAddressReq

        if raw is None:
            raw = [{"orderId": self.order_id, "shippingAddress": self.shipping_address}]
        return validate_all(UpdateOrderAddressReq, items_from(raw, param="updates"), id_field="orderId")

    def item_key(self, item: UpdateOrderAddressReq) -> str:
        return item.order_id

    async def run_item(self, hook: HyperSkuHook, item: UpdateOrderAddressReq) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        await hook.aupdate_order_address(item.order_id, item.shipping_address)
        country = item.shipping_address.country_code
        return ItemResult(
            key=item.order_id, outcome="updated", id=item.order_id, data={"countryCode": country}
        )


class HyperSkuPerOrderReadOperator(HyperSkuOperator, BulkOperator[str]):
    """
    Base of the operators that read one record per order id with bounded concurrency and put
    the full records in one JSON file under ``output_path`` (its path in XCom under ``file``).

    Subclasses set :attr:`file_prefix` and implement :meth:`read`, returning the compact
    ``ItemResult`` and the full record of one id.
    """

    #: the JSON file's name starts with this
    file_prefix: ClassVar[str] = ""

    def __init__(self, *, output_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.output_path = output_path
        self._records: dict[str, Any] = {}
        self._file: str | None = None

    def item_key(self, item: str) -> str:
        return item

    @abstractmethod
    async def read(self, hook: HyperSkuHook, item: str) -> tuple[ItemResult, Any]:
        """The compact result of ``item`` and its full record (JSON-ready) for the file."""

    async def run_item(self, hook: HyperSkuHook, item: str) -> ItemResult:
        result, record = await self.read(hook, item)
        self._records[item] = record
        return result

    def finish(self, context: Context, report: BulkReport) -> dict[str, Any]:
        if self.output_path:
            self._file = self.write_file(context, self.file_prefix, self._records)
        return super().finish(context, report)

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        return {"file": self._file}


class HyperSkuGetTrackingOperator(HyperSkuPerOrderReadOperator):
    """
    Fetch the international tracking of many orders with bounded concurrency.

    Tracking is looked up by ``storeOrderId``, i.e. your ``thirdOrderId``. Without
    ``output_path`` the XCom report carries, per order, the tracking number, carrier, event
    count, the last event and the latest ``events_in_xcom`` events (compact). With
    ``output_path`` the full histories go to a JSON file in that folder (any
    ``ObjectStoragePath`` URL: a local path, ``s3://...``) and XCom carries its path under
    ``file`` plus the compact summary without the event lists. An empty input skips the task.

    Pushes to XCom ``{"counts", "results": [{key (storeOrderId), outcome (ok/failed), status
    (tracked/no_tracking), data: {trackingNumber, carrier, eventCount, lastEvent, events}}],
    "file"}``.

    :param store_order_ids: one ``thirdOrderId`` or a list (templated; a create report works).
    :param output_path: folder for the full histories (templated).
    :param events_in_xcom: latest events per order kept in XCom when there is no file.
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: tracking calls in flight at once.
    """

    action = "HyperSKU tracking"
    items_param = "store_order_ids"
    file_prefix = "hypersku_tracking"
    template_fields: Sequence[str] = ("store_order_ids", "output_path", "results_path")

    def __init__(self, *, store_order_ids: Any, events_in_xcom: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store_order_ids = store_order_ids
        self.events_in_xcom = events_in_xcom

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="store_order_ids", report_field="key", report_key="third_order_ids")

    async def read(self, hook: HyperSkuHook, item: str) -> tuple[ItemResult, Any]:
        from airflow_provider.common.results import ItemResult

        info = await hook.aget_international_logistics(item)
        events = info.sorted_tracks()
        data: dict[str, Any] = {
            "trackingNumber": info.tracking_number,
            "carrier": info.express_delivery,
            "eventCount": len(events),
        }
        if events:
            data["lastEvent"] = events[-1].compact()
        if self.events_in_xcom > 0 and not self.output_path:
            data["events"] = [event.compact() for event in events[-self.events_in_xcom :]]
        tracked = bool(info.tracking_number or events)
        result = ItemResult(key=item, outcome="ok", status="tracked" if tracked else "no_tracking", data=data)
        return result, info.model_dump(mode="json", by_alias=True)


class HyperSkuGetInventoryHistoryOperator(HyperSkuPerOrderReadOperator):
    """
    Read the stock movements orders caused (``getInventoryHistoryByOrderId``), many orders with
    bounded concurrency.

    An order that ships from your stock held by HyperSKU locks that stock (a negative ``num``);
    cancelling it releases the stock again (a positive ``num``). Without ``output_path`` the XCom
    report carries, per order, the movement count, the net quantity per SKU and the latest
    ``rows_in_xcom`` movements (compact). With ``output_path`` every movement goes to a JSON file
    in that folder (``{orderId: [OrderInventoryHistoryDto]}``; any ``ObjectStoragePath`` URL) and
    XCom carries its path under ``file`` plus the counts without the rows. Order ids are
    validated before any request; an empty input skips the task.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (ok/failed), status
    (moved/no_movement), data: {movements, netBySku: {skuId: num}, rows: [{skuId, num, type,
    warehouseName, time}]}}], "file"}``, before failing on any failed order (an unknown order id
    fails that order only).

    :param order_ids: one HyperSKU ``orderId`` or a list (templated): a create report works
        (its ``order_ids``), as do ``"id1,id2"`` and a JSON list.
    :param output_path: folder for the full histories (templated).
    :param rows_in_xcom: latest movements per order kept in XCom when there is no file.
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: history calls in flight at once.
    """

    action = "HyperSKU inventory history"
    items_param = "order_ids"
    file_prefix = "hypersku_inventory_history"
    template_fields: Sequence[str] = ("order_ids", "output_path", "results_path")

    def __init__(self, *, order_ids: Any, rows_in_xcom: int = 20, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(rows_in_xcom) < 0:
            raise ValueError(f"rows_in_xcom must be 0 or more, not {rows_in_xcom!r}")
        self.order_ids = order_ids
        self.rows_in_xcom = int(rows_in_xcom)

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_ids", report_key="order_ids")

    async def read(self, hook: HyperSkuHook, item: str) -> tuple[ItemResult, Any]:
        from airflow_provider.common.results import ItemResult

        rows = await hook.aget_inventory_history_by_order_id(item)
        rows.sort(key=lambda row: (row.crt_time is None, row.crt_time or 0))
        net: dict[str, int] = {}
        for row in rows:
            if row.sku_id is not None:
                net[row.sku_id] = net.get(row.sku_id, 0) + (row.num or 0)
        data: dict[str, Any] = {"movements": len(rows), "netBySku": net}
        if self.rows_in_xcom > 0 and not self.output_path:
            data["rows"] = [row.compact() for row in rows[-self.rows_in_xcom :]]
        result = ItemResult(
            key=item, outcome="ok", id=item, status="moved" if rows else "no_movement", data=data
        )
        return result, [row.model_dump(mode="json", by_alias=True) for row in rows]


class HyperSkuListProductsOperator(HyperSkuOperator):
    """
    Read the whole product catalogue (or your private products), page after page.

    Pushes to XCom ``{"count", "sku_ids": [...], "products": [{productId, title, skus:
    [{skuId, price, attributes}]}], "file"}``; with ``output_path`` the full products go to a
    JSON file (its path under ``file``) and ``products`` is left out of XCom.

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
        with self.session() as hook, self.fail_fast():
            products = hook.list_products(
                keyword=self.keyword or None, private=self.private, limit=self.page_size
            )
        payload: dict[str, Any] = {
            "count": len(products),
            "sku_ids": [sku.sku_id for product in products for sku in product.skus],
            "file": None,
        }
        if self.output_path:
            full = [p.model_dump(mode="json", by_alias=True) for p in products]
            payload["file"] = self.write_file(context, "hypersku_products", full)
        else:
            payload["products"] = [product.compact() for product in products]
        self.log.info("Read %d HyperSKU product(s), %d SKU(s)", payload["count"], len(payload["sku_ids"]))
        return payload


class HyperSkuGetInventoryOperator(HyperSkuOperator):
    """
    Read stock levels per SKU and warehouse.

    ``source="customer"`` (default) reads ``getCustomerInventoryInfo`` (your stock held by
    HyperSKU); ``source="inventory"`` walks ``getInventoryInfo`` page after page (one walk per
    SKU when ``sku_ids`` is given, with bounded concurrency).

    Pushes to XCom ``{"count", "rows": [{skuId, available, locked, warehouseName}],
    "available": {skuId: total available}, "file"}``; with ``output_path`` the rows go to a JSON
    file (its path under ``file``) instead of XCom (``available`` stays).

    :param sku_ids: only these SKUs (templated); all when omitted.
    :param source: ``customer`` or ``inventory``.
    :param output_path: folder for the rows as JSON (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    """

    template_fields: Sequence[str] = ("sku_ids", "output_path")

    def __init__(
        self, *, sku_ids: Any = None, source: str = "customer", output_path: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if source not in INVENTORY_SOURCES:
            raise ValueError(f"source must be one of {INVENTORY_SOURCES}, not {source!r}")
        self.sku_ids = sku_ids
        self.source = source
        self.output_path = output_path

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.inputs import ids_from

        with self.fail_fast():
            skus = ids_from(self.sku_ids, param="sku_ids")
        with self.session() as hook, self.fail_fast():
            rows = hook.run_async(self._read(hook, skus))
        available: dict[str, int] = {}
        for row in rows:
            if row["skuId"]:
                available[row["skuId"]] = available.get(row["skuId"], 0) + int(row["available"] or 0)
        payload: dict[str, Any] = {"count": len(rows), "available": available, "file": None}
        if self.output_path:
            payload["file"] = self.write_file(context, "hypersku_inventory", rows)
        else:
            payload["rows"] = rows
        self.log.info("Read %d HyperSKU stock row(s) for %d SKU(s)", len(rows), len(available))
        return payload

    async def _read(self, hook: HyperSkuHook, skus: list[str]) -> list[dict[str, Any]]:
        """Stock rows ``{skuId, available, locked, warehouseName}`` of ``skus`` (all when empty)."""
        rows: list[Any]
        if self.source == "customer":
            rows = [r for r in await hook.aget_customer_inventory_info() if not skus or r.sku_id in skus]
        elif not skus:
            rows = await hook.alist_inventory()
        else:

            async def walk(sku_id: str) -> list[Any]:
                return [r for r in await hook.alist_inventory(sku_id=sku_id) if r.sku_id in (None, sku_id)]

            walks = await hook.gather_limited(skus, walk, limit=self.concurrency())
            rows = [row for found in walks for row in found]
        return [
            {
                "skuId": r.sku_id,
                "available": r.available,
                "locked": r.locked,
                "warehouseName": r.warehouse_name,
            }
            for r in rows
        ]


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
