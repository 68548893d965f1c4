"""
The work behind the HyperSKU operators: input validation, bulk creates, cancels, address
changes, tracking and read-outs. Operators import this module inside ``execute`` only (it pulls
in the hook and the models).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.errors import ApiError, AuthError, BadRequestError, ConfigurationError
from airflow_provider.common.models import InputError, validate_all
from airflow_provider.common.operators import (
    BulkReport,
    IdempotentCreate,
    ItemResult,
    normalize_items,
    run_bulk,
)
from airflow_provider.hypersku.constants import CANCELLED_STATUSES
from airflow_provider.hypersku.hooks import PLATFORM
from airflow_provider.hypersku.models import (
    LogisticsReponseDto,
    OrderBaseInfo,
    OrderResult,
    OrdersInfoDto,
    OrdersLogisticsTrackVo,
    UpdateOrderAddressReq,
)

if TYPE_CHECKING:
    from airflow_provider.hypersku.hooks import HyperSkuHook

log = logging.getLogger(__name__)

LOGISTICS_STRATEGIES = ("cheapest", "fastest")


class OrdersReport(BulkReport):
    """A bulk report whose XCom also lists the HyperSKU order ids of the orders that exist now."""

    def to_xcom(self) -> dict[str, Any]:
        payload = super().to_xcom()
        ok = [r for r in self.results if not r.failed and r.id]
        payload["order_ids"] = [r.id for r in ok]
        payload["third_order_ids"] = [r.key for r in ok]
        return payload


class FileReport(BulkReport):
    """A bulk report whose full payload may live in a JSON file (its path goes to XCom)."""

    file: str | None = None

    def to_xcom(self) -> dict[str, Any]:
        return {**super().to_xcom(), "file": self.file}


# ----------------------------------------------------------------------------- input
def _label(item: dict[str, Any], index: int) -> str:
    return str(item["thirdOrderId"]) if item.get("thirdOrderId") else f"#{index}"


def validate_orders(value: Any, *, need_logistics: bool) -> list[OrdersInfoDto]:
    """
    Orders from one dict, a list, a JSON string or XCom, all validated before anything is sent.

    :param need_logistics: whether every order must carry its own ``logisticsId``.
    :raises InputError: naming each bad order and field (``ValueError`` for a wrong shape).
    """
    items = normalize_items(value, what="orders")
    problems: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        third = str(item.get("thirdOrderId") or "").strip()
        if third and third in seen:
            problems.append((third, "thirdOrderId", "used by two orders of this batch"))
        seen.add(third)
        if need_logistics and item.get("logisticsId") in (None, ""):
            problems.append(
                (_label(item, index), "logisticsId", "required unless logistics='cheapest' or 'fastest'")
            )
    try:
        orders = validate_all(OrdersInfoDto, items, id_field="thirdOrderId")
    except InputError as err:
        raise InputError(err.errors + problems) from None
    if problems:
        raise InputError(problems)
    return orders


def validate_address_updates(value: Any) -> list[UpdateOrderAddressReq]:
    """``[{orderId, shippingAddress}]`` validated before anything is sent."""
    items = normalize_items(value, what="updates")
    return validate_all(UpdateOrderAddressReq, items, id_field="orderId")


def order_ids_of(value: Any, *, what: str = "order_ids", report_key: str = "order_ids") -> list[str]:
    """
    One id, a list of ids, a comma-separated string, or a create operator's XCom report (its
    ``report_key`` list: ``order_ids`` or ``third_order_ids``) -> unique ids in order.
    """
    if isinstance(value, dict) and report_key in value:
        value = value[report_key]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            value = json.loads(text)
        else:
            value = [part for part in re.split(r"[,\s]+", text) if part]
    if isinstance(value, int):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueError(f"{what}: expected an id or a list of ids, got {type(value).__name__}")
    ids = list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
    if not ids:
        raise ValueError(f"{what}: no id given")
    return ids


def prime_token(hook: HyperSkuHook) -> None:
    """Get the token once before fanning out (one token call for the whole batch)."""
    hook.get_token()


# ----------------------------------------------------------------------------- logistics choice
def select_option(options: Sequence[LogisticsReponseDto], strategy: str) -> LogisticsReponseDto | None:
    """The cheapest (then fastest) or the fastest (then cheapest) channel, ``None`` when none fits."""
    usable = [o for o in options if o.logistics_id]
    far, dear = 10**6, 10**12

    def cost(option: LogisticsReponseDto) -> Any:
        return option.freight if option.freight is not None else dear

    def days(option: LogisticsReponseDto) -> int:
        found = option.max_days()
        return far if found is None else found

    if strategy == "fastest":
        return min(usable, key=lambda o: (days(o), cost(o)), default=None)
    return min(usable, key=lambda o: (cost(o), days(o)), default=None)


class LogisticsChooser:
    """Picks a channel per destination country and SKU set, asking HyperSKU once per pair."""

    def __init__(self, hook: HyperSkuHook, strategy: str) -> None:
        if strategy not in LOGISTICS_STRATEGIES:
            raise ValueError(f"logistics must be one of {LOGISTICS_STRATEGIES} or None, not {strategy!r}")
        self.hook = hook
        self.strategy = strategy
        self._asked: dict[tuple[str, tuple[tuple[str, int], ...]], asyncio.Future[LogisticsReponseDto]] = {}

    async def choose(self, order: OrdersInfoDto) -> LogisticsReponseDto:
        country = order.shipping_address.country_code
        key = (country, tuple(sorted(order.sku_counts().items())))
        future = self._asked.get(key)
        if future is None:
            future = self._asked[key] = asyncio.ensure_future(self._ask(order))
        return await asyncio.shield(future)

    async def _ask(self, order: OrdersInfoDto) -> LogisticsReponseDto:
        country = order.shipping_address.country_code
        result = await self.hook.aget_logistics_sku(
            {"countryCode": country, "skuItems": [i.dump() for i in order.sku_items]}
        )
        choice = select_option(result.options, self.strategy)
        if choice is None:
            raise BadRequestError(PLATFORM, f"no logistics channel to {country} for these SKUs")
        log.info(
            "%s logistics to %s: %s (%s, %s %s, %s days)",
            self.strategy,
            country,
            choice.logistics_id,
            choice.logistics_name,
            choice.freight,
            choice.currency or "",
            choice.delivery_days,
        )
        return choice


async def quote_orders(
    hook: HyperSkuHook, orders: Sequence[OrdersInfoDto], *, strategy: str, concurrency: int = 16
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """
    Choose a channel for every order (one ``getLogisticsSku`` call per destination and SKU set).

    :returns: the orders with ``logisticsId`` set (orders that already had one are kept as they
        are), and one quote row per destination: ``{countryCode, logisticsId, logisticsName,
        freight, currency, deliveryDays, orders}``.
    """
    chooser = LogisticsChooser(hook, strategy)
    semaphore = asyncio.Semaphore(max(1, concurrency))

    async def one(order: OrdersInfoDto) -> tuple[OrdersInfoDto, LogisticsReponseDto | None]:
        if order.logistics_id is not None:
            return order, None
        async with semaphore:
            choice = await chooser.choose(order)
        return order.model_copy(update={"logistics_id": choice.logistics_id}), choice

    try:
        chosen = await asyncio.gather(*(one(order) for order in orders))
    finally:
        await hook.aclose()
    quotes: dict[tuple[str, str], dict[str, Any]] = {}
    for order, choice in chosen:
        if choice is None:
            continue
        country = order.shipping_address.country_code
        row = quotes.setdefault(
            (country, str(choice.logistics_id)),
            {
                "countryCode": country,
                "logisticsId": choice.logistics_id,
                "logisticsName": choice.logistics_name,
                "freight": None if choice.freight is None else str(choice.freight),
                "currency": choice.currency,
                "deliveryDays": choice.delivery_days,
                "orders": 0,
            },
        )
        row["orders"] += 1
    return [order.dump() for order, _ in chosen], list(quotes.values())


# ----------------------------------------------------------------------------- create
def describe_order(value: OrderBaseInfo | OrderResult) -> tuple[str | None, str | None, dict[str, Any]]:
    """Compact XCom form of a created or found order (ids, status, amount; no personal data)."""
    data: dict[str, Any] = {}
    own = value.store_order_id if isinstance(value, OrderBaseInfo) else value.own_id
    if own:
        data["storeOrderId"] = own
    if value.amount is not None:
        data["amount"] = str(value.amount)
    if value.currency_code:
        data["currencyCode"] = value.currency_code
    return value.order_id, None if value.status is None else str(value.status), data


def same_order(order: OrdersInfoDto, existing: OrderBaseInfo | OrderResult) -> bool:
    """Whether an order found under the same ``thirdOrderId`` has the same SKUs and quantities."""
    if isinstance(existing, OrderResult) and existing.goods_list:
        return existing.sku_counts() == order.sku_counts()
    log.info("%s: the existing order lists no goods; taking it as this order", order.third_order_id)
    return True


async def create_orders(
    hook: HyperSkuHook,
    orders: Sequence[OrdersInfoDto],
    *,
    logistics: str | None = None,
    concurrency: int = 16,
) -> OrdersReport:
    """
    Create every order at most once (keyed by ``thirdOrderId``) with bounded concurrency.

    A lost answer is settled by looking the order up by ``thirdOrderId``; a duplicate answer
    counts as ``existed`` only when the existing order has the same SKUs and quantities.
    """
    chooser = LogisticsChooser(hook, logistics) if logistics else None

    async def create(order: OrdersInfoDto) -> OrderBaseInfo | OrderResult:
        return (await hook.acreate_order(order)).order_base_info

    async def lookup(order: OrdersInfoDto) -> OrderBaseInfo | OrderResult | None:
        return await hook.afind_order(order.third_order_id)

    creator: IdempotentCreate[OrdersInfoDto, OrderBaseInfo | OrderResult] = IdempotentCreate(
        create=create, lookup=lookup, describe=describe_order, matches=same_order
    )

    async def work(order: OrdersInfoDto) -> ItemResult:
        choice = None
        if order.logistics_id is None:
            if chooser is None:
                raise ConfigurationError(PLATFORM, f"{order.third_order_id}: no logisticsId")
            choice = await chooser.choose(order)
            order = order.model_copy(update={"logistics_id": choice.logistics_id})
        result = await creator(order.third_order_id, order)
        if choice is not None:
            result.data["logisticsId"] = choice.logistics_id
            if choice.freight is not None:
                result.data["freight"] = str(choice.freight)
        return result

    try:
        report = await run_bulk(list(orders), work, key=lambda o: o.third_order_id, concurrency=concurrency)
    finally:
        await hook.aclose()
    return OrdersReport(results=report.results)


# ----------------------------------------------------------------------------- cancel / update
async def cancel_orders(
    hook: HyperSkuHook, order_ids: Sequence[str], *, concurrency: int = 16
) -> OrdersReport:
    """
    Cancel every order; one already closed or refunding counts as cancelled (``ok``).

    One ``getOrdersStatus`` call before (to skip closed orders) and one after (final statuses).
    """
    try:
        before = await hook.afetch_statuses(order_ids)

        async def work(order_id: str) -> ItemResult:
            status = before.get(order_id)
            if status in CANCELLED_STATUSES:
                return ItemResult(
                    key=order_id, outcome="ok", id=order_id, status=status, data={"already": True}
                )
            try:
                await hook.acancel_order(order_id)
            except ApiError as err:
                if isinstance(err, AuthError | ConfigurationError):
                    raise
                # A cancel retried after a lost answer, or an order closed meanwhile, is done.
                now = (await hook.afetch_statuses([order_id])).get(order_id)
                if now in CANCELLED_STATUSES:
                    return ItemResult(
                        key=order_id, outcome="ok", id=order_id, status=now, data={"already": True}
                    )
                raise
            return ItemResult(key=order_id, outcome="updated", id=order_id)

        report = await run_bulk(list(order_ids), work, key=str, concurrency=concurrency)
        try:
            after = await hook.afetch_statuses(order_ids)
        except ApiError as err:
            log.warning("Could not read the statuses after cancelling: %s", err)
            after = {}
        for result in report.results:
            result.status = after.get(result.key, result.status)
    finally:
        await hook.aclose()
    return OrdersReport(results=report.results)


async def update_addresses(
    hook: HyperSkuHook, updates: Sequence[UpdateOrderAddressReq], *, concurrency: int = 16
) -> BulkReport:
    """Change the address of every order (setting the same address twice is harmless)."""

    async def work(update: UpdateOrderAddressReq) -> ItemResult:
        await hook.aupdate_order_address(update.order_id, update.shipping_address)
        return ItemResult(
            key=update.order_id,
            outcome="updated",
            id=update.order_id,
            data={"countryCode": update.shipping_address.country_code},
        )

    try:
        return await run_bulk(list(updates), work, key=lambda u: u.order_id, concurrency=concurrency)
    finally:
        await hook.aclose()


# ----------------------------------------------------------------------------- tracking
def compact_event(event: OrdersLogisticsTrackVo) -> dict[str, Any]:
    where = ", ".join(part for part in (event.event_city, event.event_country) if part)
    return {
        "time": event.event_time.isoformat() if event.event_time else None,
        "event": event.event_thing,
        "where": where or None,
    }


async def track_orders(
    hook: HyperSkuHook, store_order_ids: Sequence[str], *, concurrency: int = 16, events_in_xcom: int = 10
) -> tuple[FileReport, dict[str, Any]]:
    """
    International logistics of every order: a compact report and the full histories.

    :param events_in_xcom: the latest events kept per order in the compact report.
    :return: ``(report, {storeOrderId: InternationalLogisticsInfo as JSON})``
    """
    histories: dict[str, Any] = {}

    async def work(store_order_id: str) -> ItemResult:
        info = await hook.aget_international_logistics(store_order_id)
        events = info.sorted_tracks()
        histories[store_order_id] = info.model_dump(mode="json", by_alias=True)
        data: dict[str, Any] = {
            "trackingNumber": info.tracking_number,
            "carrier": info.express_delivery,
            "eventCount": len(events),
        }
        if events:
            data["lastEvent"] = compact_event(events[-1])
        if events_in_xcom > 0:
            data["events"] = [compact_event(e) for e in events[-events_in_xcom:]]
        tracked = bool(info.tracking_number or events)
        return ItemResult(
            key=store_order_id, outcome="ok", status="tracked" if tracked else "no_tracking", data=data
        )

    try:
        report = await run_bulk(list(store_order_ids), work, key=str, concurrency=concurrency)
    finally:
        await hook.aclose()
    return FileReport(results=report.results), histories


# ----------------------------------------------------------------------------- files
def write_json(output_path: str, name: str, payload: Any) -> str:
    """Write ``payload`` as JSON to ``output_path/name`` (any ObjectStoragePath URL); returns the path."""
    from airflow.sdk import ObjectStoragePath

    folder = ObjectStoragePath(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    return str(target)


def file_name(prefix: str, context: Any) -> str:
    """A name unique per task run: ``<prefix>_<dag>_<task>_<run id>[_<map index>].json``."""
    ti = context.get("ti") if hasattr(context, "get") else None
    parts = [prefix]
    for value in (
        getattr(ti, "dag_id", None),
        getattr(ti, "task_id", None),
        context.get("run_id") if hasattr(context, "get") else None,
    ):
        if value:
            parts.append(str(value))
    map_index = getattr(ti, "map_index", -1)
    if isinstance(map_index, int) and map_index >= 0:
        parts.append(str(map_index))
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "_".join(parts)) + ".json"


# ----------------------------------------------------------------------------- stock
async def read_inventory(
    hook: HyperSkuHook, source: str, sku_ids: Sequence[str] | None, *, concurrency: int = 16
) -> list[dict[str, Any]]:
    """
    Stock rows ``{skuId, available, locked, warehouseName}``.

    :param source: ``customer`` (one ``getCustomerInventoryInfo`` call, filtered here) or
        ``inventory`` (``getInventoryInfo`` walked to the end, once per SKU when given).
    """
    wanted = set(sku_ids) if sku_ids else None
    try:
        rows: list[Any]
        if source == "customer":
            rows = [
                r for r in await hook.aget_customer_inventory_info() if wanted is None or r.sku_id in wanted
            ]
        elif wanted is None:
            rows = await hook.alist_inventory()
        else:
            semaphore = asyncio.Semaphore(max(1, concurrency))

            async def one(sku_id: str) -> list[Any]:
                async with semaphore:
                    return [
                        r for r in await hook.alist_inventory(sku_id=sku_id) if r.sku_id in (None, sku_id)
                    ]

            rows = [row for batch in await asyncio.gather(*(one(s) for s in sku_ids or [])) for row in batch]
    finally:
        await hook.aclose()
    return [
        {"skuId": r.sku_id, "available": r.available, "locked": r.locked, "warehouseName": r.warehouse_name}
        for r in rows
    ]
