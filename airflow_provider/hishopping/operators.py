"""
HiShopping operators: create orders against the prepaid credit, list orders of a data interval,
read goods with their SKUs, export the credit ledger.

The hook and the models are imported inside ``execute`` (a DAG parse pays nothing for them).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from airflow.sdk import BaseOperator

from airflow_provider.common.operators import finish_bulk, normalize_items, run_sync

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.operators import BulkReport, ItemResult
    from airflow_provider.hishopping.hooks import HiShoppingHook
    from airflow_provider.hishopping.models import Order, OrderCreateRequest

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "hishopping_default"
ApiName = Literal["open", "web"]
CENT = Decimal("0.01")
#: columns of the credit transactions CSV (the dashboard's Transaction History columns)
TRANSACTION_COLUMNS = ("reference_no", "type", "amount", "balance_before", "balance_after", "date")


def _fail(message: str) -> Exception:
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(message)


def _hook(conn_id: str) -> HiShoppingHook:
    from airflow_provider.hishopping.hooks import HiShoppingHook

    return HiShoppingHook(conn_id)


def to_datetime(value: Any, name: str) -> datetime | None:
    """A tz-aware datetime from a datetime (naive = UTC), an ISO-8601 string or Unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        if isinstance(value, int | float) or str(value).strip().isdigit():
            return datetime.fromtimestamp(float(value), UTC)
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError) as err:
        raise _fail(f"{name}: {value!r} is not a time (ISO-8601 or Unix seconds)") from err
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def data_interval(context: Context, start: Any, end: Any) -> tuple[datetime, datetime]:
    """``[start, end)``: the overrides when given, else the run's data interval."""
    begin = to_datetime(start, "start") or to_datetime(
        context.get("data_interval_start"), "data_interval_start"
    )
    finish = to_datetime(end, "end") or to_datetime(context.get("data_interval_end"), "data_interval_end")
    if begin is None or finish is None:
        raise _fail("no data interval in this run: give start and end")
    if begin >= finish:
        raise _fail(f"start {begin.isoformat()} is not before end {finish.isoformat()}")
    # the APIs take and give whole seconds: compare at that granularity
    return begin.replace(microsecond=0), finish.replace(microsecond=0)


