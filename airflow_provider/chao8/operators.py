"""
超8 (Chao8) operators: logistics and production orders, product catalogue and dealer syncs.

Module top imports only light pieces (the hook and the models are imported inside ``execute``),
so a DAG that uses these operators pays almost nothing extra at parse time.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_provider.chao8.constants import LOGISTICS_CANCELLED, LOGISTICS_COMPLETED
from airflow_provider.common.models import InputError, validate_all
from airflow_provider.common.operators import (
    BulkReport,
    IdempotentCreate,
    ItemResult,
    error_dict,
    finish_bulk,
    normalize_items,
    run_bulk,
    run_sync,
)

if TYPE_CHECKING:
    from airflow.sdk import Context
    from pydantic import BaseModel

    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import (
        BatchResult,
        LogisticsOrderCreate,
        ProductionOrderCreate,
    )

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "chao8_default"


def _hook(conn_id: str) -> Chao8Hook:
    from airflow_provider.chao8.hooks import Chao8Hook

    return Chao8Hook(chao8_conn_id=conn_id)


def _prime_token(hook: Chao8Hook) -> None:
    """Get the token in this thread before going async; a credential error fails without retries."""
    from airflow_provider.common.errors import ConfigurationError

    try:
        hook.get_token()
    except ConfigurationError as err:
        hook.close()
        raise AirflowFailException(str(err)) from err


def _validated(model: type[Any], value: Any, *, what: str, id_field: str) -> list[Any]:
    """Validate every item before any request; duplicated ids are refused too."""
    try:
        raw = normalize_items(value, what=what)
        items = validate_all(model, raw, id_field=id_field)
    except (InputError, ValueError) as err:
        raise AirflowFailException(str(err)) from err
    seen = Counter(str(item.model_dump(by_alias=True).get(id_field) or "") for item in items)
    duplicated = sorted(key for key, count in seen.items() if key and count > 1)
    if duplicated:
        raise AirflowFailException(
            f"{what}: {id_field} must be unique in one call, repeated: {', '.join(duplicated)}; nothing was sent"
        )
    return items


class _Chao8Operator(BaseOperator):
    """Shared plumbing: the connection id and bounded concurrency."""

    ui_color = "#ffe8d6"

    def __init__(
        self, *, chao8_conn_id: str = DEFAULT_CONN_ID, max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.chao8_conn_id = chao8_conn_id
        self.max_concurrency = max_concurrency

    def _concurrency(self, hook: Chao8Hook) -> int:
        return hook.concurrency(self.max_concurrency)


# ====================================================================== logistics orders
def _lines(products: Sequence[Any]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for line in products:
        totals[str(line.product_code)] += int(line.quantity)
    return dict(totals)


def logistics_order_matches(item: LogisticsOrderCreate, existing: Any) -> bool:
    """Whether an existing order is the one ``item`` asks for (type, organisations, product quantities)."""
    return (
        (existing.order_type is None or int(existing.order_type) == int(item.order_type))
        and (existing.source_org_code in (None, item.source_org_code))
        and (existing.target_org_code in (None, item.target_org_code))
        and (not existing.products or _lines(existing.products) == _lines(item.products))
    )


def _describe(order: Any) -> tuple[str | None, str | None, dict[str, Any]]:
    status = None if order.status is None else str(order.status)
    return (None if order.id is None else str(order.id)), status, {"orderNo": order.order_no}


class _Chao8CreateOperator(_Chao8Operator):
    """Validate every order, then create each at most once, keyed by its ``orderNo``."""

    template_fields: Sequence[str] = ("orders",)
    what: ClassVar[str] = "orders"
    action: ClassVar[str] = "create 超8 orders"

    #: the request model's name in ``airflow_provider.chao8.models`` (imported when the task runs)
    model_name: ClassVar[str] = ""
    #: the hook's async create method and its lookup by ``orderNo``
    create_method: ClassVar[str] = ""
    lookup_method: ClassVar[str] = ""
    #: whether an existing order is the one asked for (a staticmethod)
    matches: ClassVar[staticmethod[[Any, Any], bool]]

    def __init__(self, *, orders: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders = orders

    def creator(self, hook: Chao8Hook) -> IdempotentCreate[Any, Any]:
        lookup = getattr(hook, self.lookup_method)
        return IdempotentCreate(
            create=getattr(hook, self.create_method),
            lookup=lambda order: lookup(order.order_no),
            describe=_describe,
            matches=type(self).matches,
            key=lambda order: order.order_no,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.chao8 import models

        items = _validated(getattr(models, self.model_name), self.orders, what=self.what, id_field="orderNo")
        hook = _hook(self.chao8_conn_id)
        _prime_token(hook)
        try:
            report = hook.run_async(self.creator(hook).create_all(items, concurrency=self._concurrency(hook)))
        finally:
            hook.close()
        return finish_bulk(context, report, action=self.action)


class Chao8CreateLogisticsOrdersOperator(_Chao8CreateOperator):
    """
    Create 超8 logistics orders (创建物流订单) in bulk, idempotently on your ``orderNo``.

    Every order is validated before any request (the error names the order and the field). A
    lost answer is followed by a lookup before any new attempt; a "duplicate orderNo" answer
    reads the existing order and counts as success (``existed``) when it matches the payload
    (type, organisations and product quantities), else the order fails as a conflict. Re-running
    the task never creates an order twice.

    XCom (return value): ``{"counts": {outcome: n}, "results": [{key (orderNo), outcome
    (created / existed / failed / unknown), id, status, error, data}]}``, pushed before the task
    fails on any failed or unknown order.

    :param orders: one order or a list (dicts with the vendor's field names ``orderNo``,
        ``orderType``, ``sourceOrgCode``, ``targetOrgCode``, ``products`` ...; templated, XCom works).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders in flight at once (default: the connection's ``max_concurrency``).
    """

    what = "orders"
    action = "create 超8 logistics orders"

    model_name = "LogisticsOrderCreate"
    create_method = "acreate_logistics_order"
    lookup_method = "aget_logistics_order"
    matches = staticmethod(logistics_order_matches)


class Chao8CompleteLogisticsOrderOperator(_Chao8Operator):
    """
    Complete 超8 logistics orders (根据订单编号或Id完成订单): force them to status 2.

    An order that is already completed counts as success (a retried task is harmless); a
    cancelled order (status 3) or one that does not exist fails.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    status, data: {"already_completed": bool}}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo`` or a list (templated, XCom works).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("order_nos",)

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    def _ids(self) -> list[str]:
        value = self.order_nos
        if isinstance(value, str) and value.strip().startswith("["):
            value = json.loads(value)
        if isinstance(value, str | int):
            value = [value]
        ids = [str(order_no).strip() for order_no in value or [] if str(order_no).strip()]
        if not ids:
            raise AirflowFailException("order_nos is empty: nothing to complete")
        return list(dict.fromkeys(ids))

    def execute(self, context: Context) -> dict[str, Any]:
        ids = self._ids()
        hook = _hook(self.chao8_conn_id)
        _prime_token(hook)
        try:
            report = run_sync(self._complete_all(hook, ids))
        finally:
            hook.close()
        return finish_bulk(context, report, action="complete 超8 logistics orders")

    async def _complete_all(self, hook: Chao8Hook, ids: list[str]) -> BulkReport:
        from airflow_provider.common.errors import ApiError, NotFoundError

        async def complete(order_no: str) -> ItemResult:
            try:
                state = await hook.acomplete_logistics_order(order_no)
            except NotFoundError:
                raise
            except ApiError as err:
                # "already completed" (or an answer lost after the platform acted): read the order
                try:
                    order = await hook.aget_logistics_order(order_no)
                except ApiError:
                    raise err from None
                status = None if order.status is None else str(order.status)
                if status == LOGISTICS_COMPLETED:
                    return ItemResult(
                        key=order_no,
                        outcome="ok",
                        id=order.id,
                        status=status,
                        data={"already_completed": True},
                    )
                failure = {**error_dict(err), "status": status}
                if status == LOGISTICS_CANCELLED:
                    failure["message"] = f"order is cancelled (status 3): {err.message}"
                return ItemResult(key=order_no, outcome="failed", status=status, error=failure)
            status = LOGISTICS_COMPLETED if state.status is None else str(state.status)
            return ItemResult(key=order_no, outcome="ok", status=status, data={"already_completed": False})

        try:
            return await run_bulk(
                ids, complete, key=lambda order_no: order_no, concurrency=self._concurrency(hook)
            )
        finally:
            await hook.aclose()


