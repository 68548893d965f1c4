"""
SuperShip operators: create, cancel, track, quote and print labels.

Module top imports stay light (a DAG parse pays them): the hook and the models are imported
inside ``execute``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from airflow.sdk import BaseOperator, BaseOperatorLink
from airflow.sdk.exceptions import AirflowFailException

from airflow_provider.common.operators import (
    BulkReport,
    ItemResult,
    finish_bulk,
    normalize_items,
    run_bulk,
    run_sync,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.supership.hooks import SuperShipHook
    from airflow_provider.supership.models import CreatedOrder, OrderCreateRequest, OrderInfo

DEFAULT_CONN_ID = "supership_default"


def _hook(conn_id: str) -> SuperShipHook:
    from airflow_provider.supership.hooks import SuperShipHook

    return SuperShipHook(conn_id)


def _int(value: Decimal | int | None) -> int | None:
    """VND amounts are whole numbers: ints in XCom."""
    return None if value is None else int(value)


def order_ids(value: Any, *, field: str = "id") -> list[str]:
    """
    Order ids from a code, a list, a JSON string, or the XCom of a SuperShip bulk operator
    (``{"results": [{"id": ..., "key": ...}]}``: ``field`` ``id`` gives the SuperShip codes,
    ``key`` the socs, of the items that did not fail).
    """
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                value = json.loads(text)
            except ValueError:
                value = [text]
        else:
            value = [text]
    if isinstance(value, dict):
        if isinstance(value.get("results"), list):
            value = [
                r.get(field)
                for r in value["results"]
                if isinstance(r, dict) and r.get("outcome", "created") not in ("failed", "unknown", "skipped")
            ]
        else:
            value = list(value)
    if isinstance(value, int):
        value = [value]
    ids = [str(v).strip() for v in value or [] if v is not None and str(v).strip()]
    return list(dict.fromkeys(ids))


def derive_soc(order: dict[str, Any], prefix: str = "AF-") -> str:
    """
    A deterministic ``soc`` from an order's contents (the same input always gives the same soc,
    so a task retry or a re-run finds the order instead of creating it twice).
    """
    payload = {k: v for k, v in order.items() if k != "soc"}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{prefix}{digest[:16].upper()}"


def _phone_matches(masked: str | None, phone: str) -> bool:
    """Order info masks the phone (``094****350``): compare what is visible."""
    if not masked:
        return True
    wanted = phone.replace("+84", "0", 1) if phone.startswith("+84") else phone
    shown = masked.replace("+84", "0", 1) if masked.startswith("+84") else masked
    if "*" not in shown:
        return shown == wanted
    head, tail = shown.split("*", 1)[0], shown.rsplit("*", 1)[-1]
    return wanted.startswith(head) and wanted.endswith(tail)


def _describe(value: CreatedOrder | OrderInfo) -> tuple[str | None, str | None, dict[str, Any]]:
    """Compact XCom data of an order: ids, status, COD amount and fees (no personal data)."""
    from airflow_provider.supership.models import CreatedOrder

    data: dict[str, Any] = {"soc": value.soc, "status_name": value.status_name}
    if isinstance(value, CreatedOrder):
        data.update(
            shortcode=value.shortcode,
            amount=_int(value.amount),
            collection=_int(value.collection),
            value=_int(value.value),
            fee=_int(value.fee),
            insurance=_int(value.insurance),
        )
    else:
        fees = value.fee
        data.update(
            amount=_int(value.amount),
            collection=_int(value.collection),
            collected=_int(value.collected),
            value=_int(value.value),
            fee=_int(fees.shipment) if fees else None,
            insurance=_int(fees.insurance) if fees else None,
            return_fee=_int(fees.return_fee) if fees else None,
        )
    return value.code, value.status, {k: v for k, v in data.items() if v is not None}


def _matches(order: OrderCreateRequest, existing: CreatedOrder | OrderInfo) -> bool:
    """Whether the order found under this soc is the one asked for (COD, value, receiver phone)."""
    from airflow_provider.supership.models import OrderInfo

    if existing.amount is not None and int(existing.amount) != order.amount:
        return False
    if existing.value is not None and int(existing.value) != order.value:
        return False
    phone = existing.receiver.phone if isinstance(existing, OrderInfo) and existing.receiver else None
    return _phone_matches(phone, order.phone)


def _fail_on_input(err: Exception) -> AirflowFailException:
    return AirflowFailException(str(err))


def _report_with_path(report: BulkReport, path: str | None) -> BulkReport:
    """The report, whose XCom form also names the file holding the full payloads."""
    if not path:
        return report

    class PathReport(BulkReport):
        def to_xcom(self) -> dict[str, Any]:
            return {**super().to_xcom(), "path": path}

    return PathReport(results=report.results)


class SuperShipCreateOrdersOperator(BaseOperator):
    """
    Create one or many SuperShip orders, at most once each.

    Every order is validated first (required fields, whole non-negative ``amount`` / ``value`` /
    ``weight`` (digit strings such as ``"220000"`` are accepted and sent as ints), Vietnamese
    phone numbers, ``product_type`` with ``product`` / ``products``), then its place NAMES are
    checked against SuperShip's areas API with "did you mean" suggestions; any problem fails
    the task naming the order and the field before any order is sent.

    Idempotency: each order's ``soc`` is its key. It is required with ``require_soc=True``,
    otherwise derived from the order's contents when missing (``AF-`` + a hash: the same input
    gives the same soc). When a create's answer is lost, the order is looked up with
    ``info?type=2&code=<soc>`` before any retry; a "soc already exists" answer counts as success
    when the existing order has the same COD amount, value and receiver phone.

    Pushes to XCom ``{"counts": {...}, "results": [{"key": soc, "outcome": created | existed |
    failed | unknown, "id": SuperShip code, "status", "error", "data": {soc, shortcode,
    status_name, amount (COD to collect), collection, value, fee, insurance}}]}`` (pushed
    before the task fails on any failed or unknown order).

    :param orders: one order dict or a list (templated; XCom works), in the vendor's field
        names (``POST /v1/partner/orders/add``).
    :param supership_conn_id: the SuperShip connection id.
    :param require_soc: fail orders without a ``soc`` instead of deriving one.
    :param soc_prefix: prefix of derived socs.
    :param check_places: check province / district / commune names against the areas API.
    :param resolve_place_names: send SuperShip's spelling for names that match it only once
        accents are ignored (``Ho Chi Minh``); by default such names are errors with a suggestion.
    :param max_concurrency: creates in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("orders",)
    ui_color = "#fde2e2"

    def __init__(
        self,
        *,
        orders: Any,
        supership_conn_id: str = DEFAULT_CONN_ID,
        require_soc: bool = False,
        soc_prefix: str = "AF-",
        check_places: bool = True,
        resolve_place_names: bool = False,
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.orders = orders
        self.supership_conn_id = supership_conn_id
        self.require_soc = require_soc
        self.soc_prefix = soc_prefix
        self.check_places = check_places
        self.resolve_place_names = resolve_place_names
        self.max_concurrency = max_concurrency

    def validate(self) -> list[OrderCreateRequest]:
        """Every order as a model with its soc; raises InputError naming each bad field."""
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import OrderCreateRequest

        items = normalize_items(self.orders, what="orders")
        orders = validate_all(OrderCreateRequest, items, id_field="soc")
        problems: list[tuple[str, str, str]] = []
        keyed: list[OrderCreateRequest] = []
        for index, order in enumerate(orders):
            if not order.soc:
                if self.require_soc:
                    problems.append((f"#{index}", "soc", "required (require_soc=True)"))
                    continue
                order = order.model_copy(update={"soc": derive_soc(order.dump(), self.soc_prefix)})
            keyed.append(order)
        seen: dict[str, list[int]] = {}
        for index, order in enumerate(keyed):
            seen.setdefault(str(order.soc), []).append(index)
        for soc, positions in seen.items():
            if len(positions) > 1:
                where = ", ".join(f"#{p}" for p in positions)
                problems.append((soc, "soc", f"used by {len(positions)} orders of this batch ({where})"))
        if problems:
            raise InputError(problems)
        return keyed

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
            updates: dict[str, str] = {}
            receiver = hook.check_place(
                order.province, order.district, order.commune, resolve=self.resolve_place_names
            )
            problems += [(label, field, message) for field, message in receiver.problems]
            updates.update(receiver.names)
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

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.models import InputError

        try:
            orders = self.validate()
        except (InputError, ValueError) as err:
            raise _fail_on_input(err) from err
        hook = _hook(self.supership_conn_id)
        try:
            if self.check_places:
                try:
                    orders = self.check_order_places(hook, orders)
                except InputError as err:
                    raise _fail_on_input(err) from err
            hook.get_token()
            self.log.info("Creating %d SuperShip order(s)", len(orders))
            report = run_sync(self._create_all(hook, orders))
        finally:
            hook.close()
        return finish_bulk(context, report, action="SuperShip create orders")

    async def _create_all(self, hook: SuperShipHook, orders: list[OrderCreateRequest]) -> BulkReport:
        from airflow_provider.common.operators import IdempotentCreate
        from airflow_provider.common.retry import RetryPolicy

        async def lookup(order: OrderCreateRequest) -> OrderInfo | None:
            return await hook.afind_order_by_soc(str(order.soc))

        base = hook.retry_policy
        creator: IdempotentCreate[OrderCreateRequest, CreatedOrder | OrderInfo] = IdempotentCreate(
            create=hook.acreate_order,
            lookup=lookup,
            describe=_describe,
            matches=_matches,
            policy=RetryPolicy(
                max_attempts=4, base_delay=base.base_delay, max_delay=base.max_delay, max_total=base.max_total
            ),
            key=lambda order: str(order.soc),
        )
        try:
            return await creator.create_all(orders, concurrency=hook.concurrency(self.max_concurrency))
        finally:
            await hook.aclose()


class SuperShipCancelOrderOperator(BaseOperator):
    """
    Cancel SuperShip orders by code; an order already cancelled counts as success.

    SuperShip cancels only orders not yet picked up. When a cancel is refused, the order is read
    back: status ``0`` (cancelled) means success (a retried or repeated cancel), anything else
    fails the order with SuperShip's message and the current status.

    Pushes to XCom ``{"counts", "results": [{"key": code, "outcome": updated (cancelled now) |
    ok (already cancelled) | failed, "status", "error", "data": {soc, status_name}}]}``.

    :param codes: one SuperShip order code or a list (templated; the XCom of
        :class:`SuperShipCreateOrdersOperator` works too).
    :param supership_conn_id: the SuperShip connection id.
    :param max_concurrency: cancels in flight at once.
    """

    template_fields: Sequence[str] = ("codes",)
    ui_color = "#fde2e2"

    def __init__(
        self,
        *,
        codes: Any,
        supership_conn_id: str = DEFAULT_CONN_ID,
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.codes = codes
        self.supership_conn_id = supership_conn_id
        self.max_concurrency = max_concurrency

    def execute(self, context: Context) -> dict[str, Any]:
        codes = order_ids(self.codes)
        if not codes:
            raise AirflowFailException("codes is empty: nothing to cancel")
        hook = _hook(self.supership_conn_id)
        try:
            hook.get_token()
            report = run_sync(self._cancel_all(hook, codes))
        finally:
            hook.close()
        return finish_bulk(context, report, action="SuperShip cancel orders")

    async def _cancel_all(self, hook: SuperShipHook, codes: list[str]) -> BulkReport:
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.operators import error_dict

        async def cancel(code: str) -> ItemResult:
            try:
                result = await hook.acancel_order(code)
            except ApiError as err:
                if err.retryable:
                    raise
                try:
                    info = await hook.aget_order(code)
                except ApiError:
                    raise err from None
                if info.status == "0":
                    self.log.info("%s was already cancelled", code)
                    return ItemResult(
                        key=code,
                        outcome="ok",
                        id=code,
                        status="0",
                        data={"soc": info.soc, "status_name": info.status_name, "already_cancelled": True},
                    )
                return ItemResult(
                    key=code,
                    outcome="failed",
                    id=code,
                    status=info.status,
                    error=error_dict(err),
                    data={"soc": info.soc, "status_name": info.status_name},
                )
            return ItemResult(
                key=code,
                outcome="updated",
                id=code,
                status=result.status,
                data={"soc": result.soc, "status_name": result.status_name},
            )

        try:
            return await run_bulk(
                codes,
                cancel,
                key=lambda code: code,
                concurrency=hook.concurrency(self.max_concurrency),
            )
        finally:
            await hook.aclose()


class SuperShipGetTrackingOperator(BaseOperator):
    """
    Read the status, COD figures and journey of many orders (order info, bounded concurrency).

    XCom stays compact: ``{"counts", "results": [{"key": the id asked, "outcome": ok | failed,
    "id": SuperShip code, "status", "data": {soc, status_name, amount (COD expected),
    collection, collected, value, fee, insurance, return_fee, journeys (count), last_event
    {time, status, note}, updated_at}}]}``, plus ``"path"`` when ``output_path`` is given: the
    full order infos with every journey step are then written as JSON to a file under that
    folder (any ``ObjectStoragePath`` URL, e.g. ``file:///data/tracking`` or ``s3://bucket/tracking``;
    a path ending in ``.json`` is used as the file itself). The file holds receiver names and
    addresses: choose its location accordingly.

    :param codes: SuperShip order codes (or socs with ``lookup_by="soc"``), templated; the XCom
        of :class:`SuperShipCreateOrdersOperator` works too.
    :param supership_conn_id: the SuperShip connection id.
    :param lookup_by: ``code`` (info ``type=1``) or ``soc`` (``type=2``).
    :param output_path: folder (or ``.json`` file) for the full journeys (templated).
    :param max_concurrency: info calls in flight at once.
    """

    template_fields: Sequence[str] = ("codes", "output_path")
    ui_color = "#e2f0fd"

    def __init__(
        self,
        *,
        codes: Any,
        supership_conn_id: str = DEFAULT_CONN_ID,
        lookup_by: str = "code",
        output_path: str | None = None,
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if lookup_by not in ("code", "soc"):
            raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
        self.codes = codes
        self.supership_conn_id = supership_conn_id
        self.lookup_by = lookup_by
        self.output_path = output_path
        self.max_concurrency = max_concurrency

    def execute(self, context: Context) -> dict[str, Any]:
        ids = order_ids(self.codes, field="key" if self.lookup_by == "soc" else "id")
        if not ids:
            raise AirflowFailException("codes is empty: nothing to track")
        hook = _hook(self.supership_conn_id)
        full: dict[str, Any] = {}
        try:
            hook.get_token()
            report = run_sync(self._track_all(hook, ids, full))
        finally:
            hook.close()
        path = self._write(context, full) if self.output_path and full else None
        return finish_bulk(context, _report_with_path(report, path), action="SuperShip tracking")

    async def _track_all(self, hook: SuperShipHook, ids: list[str], full: dict[str, Any]) -> BulkReport:
        async def track(order_id: str) -> ItemResult:
            info = await hook.aget_order(order_id, lookup_by="soc" if self.lookup_by == "soc" else "code")
            full[order_id] = info.model_dump(mode="json", by_alias=True)
            code, status, data = _describe(info)
            last = info.journeys[-1] if info.journeys else None
            data["journeys"] = len(info.journeys)
            if last is not None:
                data["last_event"] = {
                    "time": last.time.isoformat() if last.time else None,
                    "status": last.status,
                    "note": last.note,
                }
            if info.updated_at:
                data["updated_at"] = info.updated_at.isoformat()
            return ItemResult(key=order_id, outcome="ok", id=code, status=status, data=data)

        try:
            return await run_bulk(
                ids,
                track,
                key=lambda order_id: order_id,
                concurrency=hook.concurrency(self.max_concurrency),
            )
        finally:
            await hook.aclose()

    def _write(self, context: Context, full: dict[str, Any]) -> str:
        from airflow.sdk import ObjectStoragePath

        target = str(self.output_path)
        if not target.endswith(".json"):
            parts = [
                "supership-tracking",
                str(getattr(context.get("dag"), "dag_id", "") or ""),
                str(getattr(context.get("ti"), "task_id", "") or self.task_id),
                str(context.get("run_id") or datetime.now(UTC).strftime("%Y%m%dT%H%M%S")),
            ]
            map_index = getattr(context.get("ti"), "map_index", -1)
            if isinstance(map_index, int) and map_index >= 0:
                parts.append(str(map_index))
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p)) + ".json"
            target = target.rstrip("/") + "/" + name
        path = ObjectStoragePath(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"generated_at": datetime.now(UTC).isoformat(), "orders": full}
        with path.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=1)
        self.log.info("Wrote the journeys of %d order(s) to %s", len(full), path)
        return str(path)