def write_file(output_path: str, filename: str, text: str) -> str:
    """Write ``text`` to ``output_path/filename`` (a local folder or an object storage URL)."""
    from airflow.sdk import ObjectStoragePath

    folder = ObjectStoragePath(str(output_path))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    with target.open("w") as handle:
        handle.write(text)
    return str(target)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _in_interval(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is None or start <= moment < end


class HiShoppingCreateOrdersOperator(BaseOperator):
    """
    Create HiShopping orders in bulk through the open API, each at most once.

    Every order carries your own ``merchant_order`` (required): a lost answer is resolved by
    looking the order up by it, and the server answers 2002 to a second create, so retries and
    re-runs never buy twice. Before sending anything, the operator estimates the batch's cost
    from the goods prices (goods detail) and compares it with the credit balance: when short it
    fails naming the shortfall, or with ``wait_for_credit=True`` polls until a top-up covers it
    (at most ``credit_wait_timeout`` seconds). The estimate leaves the fee out unless
    ``fee_rate`` is given, so the batch also stops placing orders at the first 2001
    (insufficient credit) and reports the orders not tried as ``skipped``.

    Pushes to XCom ``{"counts": {...}, "results": [{key (merchant_order), outcome, id
    (order_no), status, error, data: {total_charge}}]}``, also when the task then fails on a
    failed or unknown order.

    :param orders: one order or a list (templated; XCom works): ``{merchant_order, goods_id,
        sku_id, quantity, receiver: {name, phone, country, province, city, address, zip},
        remark?}``.
    :param hishopping_conn_id: the connection (open API extras ``app_id``, ``secret_key``,
        ``sign_key`` required).
    :param check_credit: compare the estimated cost with the balance before creating.
    :param wait_for_credit: when short, wait for a top-up instead of failing.
    :param credit_wait_timeout: seconds to wait for a top-up before failing.
    :param credit_poll_interval: seconds between balance reads while waiting.
    :param fee_rate: share of the goods amount added to the estimate for HiShopping's fee.
    :param max_concurrency: creates in flight at once (default: the connection's setting).
    """

    template_fields: Sequence[str] = ("orders",)
    ui_color = "#ffe4cc"

    def __init__(
        self,
        *,
        orders: Any,
        hishopping_conn_id: str = DEFAULT_CONN_ID,
        check_credit: bool = True,
        wait_for_credit: bool = False,
        credit_wait_timeout: float = 3600.0,
        credit_poll_interval: float = 60.0,
        fee_rate: Decimal | float | str = "0",
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.orders = orders
        self.hishopping_conn_id = hishopping_conn_id
        self.check_credit = check_credit
        self.wait_for_credit = wait_for_credit
        self.credit_wait_timeout = float(credit_wait_timeout)
        self.credit_poll_interval = float(credit_poll_interval)
        self.fee_rate = Decimal(str(fee_rate))
        if self.fee_rate < 0:
            raise ValueError("fee_rate must not be negative")
        self.max_concurrency = max_concurrency

    def validated(self) -> list[OrderCreateRequest]:
        """Every order validated (no request sent); AirflowFailException naming order and field."""
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.hishopping.models import OrderCreateRequest

        try:
            items = normalize_items(self.orders, what="orders")
            orders = validate_all(OrderCreateRequest, items, id_field="merchant_order")
        except (InputError, ValueError) as err:
            raise _fail(str(err)) from err
        counts = Counter(order.merchant_order for order in orders)
        repeated = sorted(key for key, n in counts.items() if n > 1)
        if repeated:
            raise _fail(f"merchant_order must be unique in a batch; repeated: {', '.join(repeated)}")
        return orders

    def execute(self, context: Context) -> Any:
        orders = self.validated()
        hook = _hook(self.hishopping_conn_id)
        try:
            hook.open_credentials()
        except Exception as err:
            raise _fail(str(err)) from err
        try:
            if self.check_credit:
                self.ensure_credit(hook, orders)
            report = run_sync(self._create_all(hook, orders))
        finally:
            hook.close()
        skipped = [r.key for r in report.results if r.outcome == "skipped"]
        if skipped:
            self.log.warning(
                "Credit ran out: %d order(s) not placed: %s", len(skipped), ", ".join(skipped[:20])
            )
        return finish_bulk(context, report, action="HiShopping create orders")

    # ------------------------------------------------------------------ credit pre-check
    def ensure_credit(self, hook: HiShoppingHook, orders: list[OrderCreateRequest]) -> None:
        """Fail (or wait) when the credit balance does not cover the batch's estimated cost."""
        costs = run_sync(self._costs(hook, orders))
        need = sum(costs.values(), Decimal(0))
        balance = run_sync(self._balance(hook))
        self.log.info("Estimated cost %s for %d order(s); credit balance %s", need, len(orders), balance)
        if balance >= need:
            return
        existing = run_sync(self._existing(hook, orders))
        if existing:
            self.log.info("%d order(s) already exist and are paid for: not counted", len(existing))
            need = sum((cost for key, cost in costs.items() if key not in existing), Decimal(0))
            if balance >= need:
                return
        if not self.wait_for_credit:
            raise _fail(
                f"insufficient credit: the batch needs about {need}, the balance is {balance}, "
                f"short by {need - balance}; top up, or set wait_for_credit=True"
            )
        deadline = time.monotonic() + self.credit_wait_timeout
        while balance < need:
            if time.monotonic() >= deadline:
                raise _fail(
                    f"insufficient credit after waiting {self.credit_wait_timeout:.0f} s: need about {need}, "
                    f"balance {balance}, short by {need - balance}"
                )
            self.log.info(
                "Credit short by %s; checking again in %.0f s", need - balance, self.credit_poll_interval
            )
            time.sleep(min(self.credit_poll_interval, max(0.0, deadline - time.monotonic())))
            balance = run_sync(self._balance(hook))
        self.log.info("Credit balance %s now covers %s", balance, need)

    async def _costs(self, hook: HiShoppingHook, orders: list[OrderCreateRequest]) -> dict[str, Decimal]:
        from airflow_provider.common.errors import NotFoundError

        try:
            goods_ids = list(dict.fromkeys(str(order.goods_id) for order in orders))
            originals = {str(order.goods_id): order.goods_id for order in orders}

            async def read(goods_id: str) -> Any:
                try:
                    return await hook.aopen_get_goods(originals[goods_id])
                except NotFoundError:
                    return None

            found = dict(zip(goods_ids, await hook.gather_limited(goods_ids, read), strict=True))
        finally:
            await hook.aclose()
        costs: dict[str, Decimal] = {}
        problems: list[str] = []
        for order in orders:
            goods = found[str(order.goods_id)]
            price = goods.unit_price(order.sku_id) if goods is not None else None
            if goods is None:
                problems.append(f"order {order.merchant_order}: goods_id {order.goods_id} not found")
            elif price is None:
                problems.append(
                    f"order {order.merchant_order}: sku_id {order.sku_id} is not a SKU of {order.goods_id}"
                )
            else:
                amount = price * order.quantity
                costs[order.merchant_order] = (amount * (1 + self.fee_rate)).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
        if problems:
            raise _fail("nothing was sent:\n  " + "\n  ".join(problems))
        return costs

    async def _balance(self, hook: HiShoppingHook) -> Decimal:
        try:
            return (await hook.aget_credit_balance()).balance
        finally:
            await hook.aclose()

    async def _existing(self, hook: HiShoppingHook, orders: list[OrderCreateRequest]) -> set[str]:
        from airflow_provider.common.errors import NotFoundError

        async def exists(order: OrderCreateRequest) -> bool:
            try:
                await hook.aopen_get_order(merchant_order=order.merchant_order)
            except NotFoundError:
                return False
            return True

        try:
            flags = await hook.gather_limited(orders, exists)
        finally:
            await hook.aclose()
        return {order.merchant_order for order, flag in zip(orders, flags, strict=True) if flag}

    # ------------------------------------------------------------------ bulk create
    async def _create_all(self, hook: HiShoppingHook, orders: list[OrderCreateRequest]) -> BulkReport:
        from airflow_provider.common.operators import IdempotentCreate

        def describe(order: Order) -> tuple[str | None, str | None, dict[str, Any]]:
            charge = None if order.total_charge is None else str(order.total_charge)
            return order.order_no, order.status or None, {"total_charge": charge}

        def matches(item: OrderCreateRequest, existing: Order) -> bool:
            pairs = (
                (existing.goods_id, item.goods_id),
                (existing.sku_id, item.sku_id),
                (existing.quantity, item.quantity),
            )
            return all(theirs is None or str(theirs) == str(ours) for theirs, ours in pairs)

        async def lookup(item: OrderCreateRequest) -> Order:
            return await hook.aopen_get_order(merchant_order=item.merchant_order)

        def credit_ran_out(result: ItemResult) -> bool:
            return (result.error or {}).get("kind") == "insufficient_credit"

        creator: IdempotentCreate[OrderCreateRequest, Order] = IdempotentCreate(
            create=hook.acreate_order,
            lookup=lookup,
            describe=describe,
            matches=matches,
            key=lambda order: order.merchant_order,
        )
        try:
            return await creator.create_all(
                orders,
                concurrency=hook.concurrency(self.max_concurrency),
                stop_when=credit_ran_out,
            )
        finally:
            await hook.aclose()


class HiShoppingListOrdersOperator(BaseOperator):
    """
    List the orders created in the run's data interval (incremental loads).

    The interval is ``[data_interval_start, data_interval_end)`` of the run unless ``start`` /
    ``end`` override it. Uses the open API when the connection has its keys, else the web API
    (``api`` forces one).

    Pushes to XCom ``{"count", "start", "end", "status_counts", "path"}`` when ``output_path``
    is given (the orders go to a JSON file there), else ``{"count", "start", "end",
    "status_counts", "orders": [{order_no, merchant_order, status, total_charge,
    tracking_no}]}``.

    :param hishopping_conn_id: the connection.
    :param start: interval start override (templated; datetime, ISO-8601 or Unix seconds).
    :param end: interval end override (templated).
    :param status: only orders in this status (templated).
    :param output_path: folder (local path or object storage URL) for the JSON file (templated).
    :param api: ``auto``, ``open`` or ``web``.
    """

    template_fields: Sequence[str] = ("start", "end", "status", "output_path")
    ui_color = "#ffe4cc"

    def __init__(
        self,
        *,
        hishopping_conn_id: str = DEFAULT_CONN_ID,
        start: Any = None,
        end: Any = None,
        status: str | None = None,
        output_path: str | None = None,
        api: str = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.hishopping_conn_id = hishopping_conn_id
        self.start = start
        self.end = end
        self.status = status
        self.output_path = output_path
        self.api = api

    def execute(self, context: Context) -> dict[str, Any]:
        start, end = data_interval(context, self.start, self.end)
        hook = _hook(self.hishopping_conn_id)
        try:
            api = hook.resolve_api(self.api)
            if api == "web":
                hook.get_token()
            orders = run_sync(self._fetch(hook, api, start, end))
        finally:
            hook.close()
        orders = [o for o in orders if _in_interval(o.created_at, start, end)]
        orders.sort(key=lambda o: (o.created_at or start, o.order_no))
        counts: dict[str, int] = {}
        for order in orders:
            counts[order.status] = counts.get(order.status, 0) + 1
        result: dict[str, Any] = {
            "count": len(orders),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "status_counts": counts,
        }
        self.log.info("%d HiShopping order(s) between %s and %s", len(orders), start, end)
        if self.output_path:
            rows = [order.model_dump(mode="json") for order in orders]
            name = f"hishopping_orders_{_stamp(start)}_{_stamp(end)}.json"
            result["path"] = write_file(
                self.output_path, name, json.dumps(rows, ensure_ascii=False, indent=1)
            )
        else:
            result["orders"] = [order.compact() for order in orders]
        return result

    async def _fetch(self, hook: HiShoppingHook, api: ApiName, start: datetime, end: datetime) -> list[Order]:
        try:
            return await hook.alist_all_orders_any(
                status=self.status or None, start_time=start, end_time=end, api=api
            )
        finally:
            await hook.aclose()


class HiShoppingGoodsOperator(BaseOperator):
    """
    Read Temu goods with their SKUs and prices: given goods ids, or every goods of a category.

    Pushes to XCom ``{"count", "goods": [{goods_id, goods_name, category_id, price, currency,
    skus: [{sku_id, spec, price, stock}]}]}``, or ``{"count", "goods_ids", "path"}`` when
    ``output_path`` is given (the full goods go to a JSON file there).

    :param goods_ids: one goods id or a list (templated).
    :param category_id: read every goods of this category instead (templated).
    :param keyword: with ``category_id`` or alone: only goods whose name contains it (templated).
    :param output_path: folder for the JSON file (templated).
    :param api: ``auto``, ``open`` or ``web``.
    :param hishopping_conn_id: the connection.
    """

    template_fields: Sequence[str] = ("goods_ids", "category_id", "keyword", "output_path")
    ui_color = "#ffe4cc"

    def __init__(
        self,
        *,
        goods_ids: Any = None,
        category_id: Any = None,
        keyword: str | None = None,
        output_path: str | None = None,
        api: str = "auto",
        hishopping_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.goods_ids = goods_ids
        self.category_id = category_id
        self.keyword = keyword
        self.output_path = output_path
        self.api = api
        self.hishopping_conn_id = hishopping_conn_id

    def _ids(self) -> list[Any]:
        value = self.goods_ids
        if value in (None, "", []):
            return []
        if isinstance(value, str) and value.strip().startswith("["):
            value = json.loads(value)
        values = value if isinstance(value, list | tuple) else [value]
        ids: list[Any] = []
        for item in values:
            text = str(item).strip()
            if not text:
                raise _fail("goods_ids contains an empty id")
            ids.append(int(text) if text.isdigit() else text)
        return list(dict.fromkeys(ids))

    def execute(self, context: Context) -> dict[str, Any]:
        ids = self._ids()
        if not ids and self.category_id in (None, "") and not self.keyword:
            raise _fail("give goods_ids, or a category_id and/or keyword")
        hook = _hook(self.hishopping_conn_id)
        try:
            api = hook.resolve_api(self.api)
            if api == "web":
                hook.get_token()
            goods, missing = run_sync(self._fetch(hook, api, ids))
        finally:
            hook.close()
        if missing:
            raise _fail(f"goods not found: {', '.join(str(m) for m in missing)}")
        self.log.info("%d goods read with %d SKUs", len(goods), sum(len(g.skus) for g in goods))
        if self.output_path:
            rows = [item.model_dump(mode="json") for item in goods]
            name = f"hishopping_goods_{context.get('run_id') or 'manual'}.json".replace(":", "_").replace(
                "+", "_"
            )
            path = write_file(self.output_path, name, json.dumps(rows, ensure_ascii=False, indent=1))
            return {"count": len(goods), "goods_ids": [item.goods_id for item in goods], "path": path}
        return {"count": len(goods), "goods": [item.compact() for item in goods]}

    async def _fetch(self, hook: HiShoppingHook, api: ApiName, ids: list[Any]) -> tuple[list[Any], list[Any]]:
        from airflow_provider.common.errors import NotFoundError

        try:
            if not ids:
                if api == "open":
                    listed = await hook.aopen_list_all_goods(
                        category_id=self.category_id or None, keyword=self.keyword
                    )
                else:
                    listed = await hook.alist_all_goods(
                        category_id=self.category_id or None, keyword=self.keyword
                    )
                ids = [item.goods_id for item in listed]

            async def read(goods_id: Any) -> Any:
                try:
                    return await hook.agoods_any(goods_id, api=api)
                except NotFoundError:
                    return None

            found = await hook.gather_limited(ids, read)
        finally:
            await hook.aclose()
        missing = [goods_id for goods_id, item in zip(ids, found, strict=True) if item is None]
        return [item for item in found if item is not None], missing


class HiShoppingCreditTransactionsOperator(BaseOperator):
    """
    Export the credit ledger of the run's data interval to a CSV file (finance reconciliation).

    Columns: ``reference_no, type, amount, balance_before, balance_after, date`` (money exact as
    Decimal text, dates ISO-8601 UTC), oldest first. Web API (login + password).

    Pushes to XCom ``{"path", "count", "start", "end", "totals": {type: amount}, "net"}``.

    :param output_path: folder (local path or object storage URL) for the CSV (templated).
    :param start: interval start override (templated; datetime, ISO-8601 or Unix seconds).
    :param end: interval end override (templated).
    :param filename: file name (templated); default ``hishopping_credit_<start>_<end>.csv``.
    :param hishopping_conn_id: the connection.
    """

    template_fields: Sequence[str] = ("output_path", "start", "end", "filename")
    ui_color = "#ffe4cc"

    def __init__(
        self,
        *,
        output_path: str,
        start: Any = None,
        end: Any = None,
        filename: str | None = None,
        hishopping_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.output_path = output_path
        self.start = start
        self.end = end
        self.filename = filename
        self.hishopping_conn_id = hishopping_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        if not self.output_path:
            raise _fail("output_path is required")
        start, end = data_interval(context, self.start, self.end)
        hook = _hook(self.hishopping_conn_id)
        try:
            rows = [
                row
                for row in hook.iter_credit_transactions(start_time=start, end_time=end)
                if _in_interval(row.created_at, start, end)
            ]
        finally:
            hook.close()
        rows.sort(key=lambda row: (row.created_at or start, row.reference_no))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(TRANSACTION_COLUMNS)
        totals: dict[str, Decimal] = {}
        for row in rows:
            when = row.created_at.astimezone(UTC).isoformat() if row.created_at else ""
            writer.writerow(
                (row.reference_no, row.type, row.amount, row.balance_before, row.balance_after, when)
            )
            totals[row.type] = totals.get(row.type, Decimal(0)) + row.amount
        name = self.filename or f"hishopping_credit_{_stamp(start)}_{_stamp(end)}.csv"
        path = write_file(self.output_path, name, buffer.getvalue())
        self.log.info("%d credit transaction(s) written to %s", len(rows), path)
        return {
            "path": path,
            "count": len(rows),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "totals": {kind: str(amount) for kind, amount in sorted(totals.items())},
            "net": str(sum(totals.values(), Decimal(0))),
        }
