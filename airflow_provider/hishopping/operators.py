"""
HiShopping operators on the one operator core: create orders against the prepaid credit, list
the orders of a data interval, read goods with their SKUs, export the credit ledger.

Imported on every DAG parse: only Airflow's SDK and the core's base module at module level; the
hook, the models and the trigger are imported when a task runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from airflow_provider.common.operator_bases import BulkCreateOperator, PlatformOperator

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal

    from airflow.sdk import Context

    from airflow_provider.common.results import ItemResult
    from airflow_provider.hishopping.hooks import HiShoppingHook
    from airflow_provider.hishopping.models import Goods, Order, OrderCreateRequest

DEFAULT_CONN_ID = "hishopping_default"
#: columns of the credit transactions CSV (the dashboard's Transaction History columns)
TRANSACTION_COLUMNS = ("reference_no", "type", "amount", "balance_before", "balance_after", "date")


def _fail(message: str) -> Exception:
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(message)


class HiShoppingOperator(PlatformOperator):
    """
    Base of the HiShopping operators: the connection, the hook, the data interval, output files.

    :param hishopping_conn_id: the connection (web API: login + password; open API: extras
        ``app_id``, ``secret_key``, ``sign_key``).
    :param max_concurrency: calls in flight at once (default: the connection's setting).
    """

    registry_key = "hishopping"
    ui_color = "#ffe4cc"

    def __init__(
        self, *, hishopping_conn_id: str = DEFAULT_CONN_ID, max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=hishopping_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.hishopping_conn_id = hishopping_conn_id

    @contextmanager
    def hishopping(self) -> Iterator[HiShoppingHook]:
        """:meth:`session` and :meth:`fail_fast` in one: the hook for one ``execute``, closed after."""
        with self.session() as hook, self.fail_fast():
            yield cast("HiShoppingHook", hook)

    @staticmethod
    def moment(value: Any, name: str) -> datetime | None:
        """A tz-aware datetime from a datetime (naive = UTC), an ISO-8601 string or Unix seconds."""
        from datetime import UTC, datetime

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

    def interval(self, context: Context, start: Any, end: Any) -> tuple[datetime, datetime]:
        """``[start, end)`` in whole seconds: the overrides when given, else the run's data interval."""
        begin = self.moment(start, "start") or self.moment(
            context.get("data_interval_start"), "data_interval_start"
        )
        finish = self.moment(end, "end") or self.moment(context.get("data_interval_end"), "data_interval_end")
        if begin is None or finish is None:
            raise _fail("no data interval in this run: give start and end")
        if begin >= finish:
            raise _fail(f"start {begin.isoformat()} is not before end {finish.isoformat()}")
        return begin.replace(microsecond=0), finish.replace(microsecond=0)

    @staticmethod
    def stamp(moment: datetime) -> str:
        """``20250101T000000Z``: a UTC time in file names."""
        from datetime import UTC

        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    @staticmethod
    def write_output(output_path: str, filename: str, text: str) -> str:
        """Write ``text`` to ``output_path/filename`` (a local folder or an object storage URL)."""
        from airflow.sdk import ObjectStoragePath

        folder = ObjectStoragePath(str(output_path))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename
        with target.open("w") as handle:
            handle.write(text)
        return str(target)

    @staticmethod
    def file_keys(path: str) -> dict[str, str]:
        """The XCom keys of a written file: ``file``, and ``path`` (deprecated, same value)."""
        return {"file": path, "path": path}


class HiShoppingCreateOrdersOperator(HiShoppingOperator, BulkCreateOperator["OrderCreateRequest"]):
    """
    Create HiShopping orders in bulk through the open API, each at most once.

    Every order carries your own ``merchant_order`` (required): a lost answer is resolved by
    looking the order up by it, a retried attempt (or ``lookup_first=True``) looks every order
    up before creating any, and HiShopping answers 2002 to a second create of the same one (read
    back: the order counts ``existed`` when it matches, else a conflict). Before sending anything
    the operator estimates the batch's cost from the goods prices and compares it with the
    credit balance: when short it fails naming the shortfall, or with ``wait_for_credit=True``
    defers to the triggerer (no worker held) until a top-up covers it, then places the orders.
    The estimate leaves the fee out unless ``fee_rate`` is given, so the batch also stops
    placing orders at the first 2001 (insufficient credit): the orders not tried are ``skipped``.
    An empty input skips the task.

    Pushes to XCom ``{"counts": {...}, "results": [{key (merchant_order), outcome, id
    (order_no), status, error, data: {total_charge}}]}`` (with ``results_path``: counts,
    failures and ``results_file``), also when the task then fails on a failed or unknown order.

    :param orders: one order or a list (templated; XCom works): ``{merchant_order, goods_id,
        sku_id, quantity, receiver: {name, phone, country, province, city, address, zip},
        remark?}``.
    :param hishopping_conn_id: the connection (open API extras ``app_id``, ``secret_key``,
        ``sign_key`` required).
    :param check_credit: compare the estimated cost with the balance before creating.
    :param wait_for_credit: when short, defer until a top-up covers the estimate instead of
        failing (the wait runs on the triggerer).
    :param credit_wait_timeout: seconds to wait for a top-up; then the task fails (deferral
        timeout).
    :param credit_poll_interval: seconds between balance reads while waiting.
    :param fee_rate: share of the goods amount added to the estimate for HiShopping's fee.
    :param max_concurrency: creates in flight at once (default: the connection's setting).
    :param lookup_first: look every order up by ``merchant_order`` before creating any
        (default: only on a retried attempt).
    :param results_path: write every order's result to this JSON-lines file (templated).
    """

    action = "HiShopping create orders"
    template_fields: Sequence[str] = ("orders", "results_path")

    def __init__(
        self,
        *,
        orders: Any,
        check_credit: bool = True,
        wait_for_credit: bool = False,
        credit_wait_timeout: float = 3600.0,
        credit_poll_interval: float = 60.0,
        fee_rate: Decimal | float | str = "0",
        **kwargs: Any,
    ) -> None:
        from decimal import Decimal

        super().__init__(**kwargs)
        self.orders = orders
        self.check_credit = check_credit
        self.wait_for_credit = wait_for_credit
        self.credit_wait_timeout = float(credit_wait_timeout)
        self.credit_poll_interval = float(credit_poll_interval)
        self.fee_rate = Decimal(str(fee_rate))
        if self.fee_rate < 0:
            raise ValueError("fee_rate must not be negative")
        self._credit_covered = False

    # ------------------------------------------------------------------ the core's hooks
    def validate_items(self, raw: Any) -> list[OrderCreateRequest]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all
        from airflow_provider.hishopping.models import OrderCreateRequest

        return validate_all(OrderCreateRequest, items_from(raw, param="orders"), id_field="merchant_order")

    #: HiShopping refuses a reused merchant_order: the refusal is read back as ``existed``
    refuses_reused_ids = True

    def item_key(self, item: OrderCreateRequest) -> str:
        return item.merchant_order

    def prepare(
        self, hook: HiShoppingHook, items: list[OrderCreateRequest], context: Context
    ) -> list[OrderCreateRequest]:
        """Open API keys present; the credit covers the estimate (else fail, or defer)."""
        hook.open_credentials()
        if self.check_credit and not self._credit_covered:
            self.ensure_credit(hook, items)
        return items

    async def create(self, hook: HiShoppingHook, item: OrderCreateRequest) -> Order:
        return await hook.acreate_order(item)

    async def lookup(self, hook: HiShoppingHook, item: OrderCreateRequest) -> Order:
        return await hook.aopen_get_order(merchant_order=item.merchant_order)

    def describe(self, value: Order) -> tuple[str | None, str | None, dict[str, Any]]:
        charge = None if value.total_charge is None else str(value.total_charge)
        return value.order_no, value.status or None, {"total_charge": charge}

    def matches(self, item: OrderCreateRequest, value: Order) -> bool:
        pairs = (
            (value.goods_id, item.goods_id),
            (value.sku_id, item.sku_id),
            (value.quantity, item.quantity),
        )
        return all(theirs is None or str(theirs) == str(ours) for theirs, ours in pairs)

    def stop_when(self, result: ItemResult) -> bool:
        """The first 2001 (insufficient credit) stops the batch: the rest are ``skipped``."""
        return (result.error or {}).get("kind") == "insufficient_credit"

    # ------------------------------------------------------------------ credit
    def ensure_credit(self, hook: HiShoppingHook, orders: list[OrderCreateRequest]) -> None:
        """Fail, or defer to a credit wait, when the balance does not cover the estimated cost."""
        from decimal import Decimal

        costs, balance = hook.run_async(self._estimate(hook, orders))
        need = sum(costs.values(), Decimal(0))
        self.log.info("Estimated cost %s for %d order(s); credit balance %s", need, len(orders), balance)
        if balance >= need:
            return
        existing = hook.run_async(self._existing(hook, orders))
        if existing:
            self.log.info("%d order(s) already exist and are paid for: not counted", len(existing))
            need = sum((cost for key, cost in costs.items() if key not in existing), Decimal(0))
            if balance >= need:
                return
        shortfall = f"the batch needs about {need}, the balance is {balance}, short by {need - balance}"
        if not self.wait_for_credit:
            raise _fail(f"insufficient credit: {shortfall}; top up, or set wait_for_credit=True")
        self.defer_until_covered(need, shortfall)

    def defer_until_covered(self, need: Decimal, shortfall: str) -> None:
        """Wait on the triggerer (the shared status trigger polling the credit), then resume."""
        from datetime import timedelta

        from airflow_provider.common.triggers import StatusTrigger
        from airflow_provider.hishopping.sensors import CREDIT_PSEUDO_ID

        self.log.info(
            "Credit short (%s): waiting up to %.0f s for a top-up", shortfall, self.credit_wait_timeout
        )
        self.defer(
            trigger=StatusTrigger(
                hook_class_path=self.hook_class_path,
                conn_id=self.conn_id,
                order_ids=[CREDIT_PSEUDO_ID],
                success_statuses=["covered"],
                failure_statuses=[],
                poll_interval=self.credit_poll_interval,
                status_method="afetch_credit_status",
                method_kwargs={"amount": str(need), "api": "open"},
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.credit_wait_timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """The credit wait ended: place the orders (the balance was just seen covering them)."""
        if event.get("status") != "success":
            from airflow.sdk.exceptions import AirflowException

            raise AirflowException(f"waiting for credit failed: {event.get('message', event)}")
        self.log.info("A top-up covers the batch: placing the orders")
        self._credit_covered = True
        return self.execute(context)

    async def _estimate(
        self, hook: HiShoppingHook, orders: list[OrderCreateRequest]
    ) -> tuple[dict[str, Decimal], Decimal]:
        """Each order's estimated cost (goods x quantity x (1 + fee_rate)) and the balance."""
        from decimal import ROUND_HALF_UP, Decimal

        from airflow_provider.common.errors import NotFoundError

        originals = {str(order.goods_id): order.goods_id for order in orders}

        async def read(goods_id: Any) -> Goods | None:
            try:
                return await hook.aopen_get_goods(goods_id)
            except NotFoundError:
                return None

        read_all = await hook.gather_limited(originals.values(), read, limit=self.concurrency())
        found = dict(zip(originals, read_all, strict=True))
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
                cost = price * order.quantity * (1 + self.fee_rate)
                costs[order.merchant_order] = cost.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if problems:
            raise _fail("nothing was sent:\n  " + "\n  ".join(problems))
        return costs, (await hook.aget_credit_balance()).balance

    async def _existing(self, hook: HiShoppingHook, orders: list[OrderCreateRequest]) -> set[str]:
        """The ``merchant_order`` of the orders that exist already (paid for)."""
        from airflow_provider.common.errors import NotFoundError

        async def exists(order: OrderCreateRequest) -> bool:
            try:
                await self.lookup(hook, order)
            except NotFoundError:
                return False
            return True

        flags = await hook.gather_limited(orders, exists, limit=self.concurrency())
        return {order.merchant_order for order, flag in zip(orders, flags, strict=True) if flag}


class HiShoppingListOrdersOperator(HiShoppingOperator):
    """
    List the orders created in the run's data interval (incremental loads).

    The interval is ``[data_interval_start, data_interval_end)`` of the run unless ``start`` /
    ``end`` override it. Uses the open API when the connection has its keys, else the web API
    (``api`` forces one).

    Pushes to XCom ``{"count", "start", "end", "status_counts", "file"}`` when ``output_path``
    is given (the orders go to a JSON file there; ``path`` repeats ``file`` and is deprecated),
    else ``{"count", "start", "end", "status_counts", "orders": [{order_no, merchant_order,
    status, total_charge, tracking_no}]}``.

    :param hishopping_conn_id: the connection.
    :param start: interval start override (templated; datetime, ISO-8601 or Unix seconds).
    :param end: interval end override (templated).
    :param status: only orders in this status (templated).
    :param output_path: folder (local path or object storage URL) for the JSON file (templated).
    :param api: ``auto``, ``open`` or ``web``.
    """

    template_fields: Sequence[str] = ("start", "end", "status", "output_path")

    def __init__(
        self,
        *,
        start: Any = None,
        end: Any = None,
        status: str | None = None,
        output_path: str | None = None,
        api: str = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start = start
        self.end = end
        self.status = status
        self.output_path = output_path
        self.api = api

    def execute(self, context: Context) -> dict[str, Any]:
        import json

        start, end = self.interval(context, self.start, self.end)
        with self.hishopping() as hook:
            api = hook.resolve_api(self.api)
            if api == "web":
                self.prime_token(hook)
            orders = hook.run_async(
                hook.alist_all_orders_any(status=self.status or None, start_time=start, end_time=end, api=api)
            )
        orders = [o for o in orders if o.created_at is None or start <= o.created_at < end]
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
        if not self.output_path:
            return {**result, "orders": [order.compact() for order in orders]}
        rows = [order.model_dump(mode="json") for order in orders]
        name = f"hishopping_orders_{self.stamp(start)}_{self.stamp(end)}.json"
        path = self.write_output(self.output_path, name, json.dumps(rows, ensure_ascii=False, indent=1))
        return {**result, **self.file_keys(path)}


class HiShoppingGoodsOperator(HiShoppingOperator):
    """
    Read Temu goods with their SKUs and prices: given goods ids, or every goods of a category.

    Pushes to XCom ``{"count", "goods": [{goods_id, goods_name, category_id, price, currency,
    skus: [{sku_id, spec, price, stock}]}]}``, or ``{"count", "goods_ids", "file"}`` when
    ``output_path`` is given (the full goods go to a JSON file there; ``path`` repeats ``file``
    and is deprecated). No ``goods_ids`` (none or empty), no category and no keyword: the
    task skips.

    :param goods_ids: one goods id or a list (templated; XCom works).
    :param category_id: read every goods of this category instead (templated).
    :param keyword: with ``category_id`` or alone: only goods whose name contains it (templated).
    :param output_path: folder for the JSON file (templated).
    :param api: ``auto``, ``open`` or ``web``.
    :param hishopping_conn_id: the connection.
    """

    template_fields: Sequence[str] = ("goods_ids", "category_id", "keyword", "output_path")

    def __init__(
        self,
        *,
        goods_ids: Any = None,
        category_id: Any = None,
        keyword: str | None = None,
        output_path: str | None = None,
        api: str = "auto",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.goods_ids = goods_ids
        self.category_id = category_id
        self.keyword = keyword
        self.output_path = output_path
        self.api = api

    def ids(self) -> list[Any]:
        """The goods ids (numbers where they are numbers, as the API takes them)."""
        from airflow_provider.common.inputs import ids_from
        from airflow_provider.common.models import InputError

        try:
            ids = ids_from(self.goods_ids, param="goods_ids")
        except InputError as err:
            raise _fail(f"{self.task_id}: {err}") from err
        return [int(goods_id) if goods_id.isdigit() else goods_id for goods_id in ids]

    def execute(self, context: Context) -> dict[str, Any]:
        import json

        ids = self.ids()
        if not ids and self.category_id in (None, "") and not self.keyword:
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException("goods_ids: nothing to do (no ids, no category_id, no keyword)")
        with self.hishopping() as hook:
            api = hook.resolve_api(self.api)
            if api == "web":
                self.prime_token(hook)
            goods, missing = hook.run_async(self._read(hook, api, ids))
        if missing:
            raise _fail(f"goods not found: {', '.join(str(m) for m in missing)}")
        self.log.info("%d goods read with %d SKUs", len(goods), sum(len(g.skus) for g in goods))
        if not self.output_path:
            return {"count": len(goods), "goods": [item.compact() for item in goods]}
        rows = [item.model_dump(mode="json") for item in goods]
        run = str(context.get("run_id") or "manual").replace(":", "_").replace("+", "_")
        path = self.write_output(
            self.output_path, f"hishopping_goods_{run}.json", json.dumps(rows, ensure_ascii=False, indent=1)
        )
        return {"count": len(goods), "goods_ids": [item.goods_id for item in goods], **self.file_keys(path)}

    async def _read(self, hook: HiShoppingHook, api: Any, ids: list[Any]) -> tuple[list[Goods], list[Any]]:
        """Each goods with its SKUs (the category's goods when no ids); the ids not found."""
        from airflow_provider.common.errors import NotFoundError

        if not ids:
            listed = await hook.alist_all_goods_any(
                category_id=self.category_id or None, keyword=self.keyword, api=api
            )
            ids = [item.goods_id for item in listed]

        async def read(goods_id: Any) -> Goods | None:
            try:
                return await hook.agoods_any(goods_id, api=api)
            except NotFoundError:
                return None

        found = await hook.gather_limited(ids, read, limit=self.concurrency())
        missing = [goods_id for goods_id, item in zip(ids, found, strict=True) if item is None]
        return [item for item in found if item is not None], missing


class HiShoppingCreditTransactionsOperator(HiShoppingOperator):
    """
    Export the credit ledger of the run's data interval to a CSV file (finance reconciliation).

    Columns: ``reference_no, type, amount, balance_before, balance_after, date`` (money exact as
    Decimal text, dates ISO-8601 UTC), oldest first. Web API (login + password).

    Pushes to XCom ``{"file", "count", "start", "end", "totals": {type: amount}, "net"}``
    (``path`` repeats ``file`` and is deprecated).

    :param output_path: folder (local path or object storage URL) for the CSV (templated).
    :param start: interval start override (templated; datetime, ISO-8601 or Unix seconds).
    :param end: interval end override (templated).
    :param filename: file name (templated); default ``hishopping_credit_<start>_<end>.csv``.
    :param hishopping_conn_id: the connection.
    """

    template_fields: Sequence[str] = ("output_path", "start", "end", "filename")

    def __init__(
        self,
        *,
        output_path: str,
        start: Any = None,
        end: Any = None,
        filename: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.output_path = output_path
        self.start = start
        self.end = end
        self.filename = filename

    def execute(self, context: Context) -> dict[str, Any]:
        import csv
        import io
        from datetime import UTC
        from decimal import Decimal

        if not self.output_path:
            raise _fail("output_path is required")
        start, end = self.interval(context, self.start, self.end)
        with self.hishopping() as hook:
            rows = list(hook.iter_credit_transactions(start_time=start, end_time=end))
        rows = [row for row in rows if row.created_at is None or start <= row.created_at < end]
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
        name = self.filename or f"hishopping_credit_{self.stamp(start)}_{self.stamp(end)}.csv"
        path = self.write_output(self.output_path, name, buffer.getvalue())
        self.log.info("%d credit transaction(s) written to %s", len(rows), path)
        return {
            **self.file_keys(path),
            "count": len(rows),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "totals": {kind: str(amount) for kind, amount in sorted(totals.items())},
            "net": str(sum(totals.values(), Decimal(0))),
        }


class HiShoppingGetMerchantOperator(HiShoppingOperator):
    """
    Read the merchant profile (web API ``GET /api/v1/web/merchant``).

    Pushes to XCom ``{"exists": true, "merchant_id", "merchant_name", "status", "country",
    "updated_at"}`` (no contact or bank data), or ``{"exists": false}`` when the account has no
    profile and ``fail_if_missing=False``.

    :param fail_if_missing: fail the task (no retries) when the account has no profile yet.
    :param hishopping_conn_id: the connection (web login + password).
    """

    def __init__(self, *, fail_if_missing: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_if_missing = fail_if_missing

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.errors import NotFoundError

        with self.hishopping() as hook:
            try:
                merchant = hook.get_merchant()
            except NotFoundError:
                if self.fail_if_missing:
                    raise
                self.log.info("The HiShopping account has no merchant profile yet")
                return {"exists": False}
        self.log.info("HiShopping merchant %s (%s)", merchant.merchant_id, merchant.status)
        return {"exists": True, **merchant.compact()}


class HiShoppingUpdateMerchantOperator(HiShoppingOperator):
    """
    Bring the merchant profile to the values given (web API ``PUT /api/v1/web/merchant``).

    The profile is read first and only the fields that differ are sent, so a re-run changes
    nothing. With ``create_if_missing=True`` an account without a profile gets one
    (``POST /api/v1/web/merchant``; ``merchant_name`` is then required). Bad fields fail the
    task before any request, naming the field; empty ``changes`` skip the task.

    ``changes`` may carry contact and bank data: it is a template field, so Airflow stores and
    shows its rendered value; pass it from a Variable or XCom rather than literally in the DAG
    when that matters. XCom never carries it.

    Pushes to XCom ``{"changed": [field names sent], "created": bool, "merchant_id",
    "merchant_name", "status", "country", "updated_at"}``.

    :param changes: ``{merchant_name?, contact_name?, email?, phone?, country?, address?,
        bank_name?, bank_account?, bank_account_name?}`` (templated; field names [inferred]).
    :param create_if_missing: create the profile when the account has none.
    :param hishopping_conn_id: the connection (web login + password).
    """

    template_fields: Sequence[str] = ("changes",)

    def __init__(self, *, changes: Any, create_if_missing: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.changes = changes
        self.create_if_missing = create_if_missing

    def validated(self) -> dict[str, Any]:
        """The fields to set, in wire form; fails (no retries) naming each bad field."""
        from collections.abc import Mapping

        from pydantic import ValidationError

        from airflow_provider.hishopping.models import MerchantRequest

        if self.changes is None or self.changes == {}:
            return {}
        if not isinstance(self.changes, Mapping):
            raise _fail(f"{self.task_id}: changes must be a mapping of profile fields")
        try:
            return MerchantRequest.model_validate(dict(self.changes)).dump()
        except ValidationError as err:
            problems = [
                f"{'.'.join(str(part) for part in error['loc']) or '(changes)'}: {error['msg']}"
                for error in err.errors()
            ]
            raise _fail(f"{self.task_id}: nothing was sent: changes." + "; changes.".join(problems)) from None

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowSkipException

        from airflow_provider.common.errors import NotFoundError

        wanted = self.validated()
        if not wanted:
            raise AirflowSkipException("changes: nothing to do (no fields given)")
        with self.hishopping() as hook:
            try:
                current = hook.get_merchant()
            except NotFoundError:
                if not self.create_if_missing:
                    raise
                if not wanted.get("merchant_name"):
                    raise _fail(
                        f"{self.task_id}: changes.merchant_name is required to create the profile"
                    ) from None
                created = hook.create_merchant(wanted)
                self.log.info("HiShopping merchant profile %s created", created.merchant_id)
                return {"changed": sorted(wanted), "created": True, **created.compact()}
            now = current.model_dump(mode="json")
            diff = {name: value for name, value in wanted.items() if now.get(name) != value}
            if not diff:
                self.log.info("HiShopping merchant profile already up to date")
                return {"changed": [], "created": False, **current.compact()}
            updated = hook.update_merchant(diff)
        self.log.info("HiShopping merchant profile: updated %s", ", ".join(sorted(diff)))
        return {"changed": sorted(diff), "created": False, **updated.compact()}


class HiShoppingGetAppOperator(HiShoppingOperator):
    """
    Read the open API app: its App ID, name, status, callback URL and IP whitelist (web API
    ``GET /api/v1/web/app``). The keys are never part of it.

    Pushes to XCom ``{"app_id", "app_name", "status", "callback_url", "ip_whitelist",
    "matches_connection"}`` (``matches_connection``: the connection's ``app_id`` extra is this
    App ID; ``null`` when the connection has none).

    :param hishopping_conn_id: the connection (web login + password).
    """

    def execute(self, context: Context) -> dict[str, Any]:
        with self.hishopping() as hook:
            app = hook.get_app()
            configured = hook.open_keys().get("app_id")
        result = {
            "app_id": app.app_id,
            "app_name": app.app_name,
            "status": app.status,
            "callback_url": app.callback_url,
            "ip_whitelist": list(app.ip_whitelist),
            "matches_connection": None if configured is None else configured == app.app_id,
        }
        self.log.info("HiShopping app %s (%s)", app.app_id, app.status)
        return result


#: what each key is called by the rotate operator -> the connection extra it replaces
ROTATABLE_KEYS = {
    "sign_secret": "sign_secret",
    "sign_key": "sign_secret",
    "secret_key": "secret_key",
    "api_key": "secret_key",
}


class HiShoppingRotateKeysOperator(HiShoppingOperator):
    """
    Regenerate the open API keys and store the new ones where the connection reads them.

    ``sign_secret`` (the Sign Key) through ``PUT /api/v1/web/app/cert``, ``secret_key`` (the
    API Key = the Secret Key [inferred]) through ``POST /api/v1/web/apikey``; the old key stops
    working at once. Each new key is masked in logs the moment it arrives and written at once
    (before the next key is rotated) to the Airflow Variable ``keys_variable`` as JSON
    ``{"app_id", "secret_key", "sign_secret", "rotated_at"}``. A task cannot write its
    connection in Airflow 3 (the Task SDK has no call for it): the hook reads that Variable when
    the connection's extra ``keys_variable`` names it, and the stored keys win over the
    connection's own. Everything is checked before any key is rotated: web credentials, the
    Variable name (it must contain ``secret`` or another word Airflow masks by, so the value is
    hidden), that Variables are reachable, and that the connection's App ID (if any) is the
    account's app. With ``verify=True`` an open API call with the new keys proves them.

    Never pushes a key to XCom. Pushes ``{"app_id", "rotated": [key names], "keys_variable",
    "rotated_at", "verified", "connection_reads_it"}``.

    :param keys: which keys: ``sign_secret`` (alias ``sign_key``) and/or ``secret_key`` (alias
        ``api_key``); default both. Empty skips the task.
    :param keys_variable: the Variable to store the keys in (templated); default the
        connection's ``keys_variable`` extra.
    :param verify: read the credit balance through the open API with the new keys afterwards.
    :param hishopping_conn_id: the connection (web login + password; open API extras for
        ``verify``).
    """

    template_fields: Sequence[str] = ("keys_variable",)

    def __init__(
        self,
        *,
        keys: str | Sequence[str] = ("sign_secret", "secret_key"),
        keys_variable: str | None = None,
        verify: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keys = [keys] if isinstance(keys, str) else list(keys)
        unknown = [key for key in self.keys if key not in ROTATABLE_KEYS]
        if unknown:
            raise ValueError(f"keys: unknown {unknown}; choose from {sorted(ROTATABLE_KEYS)}")
        self.keys_variable = keys_variable
        self.verify = verify

    def execute(self, context: Context) -> dict[str, Any]:
        from datetime import UTC, datetime

        from airflow.sdk.exceptions import AirflowSkipException

        from airflow_provider.hishopping.keystore import KeyVariableStore, check_variable_name

        wanted = list(dict.fromkeys(ROTATABLE_KEYS[key] for key in self.keys))
        if not wanted:
            raise AirflowSkipException("keys: nothing to rotate")
        with self.hishopping() as hook:
            configured = hook.extra.get("keys_variable")
            name = str(self.keys_variable or configured or "")
            problem = check_variable_name(name)
            if problem:
                raise _fail(
                    f"{self.task_id}: keys_variable: {problem} (or set the connection extra keys_variable)"
                )
            store = KeyVariableStore()
            if store.backend == "memory":
                raise _fail(
                    f"{self.task_id}: no Airflow Variables reachable (not in a task, no metadata DB): "
                    "a new key would be lost; nothing was rotated"
                )
            if not hook.has_web_credentials:
                raise _fail(f"{self.task_id}: rotating keys needs the connection's web login and password")
            self.prime_token(hook)
            app = hook.get_app()
            own = hook.open_keys().get("app_id")
            if own and own != app.app_id:
                raise _fail(
                    f"{self.task_id}: the connection's app_id {own!r} is not the account's app {app.app_id!r}: "
                    "nothing was rotated"
                )
            rotated: list[str] = []
            stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
            for key in wanted:
                self._rotate(hook, key, name, app.app_id, stamp, store, rotated)
            verified = False
            if self.verify and hook.has_open_credentials:
                hook.get_credit_balance()
                verified = True
                self.log.info("The new key(s) work: an open API call with them was answered")
        reads_it = configured == name
        if not reads_it:
            self.log.warning(
                "Set the connection's extra keys_variable to %r so its hooks use the new keys", name
            )
        return {
            "app_id": app.app_id,
            "rotated": rotated,
            "keys_variable": name,
            "rotated_at": stamp,
            "verified": verified,
            "connection_reads_it": reads_it,
        }

    def _rotate(
        self,
        hook: HiShoppingHook,
        key: str,
        name: str,
        app_id: str,
        stamp: str,
        store: Any,
        rotated: list[str],
    ) -> None:
        """Regenerate one key and store it at once; a failed write fails the task naming the key."""
        from airflow_provider.hishopping.keystore import write_stored_keys

        if key == "sign_secret":
            value = hook.regenerate_sign_key().sign_key.get_secret_value()
        else:
            value = hook.regenerate_api_key().api_key.get_secret_value()
        self.log.info("HiShopping %s regenerated for app %s; storing it in Variable %s", key, app_id, name)
        try:
            write_stored_keys(name, {key: value, "app_id": app_id, "rotated_at": stamp}, store)
        except Exception as err:
            # Never the error's text or its chain: a store error can quote the value written.
            raise _fail(
                f"{self.task_id}: the new {key} was issued but could not be stored in Variable {name} "
                f"({type(err).__name__}); the old {key} no longer works: fix the store and re-run to "
                f"rotate again (already stored: {rotated or 'none'})"
            ) from None
        rotated.append(key)
