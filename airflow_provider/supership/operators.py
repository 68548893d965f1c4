"""
SuperShip operators on the one operator core: create, cancel, track, quote and print labels;
list, create and update pickup warehouses; register the status webhook.

Module top imports stay light (a DAG parse pays them): the hook and the models are imported
when a task runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow.sdk import BaseOperator, BaseOperatorLink

from airflow_provider.common.operator_bases import (
    BulkCreateOperator,
    BulkOperator,
    PlatformOperator,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport, ItemResult
    from airflow_provider.supership.hooks import SuperShipHook
    from airflow_provider.supership.models import (
        CreatedOrder,
        FeeQuoteRequest,
        OrderCreateRequest,
        OrderInfo,
        Warehouse,
        WarehouseCreateRequest,
        WarehouseUpdateRequest,
    )

DEFAULT_CONN_ID = "supership_default"
LOOKUP_BY = ("code", "soc")


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


class SuperShipOperator(PlatformOperator):
    """
    Base of the SuperShip operators: the connection and the hook.

    :param supership_conn_id: the SuperShip connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    registry_key = "supership"

    def __init__(
        self, *, supership_conn_id: str = DEFAULT_CONN_ID, max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=supership_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.supership_conn_id = supership_conn_id


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
    gives the same soc). SuperShip does not document refusing a reused soc, so an attempt that
    is not the first (or ``lookup_first=True``) looks every order up with
    ``info?type=2&code=<soc>`` before creating any; when a create's answer is lost the order is
    looked up the same way before any retry. An order found under its soc is ``existed`` when
    it has the same COD amount, value and receiver phone, else a conflict (failed).

    Pushes to XCom ``{"counts": {...}, "results": [{"key": soc, "outcome": created | existed |
    failed | unknown, "id": SuperShip code, "status", "error", "data": {soc, shortcode,
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
    :param lookup_first: look every order up by its soc before creating any (default: on for an
        attempt that is not the first).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param max_concurrency: creates in flight at once (default: the connection's ``max_concurrency``).
    """

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

    Pushes to XCom ``{"counts", "results": [{"key": code, "outcome": updated (cancelled now) |
    ok (already cancelled) | failed, "status", "error", "data": {soc, status_name}}]}``.

    :param codes: one SuperShip order code or a list (templated; the XCom of
        :class:`SuperShipCreateOrdersOperator` works too).
    :param supership_conn_id: the SuperShip connection id.
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param max_concurrency: cancels in flight at once.
    """

    template_fields: Sequence[str] = ("codes", "results_path")
    ui_color = "#fde2e2"
    action = "SuperShip cancel orders"
    items_param = "codes"

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


class SuperShipGetTrackingOperator(SuperShipOperator, BulkOperator[str]):
    """
    Read the status, COD figures and journey of many orders (order info, bounded concurrency).

    XCom stays compact: ``{"counts", "results": [{"key": the id asked, "outcome": ok | failed,
    "id": SuperShip code, "status", "data": {soc, status_name, amount (COD expected),
    collection, collected, value, fee, insurance, return_fee, journeys (count), last_event
    {time, status, note}, updated_at}}]}``, plus ``"file"`` when ``output_path`` is given: the
    full order infos with every journey step are then written as JSON to a file under that
    folder (any ``ObjectStoragePath`` URL, e.g. ``file:///data/tracking`` or ``s3://bucket/tracking``;
    a path ending in ``.json`` is used as the file itself). The file holds receiver names and
    addresses: choose its location accordingly. (``"path"`` carries the same value: deprecated,
    read ``"file"``.) An empty input skips.

    :param codes: SuperShip order codes (or socs with ``lookup_by="soc"``), templated; the XCom
        of :class:`SuperShipCreateOrdersOperator` works too.
    :param supership_conn_id: the SuperShip connection id.
    :param lookup_by: ``code`` (info ``type=1``) or ``soc`` (``type=2``).
    :param output_path: folder (or ``.json`` file) for the full journeys (templated).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param max_concurrency: info calls in flight at once.
    """

    template_fields: Sequence[str] = ("codes", "output_path", "results_path")
    ui_color = "#e2f0fd"
    action = "SuperShip tracking"
    items_param = "codes"

    def __init__(
        self, *, codes: Any, lookup_by: str = "code", output_path: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if lookup_by not in LOOKUP_BY:
            raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
        self.codes = codes
        self.lookup_by = lookup_by
        self.output_path = output_path
        self._journeys: dict[str, Any] = {}
        self._file: str | None = None

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="codes", report_field="key" if self.lookup_by == "soc" else "id")

    def item_key(self, item: str) -> str:
        return item

    async def run_item(self, hook: SuperShipHook, item: str) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        info = await hook.aget_order(item, lookup_by="soc" if self.lookup_by == "soc" else "code")
        self._journeys[item] = info.model_dump(mode="json", by_alias=True)
        return ItemResult(key=item, outcome="ok", id=info.code, status=info.status, data=info.tracking())

    def finish(self, context: Context, report: BulkReport) -> dict[str, Any]:
        self._file = self._write(context) if self.output_path and self._journeys else None
        return super().finish(context, report)

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        return {"file": self._file, "path": self._file} if self._file else {}

    def _write(self, context: Context) -> str:
        import json
        import re
        from datetime import UTC, datetime

        from airflow.sdk import ObjectStoragePath

        target = str(self.output_path)
        if not target.endswith(".json"):
            ti = context.get("ti")
            parts = [
                "supership-tracking",
                str(getattr(context.get("dag"), "dag_id", "") or ""),
                str(getattr(ti, "task_id", "") or self.task_id),
                str(context.get("run_id") or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")),
            ]
            map_index = getattr(ti, "map_index", -1)
            if isinstance(map_index, int) and map_index >= 0:
                parts.append(str(map_index))
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p)) + ".json"
            target = target.rstrip("/") + "/" + name
        path = ObjectStoragePath(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"generated_at": datetime.now(UTC).isoformat(), "orders": self._journeys}
        with path.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
        self.log.info("Wrote the journeys of %d order(s) to %s", len(self._journeys), path)
        return str(path)


class SuperShipFeeQuoteOperator(SuperShipOperator, BulkOperator["tuple[int, FeeQuoteRequest]"]):
    """
    Price parcels between districts before creating orders (``GET /v1/partner/orders/price``).

    Each quote request needs ``sender_province``, ``sender_district``, ``receiver_province``,
    ``receiver_district`` (NAMES, checked against the areas API with suggestions before any
    price call), ``weight`` (grams) and optionally ``value`` (VND, for insurance). An empty
    input skips.

    Pushes to XCom ``{"counts", "results": [{"key": "#<index>", "outcome": ok | failed, "data":
    {route, weight, fee (cheapest), insurance, quotes: [{service, fee, insurance, pickup,
    delivery}]}}]}``.

    :param quotes: one quote request dict or a list (templated).
    :param supership_conn_id: the SuperShip connection id.
    :param check_places: check the place names against the areas API first.
    :param method: ``GET`` (documented) or ``POST`` (as SuperShip's PHP SDK sends it).
    :param results_path: write every quote's result to this JSON-lines file (templated).
    :param max_concurrency: price calls in flight at once.
    """

    template_fields: Sequence[str] = ("quotes", "results_path")
    ui_color = "#e2fde8"
    action = "SuperShip fee quotes"
    items_param = "quotes"

    def __init__(self, *, quotes: Any, check_places: bool = True, method: str = "GET", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if method.upper() not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, not {method!r}")
        self.quotes = quotes
        self.check_places = check_places
        self.method = method.upper()

    def validate_items(self, raw: Any) -> list[tuple[int, FeeQuoteRequest]]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all
        from airflow_provider.supership.models import FeeQuoteRequest

        return list(enumerate(validate_all(FeeQuoteRequest, items_from(raw, param="quotes"))))

    def item_key(self, item: tuple[int, FeeQuoteRequest]) -> str:
        return f"#{item[0]}"

    def prepare(
        self, hook: SuperShipHook, items: list[tuple[int, FeeQuoteRequest]], context: Context
    ) -> list[tuple[int, FeeQuoteRequest]]:
        from airflow_provider.common.models import InputError

        if self.check_places:
            problems: list[tuple[str, str, str]] = []
            for index, request in items:
                for side in ("sender", "receiver"):
                    check = hook.check_place(
                        getattr(request, f"{side}_province"),
                        getattr(request, f"{side}_district"),
                        fields=(f"{side}_province", f"{side}_district", ""),
                        check_commune=False,
                    )
                    problems += [(f"#{index}", field, message) for field, message in check.problems]
            if problems:
                raise InputError(problems)
        return super().prepare(hook, items, context)

    async def run_item(self, hook: SuperShipHook, item: tuple[int, FeeQuoteRequest]) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        index, request = item
        quotes = await hook.aget_fee_quotes(request, method="POST" if self.method == "POST" else "GET")
        rows: list[dict[str, Any]] = [quote.compact() for quote in quotes]
        cheapest = min(rows, key=lambda r: int(r["fee"] or 0) + int(r["insurance"] or 0)) if rows else {}
        data = {
            "route": f"{request.sender_district}, {request.sender_province} -> "
            f"{request.receiver_district}, {request.receiver_province}",
            "weight": request.weight,
            "fee": cheapest.get("fee"),
            "insurance": cheapest.get("insurance"),
            "quotes": rows,
        }
        return ItemResult(key=f"#{index}", outcome="ok", data=data)


class SuperShipLabelLink(BaseOperatorLink):
    """ "SuperShip labels" button on a label task: the print page of the batch's labels.

    The URL carries a print token: it is shown to users who can see the task, never logged.
    """

    name = "SuperShip labels"

    def get_link(self, operator: BaseOperator, *, ti_key: Any) -> str:
        from airflow.providers.common.compat.sdk import XCom

        pushed = XCom.get_value(ti_key=ti_key, key="return_value")
        return str(pushed.get("url") or "") if isinstance(pushed, dict) else ""


class SuperShipLabelOperator(SuperShipOperator):
    """
    Get one print URL for the shipping labels of a batch of orders.

    Calls ``POST /v1/partner/orders/token`` with the codes, then builds
    ``https://khachhang.supership.vn/orders/awb?token=<print token>&size=<size>``.

    The URL carries a print token that opens the labels (receiver names, phones, addresses)
    without any other credential: it is pushed to XCom, because whoever prints needs it, but it
    is never written to the task log. Treat the XCom value as a secret. An empty input skips.

    Pushes to XCom ``{"url": print URL, "size": size, "count": number of labels, "codes": [...]}``.

    :param codes: SuperShip order codes (templated; the XCom of
        :class:`SuperShipCreateOrdersOperator` works too).
    :param supership_conn_id: the SuperShip connection id.
    :param size: label size: A5, K46, T2, K50, K75, K80, S8 to S14 (templated).
    """

    template_fields: Sequence[str] = ("codes", "size")
    ui_color = "#f5e2fd"
    operator_extra_links = (SuperShipLabelLink(),)

    def __init__(self, *, codes: Any, size: str = "A5", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.codes = codes
        self.size = size

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.inputs import ids_from
        from airflow_provider.common.models import InputError
        from airflow_provider.supership.models import LABEL_SIZES

        try:
            codes = ids_from(self.codes, param="codes")
        except InputError as err:
            raise AirflowFailException(f"{self.task_id}: {err}") from err
        if not codes:
            raise AirflowSkipException("codes: nothing to do (no orders to print labels for)")
        size = str(self.size).strip().upper()
        if size not in LABEL_SIZES:
            raise AirflowFailException(f"size {self.size!r} is not one of {', '.join(LABEL_SIZES)}")
        with self.session() as session, self.fail_fast():
            hook = cast("SuperShipHook", session)
            url = hook.print_url(hook.create_label_token(codes), size)
        self.log.info(
            "Print URL for %d label(s) (size %s) pushed to XCom; not logged: it carries a print token",
            len(codes),
            size,
        )
        return {"url": url, "size": size, "count": len(codes), "codes": codes}


def _name_key(name: str | None) -> str:
    """A warehouse name compared without case or repeated spaces."""
    return " ".join(str(name or "").split()).casefold()


def _repeated(keys: list[str], label: str) -> list[tuple[str, str, str]]:
    """Input problems for keys used by more than one item of a batch."""
    seen: dict[str, int] = {}
    problems: list[tuple[str, str, str]] = []
    for index, key in enumerate(keys):
        if key in seen:
            problems.append((f"#{index}", label, f"same {label} as #{seen[key]} in this batch"))
        else:
            seen[key] = index
    return problems


class SuperShipListWarehousesOperator(SuperShipOperator):
    """
    List the account's pickup warehouses (``GET /v1/partner/warehouses``).

    Pushes to XCom ``{"count", "codes": [...], "primary": the default warehouse's code or
    None, "warehouses": [{code, name, formatted_address, status (1 active, 2 stopped),
    primary (1 default, 2 normal)}]}``. A warehouse's code is what an order's ``pickup_code``
    takes.

    :param supership_conn_id: the SuperShip connection id.
    :param active_only: leave out stopped warehouses (status ``2``).
    """

    ui_color = "#e2f0fd"

    def __init__(self, *, active_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.active_only = active_only

    def execute(self, context: Context) -> dict[str, Any]:
        with self.session() as session, self.fail_fast():
            warehouses = cast("SuperShipHook", session).get_warehouses()
        if self.active_only:
            warehouses = [w for w in warehouses if str(w.status or "1") == "1"]
        primary = next((w.code for w in warehouses if w.primary == "1"), None)
        self.log.info("Read %d SuperShip warehouse(s); default: %s", len(warehouses), primary)
        return {
            "count": len(warehouses),
            "codes": [w.code for w in warehouses],
            "primary": primary,
            "warehouses": [w.compact() for w in warehouses],
        }


class SuperShipCreateWarehousesOperator(SuperShipOperator, BulkCreateOperator["WarehouseCreateRequest"]):
    """
    Create one or many pickup warehouses (``POST /v1/partner/warehouses/create``), once each.

    Each warehouse needs ``name``, ``phone``, ``contact``, ``address``, ``province``,
    ``district``, ``commune`` (place NAMES, checked against the areas API with suggestions
    before any create) and optionally ``primary`` (``"1"`` default warehouse, ``"2"`` normal,
    the default; at most one per batch). Bad input fails the task naming the warehouse and the
    field before anything is sent. An empty input skips.

    Idempotency: SuperShip assigns the warehouse's code and documents no refusal of a reused
    name, so the warehouse's **name** is its key (compared without case or repeated spaces;
    two warehouses of a batch may not share one). An attempt that is not the first (or
    ``lookup_first=True``, e.g. for a DAG that makes sure its warehouses exist) lists the
    warehouses once and creates only the names not found; a create whose answer is lost is
    looked up the same way before anything is sent again. A warehouse found under its name is
    ``existed`` when its street address is the same, else a conflict (failed): rename it or
    update the existing one.

    Pushes to XCom ``{"counts", "results": [{"key": name, "outcome": created | existed | failed
    | unknown, "id": warehouse code, "status", "error", "data": {code, name,
    formatted_address, status, primary}}]}`` (pushed before the task fails on any failure).

    :param warehouses: one warehouse dict or a list (templated; XCom works).
    :param supership_conn_id: the SuperShip connection id.
    :param check_places: check the place names against the areas API first.
    :param resolve_place_names: send SuperShip's spelling for names that match it only once
        accents are ignored; by default such names are errors with a suggestion.
    :param lookup_first: list the warehouses before creating any (default: on for an attempt
        that is not the first).
    :param results_path: write every warehouse's result to this JSON-lines file (templated).
    :param max_concurrency: creates in flight at once.
    """

    template_fields: Sequence[str] = ("warehouses", "results_path")
    ui_color = "#fde2e2"
    action = "SuperShip create warehouses"
    items_param = "warehouses"

    def __init__(
        self, *, warehouses: Any, check_places: bool = True, resolve_place_names: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.warehouses = warehouses
        self.check_places = check_places
        self.resolve_place_names = resolve_place_names

    def validate_items(self, raw: Any) -> list[WarehouseCreateRequest]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import WarehouseCreateRequest

        items = validate_all(WarehouseCreateRequest, items_from(raw, param="warehouses"), id_field="name")
        problems = _repeated([_name_key(w.name) for w in items], "name")
        defaults = [index for index, w in enumerate(items) if w.primary == "1"]
        problems += [
            (f"#{index}", "primary", "only one warehouse of a batch may be the default")
            for index in defaults[1:]
        ]
        if problems:
            raise InputError(problems)
        return items

    def item_key(self, item: WarehouseCreateRequest) -> str:
        return item.name

    def prepare(
        self, hook: SuperShipHook, items: list[WarehouseCreateRequest], context: Context
    ) -> list[WarehouseCreateRequest]:
        """Place names checked before any create; then the token."""
        from airflow_provider.common.models import InputError

        if self.check_places:
            problems: list[tuple[str, str, str]] = []
            checked = []
            for item in items:
                check = hook.check_place(
                    item.province, item.district, item.commune, resolve=self.resolve_place_names
                )
                problems += [(item.name, field, message) for field, message in check.problems]
                checked.append(item.model_copy(update=check.names) if self.resolve_place_names else item)
            if problems:
                raise InputError(problems)
            items = checked
        return super().prepare(hook, items, context)

    async def create(self, hook: SuperShipHook, item: WarehouseCreateRequest) -> Warehouse:
        return await hook.acreate_warehouse(item)

    async def lookup(self, hook: SuperShipHook, item: WarehouseCreateRequest) -> Warehouse | None:
        found = await self.lookup_many(hook, [item])
        return found.get(item.name)

    async def lookup_many(
        self, hook: SuperShipHook, items: Sequence[WarehouseCreateRequest]
    ) -> dict[str, Warehouse]:
        """One list call for the whole batch: ``{name: warehouse}`` of the names found."""
        by_name: dict[str, Warehouse] = {}
        for warehouse in await hook.aget_warehouses():
            by_name.setdefault(_name_key(warehouse.name), warehouse)
        return {item.name: by_name[_name_key(item.name)] for item in items if _name_key(item.name) in by_name}

    def describe(self, value: Warehouse) -> tuple[str | None, str | None, dict[str, Any]]:
        return value.code, value.status, value.compact()

    def matches(self, item: WarehouseCreateRequest, value: Warehouse) -> bool:
        """Same street address (the list shows no phone or contact to compare)."""
        wanted = _name_key(item.address)
        if value.address:
            return _name_key(value.address) == wanted
        return _name_key(value.formatted_address).startswith(wanted) if value.formatted_address else True


class SuperShipUpdateWarehousesOperator(SuperShipOperator, BulkOperator["WarehouseUpdateRequest"]):
    """
    Rename warehouses or change their phone and contact (``POST /v1/partner/warehouses/update``).

    Each update names the warehouse by ``code`` and gives its ``name``, ``phone`` and
    ``contact`` (all required, as SuperShip's PHP SDK sends them; an address change needs a new
    warehouse). Sending the same values again changes nothing and counts as success: safe to
    retry. Bad input fails the task naming the warehouse and the field before anything is
    sent; an empty input skips.

    Pushes to XCom ``{"counts", "results": [{"key": code, "outcome": updated (something
    changed) | ok (already so) | failed, "id": code, "error", "data": {"changed": [field
    names]}}]}`` (pushed before the task fails on any failure, e.g. an unknown code).

    :param updates: one ``{code, name, phone, contact}`` dict or a list (templated; XCom works).
    :param supership_conn_id: the SuperShip connection id.
    :param results_path: write every update's result to this JSON-lines file (templated).
    :param max_concurrency: updates in flight at once.
    """

    template_fields: Sequence[str] = ("updates", "results_path")
    ui_color = "#fdf5e2"
    action = "SuperShip update warehouses"
    items_param = "updates"

    def __init__(self, *, updates: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.updates = updates

    def validate_items(self, raw: Any) -> list[WarehouseUpdateRequest]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import WarehouseUpdateRequest

        items = validate_all(WarehouseUpdateRequest, items_from(raw, param="updates"), id_field="code")
        problems = _repeated([w.code for w in items], "code")
        if problems:
            raise InputError(problems)
        return items

    def item_key(self, item: WarehouseUpdateRequest) -> str:
        return item.code

    async def run_item(self, hook: SuperShipHook, item: WarehouseUpdateRequest) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        result = await hook.aupdate_warehouse(item)
        changed = sorted(result.diff)
        return ItemResult(
            key=item.code, outcome="updated" if changed else "ok", id=result.code, data={"changed": changed}
        )


def _redacted_url(url: str) -> str:
    """A URL without its user info and query (where a webhook secret would sit) for logs and XCom."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


class SuperShipRegisterWebhookOperator(SuperShipOperator):
    """
    Register the URL SuperShip POSTs order status changes to (``POST /v1/partner/webhooks/create``).

    Idempotent: the registered webhook is read first (``GET /v1/partner/webhooks``); the same
    URL already registered is success without a second call. Another URL is replaced (SuperShip
    keeps one per account), or fails the task with ``replace_existing=False``. The URL is
    checked (``http(s)://...``) before any request; an empty ``url`` skips. SuperShip signs
    nothing: a secret in the URL's query is the only way to authenticate its calls, so logs and
    XCom show the URL without its query.

    Pushes to XCom ``{"url": the URL without its query, "outcome": created (none was
    registered) | updated (another URL was replaced) | existed (already registered),
    "previous_url": the replaced URL without its query, or None}``.

    :param url: the webhook URL (templated).
    :param supership_conn_id: the SuperShip connection id.
    :param replace_existing: replace another registered URL (default) instead of failing.
    """

    template_fields: Sequence[str] = ("url",)
    ui_color = "#e2fdf5"

    def __init__(self, *, url: str | None, replace_existing: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.replace_existing = replace_existing

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
        from pydantic import ValidationError

        from airflow_provider.supership.models import WebhookCreateRequest

        if self.url is None or not str(self.url).strip():
            raise AirflowSkipException("url: nothing to do (no webhook URL)")
        try:
            url = WebhookCreateRequest(url=str(self.url).strip()).url
        except ValidationError as err:
            raise AirflowFailException(
                f"{self.task_id}: url: must be an http(s):// URL without spaces, not {_redacted_url(str(self.url))!r}"
            ) from err
        shown = _redacted_url(url)
        with self.session() as session, self.fail_fast():
            hook = cast("SuperShipHook", session)
            current = hook.get_webhook()
            previous = current.url if current else None
            if previous == url:
                self.log.info("SuperShip webhook %s is already registered", shown)
                return {"url": shown, "outcome": "existed", "previous_url": None}
            if previous and not self.replace_existing:
                raise AirflowFailException(
                    f"{self.task_id}: another webhook is registered ({_redacted_url(previous)}) "
                    "and replace_existing=False"
                )
            hook.register_webhook(url)
        outcome = "updated" if previous else "created"
        self.log.info("SuperShip webhook %s registered (%s)", shown, outcome)
        return {
            "url": shown,
            "outcome": outcome,
            "previous_url": _redacted_url(previous) if previous else None,
        }
