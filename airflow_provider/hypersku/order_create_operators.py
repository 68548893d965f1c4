"""
HyperSKU order creation: :class:`HyperSkuCreateOrdersOperator` (each order at most once, with
an optional logistics channel chosen per order) and :class:`HyperSkuLogisticsQuoteOperator`
(a channel per destination, chosen before creating).

Light at DAG parse time: the hook, the models and httpx are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import BulkCreateOperator
from airflow_provider.hypersku.base_operator import HyperSkuOperator

if TYPE_CHECKING:
    import asyncio

    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport
    from airflow_provider.hypersku.hooks import HyperSkuHook
    from airflow_provider.hypersku.models import (
        LogisticsReponseDto,
        LogisticsResult,
        OrderBaseInfo,
        OrderResult,
        OrdersInfoDto,
    )

#: what ``HyperSkuCreateOrdersOperator(logistics=...)`` takes
LOGISTICS_CHOICES = (None, "cheapest", "fastest")


def _route(order: OrdersInfoDto) -> tuple[str, tuple[tuple[str, int], ...]]:
    """Where an order goes and what it carries: orders with the same route share a quote."""
    return order.shipping_address.country_code, tuple(sorted(order.sku_counts().items()))


def _orders_of(raw: Any, *, need_logistics: bool) -> list[OrdersInfoDto]:
    from airflow_provider.common.inputs import items_from
    from airflow_provider.hypersku.models import validate_orders

    return validate_orders(items_from(raw, param="orders"), need_logistics=need_logistics)


class HyperSkuCreateOrdersOperator(HyperSkuOperator, BulkCreateOperator["OrdersInfoDto"]):
    """
    Create one or many HyperSKU orders, each at most once across task attempts and DAG runs.

    Every order needs your own ``thirdOrderId``. HyperSKU does not document refusing a reused
    one, so by default every order is looked up by it (``getOrdersByExternalOrderId`` with the
    connection's ``store_code`` extra) before its create is sent: an order found is
    ``existed``, never created twice (a second DAG run over the same day creates nothing).
    Without ``store_code`` the task fails before sending anything, naming the missing extra.
    ``lookup_first=False`` declares every ``thirdOrderId`` fresh: nothing is looked up first and
    ``store_code`` is not needed, but a reused id then makes a second order (and a lost answer
    cannot be checked without ``store_code``: that order is ``unknown``). A lost answer is
    settled by the same look-up before anything is sent again. An order found under its
    ``thirdOrderId`` is ``existed`` when it has the same SKUs and quantities, ``existed`` marked
    unverified (``"verified": false`` in its data, with a warning) when its goods lines show no
    readable SKU, and a conflict (failed) otherwise. All orders are validated before any request
    (missing address fields, unknown country codes, ``num <= 0``, no SKUs, a ``thirdOrderId``
    used twice in the batch); an empty input skips the task.

    With ``logistics``, each order without ``logisticsId`` gets the cheapest (or fastest)
    channel of ``getLogisticsSku``, asked once per destination country and SKU set: an order
    whose SKUs or country have no channel fails alone (the others go on), and the channel chosen
    for an order is written into its result's data (``logisticsId``, ``freight``).

    Pushes to XCom ``{"counts": {...}, "results": [{key (thirdOrderId), outcome
    (created/existed/failed/unknown/invalid), id (orderId), status, error, data:
    {storeOrderId, amount, currencyCode, logisticsId, freight}}], "order_ids": [...],
    "third_order_ids": [...]}``; the report is pushed before the task fails on any failed order.

    :param orders: one order or a list (``OrdersInfoDto`` fields in HyperSKU's spelling:
        ``thirdOrderId``, ``shippingAddress``, ``skuItems``, ``logisticsId``, ...); templated,
        XCom works.
    :param logistics: for orders without ``logisticsId``: ``"cheapest"`` or ``"fastest"`` channel
        from ``getLogisticsSku`` per destination country and SKU set; ``None`` (default)
        requires ``logisticsId`` on every order.
    :param lookup_first: look every order up by its ``thirdOrderId`` before creating it
        (default: always); ``False`` declares every id fresh and skips the look-up.
    :param on_invalid: ``"stop"`` (default: send nothing if any order is invalid), ``"report"``
        (send the valid orders, report the invalid ones, fail the task) or ``"allow"`` (the
        same, the task succeeds).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: creates in flight at once.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("orders",)

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

    The orders (customers' names, addresses, phones) never go to XCom: the orders with
    ``logisticsId`` set are written to a JSON-lines file in ``output_path``
    (``hypersku_quoted_orders_<dag>_<task>_<run>[_<map>].jsonl``) and XCom gets its path.
    Pushes ``{"orders": path of that file, "count": orders in it, "quotes": [{countryCode,
    logisticsId, logisticsName, freight, currency, deliveryDays, orders}]}``, and ``orders`` and
    ``quotes`` each under their own key: ``quote.output["orders"]`` feeds
    :class:`HyperSkuCreateOrdersOperator` (a bulk operator reads such a path as its orders).

    :param orders: one order or a list, or a JSON-lines file of them (``OrdersInfoDto`` fields;
        templated, XCom works).
    :param strategy: ``"cheapest"`` (then fastest) or ``"fastest"`` (then cheapest); templated.
    :param output_path: folder of the quoted orders' file (local path or any
        ``ObjectStoragePath`` URL; templated). Default ``$AIRFLOW_HOME/fulfillment/handover``,
        which only tasks on the same machine can read: give shared storage on a fleet.
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: quote calls in flight at once.
    """

    template_fields: Sequence[str] = ("orders", "strategy", "output_path")

    def __init__(
        self, *, orders: Any, strategy: str = "cheapest", output_path: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if "{{" not in strategy and strategy not in ("cheapest", "fastest"):
            raise ValueError(f"strategy must be 'cheapest' or 'fastest', not {strategy!r}")
        self.orders = orders
        self.strategy = strategy
        self.output_path = output_path

    def _input_orders(self) -> list[OrdersInfoDto]:
        from airflow_provider.common.inputs import jsonl_chunks, jsonl_source

        source = jsonl_source(self.orders)
        if source is None:
            return _orders_of(self.orders, need_logistics=False)
        rows = [row for _lines, values in jsonl_chunks(source, 1000) for row in values]
        return _orders_of(rows, need_logistics=False)

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.handover import write_handover

        if self.strategy not in ("cheapest", "fastest"):
            raise AirflowFailException(f"strategy must be 'cheapest' or 'fastest', not {self.strategy!r}")
        try:
            orders = self._input_orders()
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
        path = write_handover(self.output_path, context, "hypersku_quoted_orders", quoted)
        self.log.info("%d quoted order(s) written to %s", len(quoted), path)
        # also as separate XCom keys, so ``quote.output["orders"]`` feeds the create operator
        context["ti"].xcom_push(key="orders", value=path)
        context["ti"].xcom_push(key="quotes", value=list(quotes.values()))
        return {"orders": path, "count": len(quoted), "quotes": list(quotes.values())}