# ====================================================================== production orders
def production_order_matches(item: ProductionOrderCreate, existing: Any) -> bool:
    """Whether an existing production order is the one ``item`` asks for."""
    return (
        existing.product_code in (None, item.product_code)
        and existing.quantity in (None, item.quantity)
        and existing.batch_no in (None, item.batch_no)
        and existing.production_date in (None, item.production_date)
    )


class Chao8CreateProductionOrderOperator(_Chao8CreateOperator):
    """
    Create 超8 production orders (创建生产订单), idempotently on your ``orderNo``.

    Same guarantees as :class:`Chao8CreateLogisticsOrdersOperator`: validation before any
    request, a lookup after a lost answer, and a matching duplicate counts as ``existed``.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome, id, status}]}``.

    :param orders: one production order or a list (``orderNo``, ``productCode``, ``quantity``,
        ``batchNo``, ``productionDate``; templated, XCom works).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders in flight at once (default: the connection's ``max_concurrency``).
    """

    what = "production orders"
    action = "create 超8 production orders"

    model_name = "ProductionOrderCreate"
    create_method = "acreate_production_order"
    lookup_method = "aget_production_order"
    matches = staticmethod(production_order_matches)


# ====================================================================== catalogue syncs
def load_records(path: str) -> list[dict[str, Any]]:
    """
    Records from a JSON file (a list, one object, or ``{"list": [...]}``) or a CSV file with a
    header row of field names; empty CSV cells are left out. ``path`` may be a local path or an
    ``ObjectStoragePath`` URL (``s3://...``, ``file://...``).
    """
    if "://" in path:
        from airflow.sdk import ObjectStoragePath

        text = ObjectStoragePath(path).read_text(encoding="utf-8-sig")
    else:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    if path.lower().endswith(".csv"):
        rows = csv.DictReader(io.StringIO(text))
        return [
            {key.strip(): value.strip() for key, value in row.items() if key and value not in (None, "")}
            for row in rows
        ]
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err}); use a .json or .csv file") from err
    if isinstance(data, dict) and isinstance(data.get("list"), list):
        data = data["list"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of objects")
    return data


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


@dataclass(frozen=True)
class _SyncSpec:
    """How one kind of catalogue is validated, looked up and upserted."""

    model: type[BaseModel]
    key: Callable[[Any], str]
    query: Callable[[Chao8Hook, list[str]], Awaitable[list[Any]]]
    found_key: Callable[[Any], str]
    upsert: Callable[[Chao8Hook, list[Any]], Awaitable[BatchResult]]


def _sync_spec(kind: str) -> _SyncSpec:
    from airflow_provider.chao8.models import DealerSync, ProductUpsert

    if kind == "products":
        return _SyncSpec(
            model=ProductUpsert,
            key=lambda item: str(item.product_code),
            query=lambda hook, codes: hook.aquery_products(codes),
            found_key=lambda found: str(found.product_code),
            upsert=lambda hook, chunk: hook.aupsert_products(chunk),
        )
    if kind == "dealers":
        return _SyncSpec(
            model=DealerSync,
            key=lambda item: str(item.code),
            query=lambda hook, codes: hook.aquery_dealers(codes),
            found_key=lambda found: str(found.code),
            upsert=lambda hook, chunk: hook.async_dealers(chunk),
        )
    raise ValueError(f"unknown catalogue kind {kind!r}")


class _Chao8SyncOperator(_Chao8Operator):
    """
    Batch upsert of a list keyed by a code (``kind``: products or dealers): created vs updated
    is decided by a batch query of each chunk before its upsert.
    """

    #: ``products`` or ``dealers``: also the name of the operator's input attribute
    kind: str = "products"
    key_field: str = "productCode"

    def __init__(
        self,
        *,
        path: str | None = None,
        chunk_size: int = 100,
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 1 <= chunk_size <= 200:
            raise ValueError("chunk_size must be between 1 and 200")
        self.path = path
        self.chunk_size = chunk_size
        self.output_path = output_path

    def _load(self, spec: _SyncSpec) -> list[Any]:
        given = getattr(self, self.kind)
        if (given is None) == (not self.path):
            raise AirflowFailException(f"give exactly one of {self.kind} and path")
        if self.path:
            try:
                given = load_records(str(self.path))
            except (OSError, ValueError) as err:
                raise AirflowFailException(f"cannot read {self.path}: {err}") from err
        return _validated(spec.model, given, what=self.kind, id_field=self.key_field)

    def execute(self, context: Context) -> dict[str, Any]:
        spec = _sync_spec(self.kind)
        items = self._load(spec)
        hook = _hook(self.chao8_conn_id)
        _prime_token(hook)
        try:
            results = run_sync(self._sync_all(hook, spec, items))
        finally:
            hook.close()
        return self._finish(context, results)

    async def _sync_all(self, hook: Chao8Hook, spec: _SyncSpec, items: list[Any]) -> list[ItemResult]:
        semaphore = asyncio.Semaphore(self._concurrency(hook))

        async def one(chunk: list[Any]) -> list[ItemResult]:
            async with semaphore:
                return await self._sync_chunk(hook, spec, chunk)

        try:
            done = await asyncio.gather(*(one(chunk) for chunk in _chunks(items, self.chunk_size)))
        finally:
            await hook.aclose()
        return [result for chunk in done for result in chunk]

    async def _sync_chunk(self, hook: Chao8Hook, spec: _SyncSpec, chunk: list[Any]) -> list[ItemResult]:
        from airflow_provider.common.errors import ApiError

        keys = [spec.key(item) for item in chunk]
        try:
            before = {spec.found_key(found) for found in await spec.query(hook, keys)}
            answer = await spec.upsert(hook, chunk)
        except ApiError as err:
            log.warning("%s: a chunk of %d failed: %s", self.kind, len(chunk), err)
            return [ItemResult(key=key, outcome="failed", error=error_dict(err)) for key in keys]
        refused = answer.failed_keys()
        return [
            ItemResult(key=key, outcome="failed", error={"kind": "refused", "message": refused[key]})
            if key in refused
            else ItemResult(key=key, outcome="updated" if key in before else "created")
            for key in keys
        ]

    def _finish(self, context: Context, results: list[ItemResult]) -> dict[str, Any]:
        counts = Counter(result.outcome for result in results)
        failed = [result for result in results if result.failed]
        payload: dict[str, Any] = {
            "counts": {name: counts.get(name, 0) for name in ("created", "updated", "failed")},
            "total": len(results),
            "failed": [{"key": r.key, "error": r.error} for r in failed[:100]],
        }
        if self.output_path:
            payload["output_path"] = self._write(results)
        log.info(
            "sync 超8 %s: %d created, %d updated, %d failed",
            self.kind,
            counts.get("created", 0),
            counts.get("updated", 0),
            len(failed),
        )
        if not failed:
            return payload
        context["ti"].xcom_push(key="return_value", value=payload)
        named = "; ".join(f"{r.key} ({(r.error or {}).get('message', '')})" for r in failed[:20])
        more = f" and {len(failed) - 20} more" if len(failed) > 20 else ""
        raise AirflowException(f"sync 超8 {self.kind}: {len(failed)} of {len(results)} failed: {named}{more}")

    def _write(self, results: list[ItemResult]) -> str:
        text = json.dumps([r.model_dump(mode="json") for r in results], ensure_ascii=False, indent=1)
        target = str(self.output_path)
        if "://" in target:
            from airflow.sdk import ObjectStoragePath

            ObjectStoragePath(target).write_text(text, encoding="utf-8")
        else:
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(text)
        return target


class Chao8SyncProductsOperator(_Chao8SyncOperator):
    """
    Sync a product catalogue to 超8 商品 with 通过商品编号新增/修改商品信息(批量)V3.

    The catalogue comes as a list (or XCom) of ``{productCode, productName, spec?, barcode?}``
    or as a JSON / CSV file (header row with those field names). Every product is validated
    first; then each chunk is looked up with 根据商品编号查询(批量)V3 (to tell created from
    updated) and upserted in one call.

    XCom (return value): ``{"counts": {"created", "updated", "failed"}, "total", "failed":
    [{key (productCode), error}] (first 100), "output_path"?}``, pushed before the task fails
    when any product failed. With ``output_path`` every product's result goes to that JSON file.

    :param products: the catalogue (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: products per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-product results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("products", "path", "output_path")
    kind = "products"
    key_field = "productCode"

    def __init__(self, *, products: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.products = products


class Chao8SyncDealersOperator(_Chao8SyncOperator):
    """
    Sync dealers (经销商, under 组织) to 超8 with 同步经销商.

    The list comes as dicts (or XCom) of ``{code, name, region, contact?}`` or as a JSON / CSV
    file. Each chunk is looked up with 根据编码批量查询经销商 first (created vs updated), then
    synced in one call.

    XCom (return value): ``{"counts": {"created", "updated", "failed"}, "total", "failed":
    [{key (code), error}] (first 100), "output_path"?}``, pushed before the task fails when any
    dealer failed.

    :param dealers: the dealers (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: dealers per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-dealer results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("dealers", "path", "output_path")
    kind = "dealers"
    key_field = "code"

    def __init__(self, *, dealers: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dealers = dealers


__all__ = [
    "Chao8CompleteLogisticsOrderOperator",
    "Chao8CreateLogisticsOrdersOperator",
    "Chao8CreateProductionOrderOperator",
    "Chao8SyncDealersOperator",
    "Chao8SyncProductsOperator",
    "load_records",
]
