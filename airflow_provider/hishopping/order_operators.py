"""
HiShopping order operators: create orders against the prepaid credit (its estimate checked, or
waited for, first) and list the orders of a data interval.

Imported on every DAG parse (through :mod:`airflow_provider.hishopping.operators`): only
operator bases at module level; the hook, the models and the trigger are imported when a task
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import BulkCreateOperator
from airflow_provider.hishopping.base_operator import HiShoppingOperator, task_failure

if TYPE_CHECKING:
    from decimal import Decimal

    from airflow.sdk import Context

    from airflow_provider.common.results import ItemResult
    from airflow_provider.hishopping.hooks import HiShoppingHook
    from airflow_provider.hishopping.models import Goods, Order, OrderCreateRequest


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
        ``sign_secret`` required).
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

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("purchases",)

    action = "HiShopping create orders"
    #: HiShopping refuses a reused merchant_order: the refusal is read back as ``existed``
    refuses_reused_ids = True
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
            raise task_failure(f"insufficient credit: {shortfall}; top up, or set wait_for_credit=True")
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
            raise task_failure("nothing was sent:\n  " + "\n  ".join(problems))
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
    is given (the orders go to a JSON file there, its path under ``file``), else ``{"count", "start", "end", "status_counts", "orders": [{order_no, merchant_order,
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
        return {**result, "file": path}
