"""
SuperShip orders: :class:`SuperShipCreateOrdersOperator` (each order at most once, keyed by its
``soc``) and :class:`SuperShipCancelOrdersOperator`.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import BulkCreateOperator, BulkOperator
from airflow_provider.supership.base_operator import SuperShipOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import ItemResult
    from airflow_provider.supership.hooks import SuperShipHook
    from airflow_provider.supership.models import CreatedOrder, OrderCreateRequest, OrderInfo


def derive_soc(order: dict[str, Any], prefix: str = "AF-") -> str:
    """
    A deterministic ``soc`` from an order's contents (the same input always gives the same soc,
    so a task retry or a re-run finds the order instead of creating it twice).
    """
    import hashlib
    import json

    payload = {k: v for k, v in order.items() if k != "soc"}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{prefix}{digest[:16].upper()}"


class SuperShipCreateOrdersOperator(SuperShipOperator, BulkCreateOperator["OrderCreateRequest"]):
    """
    Create one or many SuperShip orders, at most once each.

    Every order is validated first (required fields, whole non-negative ``amount`` / ``value`` /
    ``weight`` (digit strings such as ``"220000"`` are accepted and sent as ints), Vietnamese
    phone numbers, ``product_type`` with ``product`` / ``products``), then its place NAMES are
    checked against SuperShip's areas API with "did you mean" suggestions; any problem fails
    the task naming the order and the field before any order is sent. An empty input skips.

    Idempotency: each order's ``soc`` is its key. It is required with ``require_soc=True``,
    otherwise derived from the order's contents when missing (``AF-`` + a hash: the same input
    gives the same soc). SuperShip does not document refusing a reused soc, so by default every
    order is looked up with ``info?type=2&code=<soc>`` before its create is sent (a second DAG
    run over the same orders creates nothing); ``lookup_first=False`` declares every soc fresh
    and skips that look-up (a reused soc then makes a second order). When a create's answer is
    lost the order is looked up the same way before any retry. An order found under its soc is
    ``existed`` when it has the same COD amount, value and receiver phone, else a conflict
    (failed).

    Pushes to XCom ``{"counts": {...}, "results": [{"key": soc, "outcome": created | existed |
    failed | unknown | invalid, "id": SuperShip code, "status", "error", "data": {soc, shortcode,
    status_name, amount (COD to collect), collection, value, fee, insurance}}]}`` (pushed
    before the task fails on any failed or unknown order); with ``results_path`` the results go
    to that JSON-lines file and XCom keeps the counts and failures.

    :param orders: one order dict or a list (templated; XCom works), in the vendor's field
        names (``POST /v1/partner/orders/add``).
    :param supership_conn_id: the SuperShip connection id.
    :param require_soc: fail orders without a ``soc`` instead of deriving one.
    :param soc_prefix: prefix of derived socs.
    :param check_places: check province / district / commune names against the areas API.
    :param resolve_place_names: send SuperShip's spelling for names that match it only once
        accents are ignored (``Ho Chi Minh``); by default such names are errors with a suggestion.
    :param lookup_first: look every order up by its soc before creating it (default: always);
        ``False`` declares every soc fresh and skips the look-up.
    :param on_invalid: ``"stop"`` (default: send nothing if any order is invalid), ``"report"``
        (send the valid orders, report the invalid ones, fail the task) or ``"allow"`` (the
        same, the task succeeds).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param max_concurrency: creates in flight at once (default: the connection's ``max_concurrency``).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("parcels",)

    template_fields: Sequence[str] = ("orders", "results_path")
    ui_color = "#fde2e2"
    action = "SuperShip create orders"

    def __init__(
        self,
        *,
        orders: Any,
        require_soc: bool = False,
        soc_prefix: str = "AF-",
        check_places: bool = True,
        resolve_place_names: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.orders = orders
        self.require_soc = require_soc
        self.soc_prefix = soc_prefix
        self.check_places = check_places
        self.resolve_place_names = resolve_place_names

    def validate_items(self, raw: Any) -> list[OrderCreateRequest]:
        """Every order as a model with its soc; raises InputError naming each bad field."""
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import OrderCreateRequest

        orders = validate_all(OrderCreateRequest, items_from(raw, param="orders"), id_field="soc")
        if self.require_soc:
            missing = [
                (f"#{i}", "soc", "required (require_soc=True)") for i, o in enumerate(orders) if not o.soc
            ]
            if missing:
                raise InputError(missing)
        return [
            order
            if order.soc
            else order.model_copy(update={"soc": derive_soc(order.dump(), self.soc_prefix)})
            for order in orders
        ]

    def item_key(self, item: OrderCreateRequest) -> str:
        return str(item.soc)

    def prepare(
        self, hook: SuperShipHook, items: list[OrderCreateRequest], context: Context
    ) -> list[OrderCreateRequest]:
        """Place names (and ``pickup_code``) checked before any create; then the token."""
        if self.check_places:
            items = self.check_order_places(hook, items)
        return super().prepare(hook, items, context)

    def check_order_places(
        self, hook: SuperShipHook, orders: list[OrderCreateRequest]
    ) -> list[OrderCreateRequest]:
        """Check every order's place names (and pickup_code); raises InputError for all problems."""
        from airflow_provider.common.models import InputError

        problems: list[tuple[str, str, str]] = []
        checked: list[OrderCreateRequest] = []
        warehouses: dict[str, str] | None = None
        for order in orders:
            label = str(order.soc)
            receiver = hook.check_place(
                order.province, order.district, order.commune, resolve=self.resolve_place_names
            )
            problems += [(label, field, message) for field, message in receiver.problems]
            updates = dict(receiver.names)
            if order.pickup_code:
                if warehouses is None:
                    warehouses = {w.code: str(w.status or "1") for w in hook.get_warehouses()}
                if order.pickup_code not in warehouses:
                    known = ", ".join(sorted(warehouses)) or "none"
                    problems.append(
                        (label, "pickup_code", f"no warehouse {order.pickup_code!r} (known: {known})")
                    )
                elif warehouses[order.pickup_code] != "1":
                    problems.append((label, "pickup_code", f"warehouse {order.pickup_code!r} is stopped"))
            else:
                sender = hook.check_place(
                    order.pickup_province,
                    order.pickup_district,
                    order.pickup_commune,
                    fields=("pickup_province", "pickup_district", "pickup_commune"),
                    resolve=self.resolve_place_names,
                )
                problems += [(label, field, message) for field, message in sender.problems]
                updates.update(sender.names)
            checked.append(order.model_copy(update=updates) if self.resolve_place_names else order)
        if problems:
            raise InputError(problems)
        return checked

    async def create(self, hook: SuperShipHook, item: OrderCreateRequest) -> CreatedOrder:
        return await hook.acreate_order(item)

    async def lookup(self, hook: SuperShipHook, item: OrderCreateRequest) -> OrderInfo | None:
        return await hook.afind_order_by_soc(str(item.soc))

    def describe(self, value: CreatedOrder | OrderInfo) -> tuple[str | None, str | None, dict[str, Any]]:
        return value.code, value.status, value.compact()

    def matches(self, item: OrderCreateRequest, value: CreatedOrder | OrderInfo) -> bool:
        return item.matches(value)


class SuperShipCancelOrdersOperator(SuperShipOperator, BulkOperator[str]):
    """
    Cancel SuperShip orders by code; an order already cancelled counts as success.

    SuperShip cancels only orders not yet picked up. When a cancel is refused, the order is read
    back: status ``0`` (cancelled) means success (a retried or repeated cancel), anything else
    fails the order with SuperShip's message and the current status. An empty input skips.
    A retried attempt resumes from the checkpoint: the codes an earlier attempt cancelled are
    carried into its report (``data.confirmed_by_earlier_try``), not sent again.

    Pushes to XCom ``{"counts", "results": [{"key": code, "outcome": updated (cancelled now) |
    ok (already cancelled) | failed, "status", "error", "data": {soc, status_name}}]}``.

    :param codes: one SuperShip order code or a list (templated; the XCom of
        :class:`SuperShipCreateOrdersOperator` works too).
    :param supership_conn_id: the SuperShip connection id.
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param max_concurrency: cancels in flight at once.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("parcels",)

    template_fields: Sequence[str] = ("codes", "results_path")
    ui_color = "#fde2e2"
    action = "SuperShip cancel orders"
    items_param = "codes"
    resumes_from_checkpoint = True

    def __init__(self, *, codes: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.codes = codes

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="codes")

    def item_key(self, item: str) -> str:
        return item

    async def run_item(self, hook: SuperShipHook, item: str) -> ItemResult:
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.results import ItemResult, error_dict

        try:
            result = await hook.acancel_order(item)
        except ApiError as err:
            if err.retryable:
                raise
            try:
                info = await hook.aget_order(item)
            except ApiError:
                raise err from None
            data = {"soc": info.soc, "status_name": info.status_name}
            if info.status == "0":
                self.log.info("%s was already cancelled", item)
                return ItemResult(
                    key=item, outcome="ok", id=item, status="0", data={**data, "already_cancelled": True}
                )
            return ItemResult(
                key=item, outcome="failed", id=item, status=info.status, error=error_dict(err), data=data
            )
        data = {"soc": result.soc, "status_name": result.status_name}
        return ItemResult(key=item, outcome="updated", id=item, status=result.status, data=data)