class SuperShipFeeQuoteOperator(BaseOperator):
    """
    Price parcels between districts before creating orders (``GET /v1/partner/orders/price``).

    Each quote request needs ``sender_province``, ``sender_district``, ``receiver_province``,
    ``receiver_district`` (NAMES, checked against the areas API with suggestions), ``weight``
    (grams) and optionally ``value`` (VND, for insurance).

    Pushes to XCom ``{"counts", "results": [{"key": "#<index>", "outcome": ok | failed, "data":
    {route, weight, fee (cheapest), insurance, quotes: [{service, fee, insurance, pickup,
    delivery}]}}]}``.

    :param quotes: one quote request dict or a list (templated).
    :param supership_conn_id: the SuperShip connection id.
    :param check_places: check the place names against the areas API first.
    :param method: ``GET`` (documented) or ``POST`` (as SuperShip's PHP SDK sends it).
    :param max_concurrency: price calls in flight at once.
    """

    template_fields: Sequence[str] = ("quotes",)
    ui_color = "#e2fde8"

    def __init__(
        self,
        *,
        quotes: Any,
        supership_conn_id: str = DEFAULT_CONN_ID,
        check_places: bool = True,
        method: str = "GET",
        max_concurrency: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if method.upper() not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, not {method!r}")
        self.quotes = quotes
        self.supership_conn_id = supership_conn_id
        self.check_places = check_places
        self.method = method.upper()
        self.max_concurrency = max_concurrency

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import FeeQuoteRequest

        try:
            requests = validate_all(FeeQuoteRequest, normalize_items(self.quotes, what="quotes"))
        except (InputError, ValueError) as err:
            raise _fail_on_input(err) from err
        hook = _hook(self.supership_conn_id)
        try:
            if self.check_places:
                problems: list[tuple[str, str, str]] = []
                for index, request in enumerate(requests):
                    for side in ("sender", "receiver"):
                        check = hook.check_place(
                            getattr(request, f"{side}_province"),
                            getattr(request, f"{side}_district"),
                            fields=(f"{side}_province", f"{side}_district", ""),
                            check_commune=False,
                        )
                        problems += [(f"#{index}", field, message) for field, message in check.problems]
                if problems:
                    raise _fail_on_input(InputError(problems))
            hook.get_token()
            report = run_sync(self._quote_all(hook, requests))
        finally:
            hook.close()
        return finish_bulk(context, report, action="SuperShip fee quotes")

    async def _quote_all(self, hook: SuperShipHook, requests: list[Any]) -> BulkReport:
        method: Literal["GET", "POST"] = "POST" if self.method == "POST" else "GET"
        indexed = list(enumerate(requests))

        async def quote(item: tuple[int, Any]) -> ItemResult:
            index, request = item
            quotes = await hook.aget_fee_quotes(request, method=method)
            rows: list[dict[str, Any]] = [
                {
                    "service": q.service,
                    "fee": _int(q.fee),
                    "insurance": _int(q.insurance),
                    "pickup": q.pickup.name if q.pickup else None,
                    "delivery": q.delivery.name if q.delivery else None,
                }
                for q in quotes
            ]
            cheapest: dict[str, Any] = (
                min(rows, key=lambda r: int(r["fee"] or 0) + int(r["insurance"] or 0)) if rows else {}
            )
            data = {
                "route": f"{request.sender_district}, {request.sender_province} -> "
                f"{request.receiver_district}, {request.receiver_province}",
                "weight": request.weight,
                "fee": cheapest.get("fee"),
                "insurance": cheapest.get("insurance"),
                "quotes": rows,
            }
            return ItemResult(key=f"#{index}", outcome="ok", data=data)

        try:
            return await run_bulk(
                indexed,
                quote,
                key=lambda item: f"#{item[0]}",
                concurrency=hook.concurrency(self.max_concurrency),
            )
        finally:
            await hook.aclose()


class SuperShipLabelLink(BaseOperatorLink):
    """ "SuperShip labels" button on a label task: the print page of the batch's labels.

    The URL carries a print token: it is shown to users who can see the task, never logged.
    """

    name = "SuperShip labels"

    def get_link(self, operator: BaseOperator, *, ti_key: Any) -> str:
        from airflow.providers.common.compat.sdk import XCom

        pushed = XCom.get_value(ti_key=ti_key, key="return_value")
        return str(pushed.get("url") or "") if isinstance(pushed, dict) else ""


class SuperShipLabelOperator(BaseOperator):
    """
    Get one print URL for the shipping labels of a batch of orders.

    Calls ``POST /v1/partner/orders/token`` with the codes, then builds
    ``https://khachhang.supership.vn/orders/awb?token=<print token>&size=<size>``.

    The URL carries a print token that opens the labels (receiver names, phones, addresses)
    without any other credential: it is pushed to XCom, because whoever prints needs it, but it
    is never written to the task log. Treat the XCom value as a secret.

    Pushes to XCom ``{"url": print URL, "size": size, "count": number of labels, "codes": [...]}``.

    :param codes: SuperShip order codes (templated; the XCom of
        :class:`SuperShipCreateOrdersOperator` works too).
    :param supership_conn_id: the SuperShip connection id.
    :param size: label size: A5, K46, T2, K50, K75, K80, S8 to S14 (templated).
    """

    template_fields: Sequence[str] = ("codes", "size")
    ui_color = "#f5e2fd"
    operator_extra_links = (SuperShipLabelLink(),)

    def __init__(
        self,
        *,
        codes: Any,
        supership_conn_id: str = DEFAULT_CONN_ID,
        size: str = "A5",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.codes = codes
        self.supership_conn_id = supership_conn_id
        self.size = size

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.supership.models import LABEL_SIZES

        codes = order_ids(self.codes)
        if not codes:
            raise AirflowFailException("codes is empty: no labels to print")
        size = str(self.size).strip().upper()
        if size not in LABEL_SIZES:
            raise AirflowFailException(f"size {self.size!r} is not one of {', '.join(LABEL_SIZES)}")
        hook = _hook(self.supership_conn_id)
        try:
            token = hook.create_label_token(codes)
            url = hook.print_url(token, size)
        finally:
            hook.close()
        self.log.info(
            "Print URL for %d label(s) (size %s) pushed to XCom; not logged: it carries a print token",
            len(codes),
            size,
        )
        return {"url": url, "size": size, "count": len(codes), "codes": codes}
