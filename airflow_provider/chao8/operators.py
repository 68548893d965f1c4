"""
超8 (Chao8) operators: production and logistics orders, catalogue and organisation syncs,
traceability report exports and anti-diversion audits.

Every operator stands on the provider's one operator core (``common.base_operators``): inputs
validated before any request, an empty input skips, the token fetched once, bounded
concurrency, progress lines, the report pushed before the task fails. This module supplies only
what is 超8's: the models, the calls, and how an order found by its ``orderNo`` is compared.

Imported on every DAG parse: only Airflow's SDK and the core's base module at module level.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.common.operator_bases import (
    BulkCreateOperator,
    BulkOperator,
    PlatformOperator,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import (
        BatchResult,
        DealerSync,
        LogisticsOrderCreate,
        ProductionOrderCreate,
        ProductUpsert,
    )
    from airflow_provider.common.models import ApiModel
    from airflow_provider.common.operator_bases import OnResult
    from airflow_provider.common.results import BulkReport, ItemResult


class Chao8Operator(PlatformOperator):
    """
    Base of the 超8 operators: the connection and the hook.

    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    registry_key = "chao8"
    ui_color = "#ffe8d6"

    def __init__(
        self, *, chao8_conn_id: str = "chao8_default", max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=chao8_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.chao8_conn_id = chao8_conn_id


# ====================================================================== creates
class _Chao8CreateOperator(Chao8Operator, BulkCreateOperator[Any]):
    """Orders created at most once across attempts, keyed by the caller's ``orderNo``."""

    #: 超8 refuses a reused orderNo: the refusal is read back as ``existed``
    refuses_reused_ids = True

    template_fields: Sequence[str] = ("orders", "results_path")

    def __init__(self, *, orders: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders = orders

    @abstractmethod
    def request_model(self) -> type[ApiModel]:
        """The vendor schema every order is validated as."""

    def validate_items(self, raw: Any) -> list[Any]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all

        return validate_all(self.request_model(), items_from(raw, param="orders"), id_field="orderNo")

    def item_key(self, item: Any) -> str:
        return str(item.order_no)

    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]:
        status = None if value.status is None else str(value.status)
        return (None if value.id is None else str(value.id)), status, {"orderNo": value.order_no}


class Chao8CreateLogisticsOrdersOperator(_Chao8CreateOperator):
    """
    Create 超8 logistics orders (创建物流订单) in bulk, each at most once, keyed by your ``orderNo``.

    Every order is validated before any request (the error names the order and the field). A
    lost answer is followed by a look-up (物流订单详情) before any new attempt. 超8 refuses a
    reused ``orderNo``: that "duplicate" answer reads the existing order and counts as success
    (``existed``) when it matches the payload (type, organisations and product quantities), else
    the order fails as a conflict. An attempt that is not the first (or ``lookup_first=True``)
    looks every order up before sending any create. An empty input skips the task.

    XCom (return value): ``{"counts": {outcome: n}, "results": [{key (orderNo), outcome
    (created / existed / failed / unknown), id, status, error, data}]}`` (with ``results_path``:
    the results go to that JSON-lines file and XCom keeps the counts and the failures), pushed
    before the task fails on any failed or unknown order.

    :param orders: one order or a list (dicts with the vendor's field names ``orderNo``,
        ``orderType``, ``sourceOrgCode``, ``targetOrgCode``, ``products`` ...; templated, XCom works).
    :param lookup_first: look every order up by ``orderNo`` before creating (default: only on a retry).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "create 超8 logistics orders"

    def request_model(self) -> type[LogisticsOrderCreate]:
        from airflow_provider.chao8.models import LogisticsOrderCreate

        return LogisticsOrderCreate

    async def create(self, hook: Chao8Hook, item: LogisticsOrderCreate) -> Any:
        return await hook.acreate_logistics_order(item)

    async def lookup(self, hook: Chao8Hook, item: LogisticsOrderCreate) -> Any:
        return await hook.aget_logistics_order(item.order_no)

    def matches(self, item: LogisticsOrderCreate, value: Any) -> bool:
        def lines(products: Sequence[Any]) -> dict[str, int]:
            totals: dict[str, int] = {}
            for line in products:
                totals[str(line.product_code)] = totals.get(str(line.product_code), 0) + int(line.quantity)
            return totals

        return (
            (value.order_type is None or int(value.order_type) == int(item.order_type))
            and value.source_org_code in (None, item.source_org_code)
            and value.target_org_code in (None, item.target_org_code)
            and (not value.products or lines(value.products) == lines(item.products))
        )


class Chao8CreateProductionOrdersOperator(_Chao8CreateOperator):
    """
    Create 超8 production orders (创建生产订单), each at most once, keyed by your ``orderNo``.

    Same guarantees as :class:`Chao8CreateLogisticsOrdersOperator`: validation before any
    request, a look-up (生产订单详情) after a lost answer and before any create on a retried
    attempt, a matching duplicate counts as ``existed``; an empty input skips.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome, id, status}]}``.

    :param orders: one production order or a list (``orderNo``, ``productCode``, ``quantity``,
        ``batchNo``, ``productionDate``; templated, XCom works).
    :param lookup_first: look every order up by ``orderNo`` before creating (default: only on a retry).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "create 超8 production orders"

    def request_model(self) -> type[ProductionOrderCreate]:
        from airflow_provider.chao8.models import ProductionOrderCreate

        return ProductionOrderCreate

    async def create(self, hook: Chao8Hook, item: ProductionOrderCreate) -> Any:
        return await hook.acreate_production_order(item)

    async def lookup(self, hook: Chao8Hook, item: ProductionOrderCreate) -> Any:
        return await hook.aget_production_order(item.order_no)

    def matches(self, item: ProductionOrderCreate, value: Any) -> bool:
        return (
            value.product_code in (None, item.product_code)
            and value.quantity in (None, item.quantity)
            and value.batch_no in (None, item.batch_no)
            and value.production_date in (None, item.production_date)
        )


# ====================================================================== complete
class Chao8CompleteLogisticsOrdersOperator(Chao8Operator, BulkOperator[str]):
    """
    Complete 超8 logistics orders (根据订单编号或Id完成订单): force them to status 2.

    An order that is already completed counts as success (a retried task is harmless); a
    cancelled order (status 3) or one that does not exist fails. An empty input skips.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    status, data: {"already_completed": bool}}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (the ``orderNo`` of
        every created or existing order; templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("order_nos", "results_path")
    action = "complete 超8 logistics orders"
    items_param = "order_nos"

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_nos", report_field="key")

    def item_key(self, item: str) -> str:
        return item

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        from airflow_provider.chao8.constants import LOGISTICS_CANCELLED, LOGISTICS_COMPLETED
        from airflow_provider.common.errors import ApiError, NotFoundError
        from airflow_provider.common.results import ItemResult, error_dict

        try:
            state = await hook.acomplete_logistics_order(item)
        except NotFoundError:
            raise
        except ApiError as err:
            # "already completed" (or an answer lost after the platform acted): read the order
            try:
                order = await hook.aget_logistics_order(item)
            except ApiError:
                raise err from None
            status = None if order.status is None else str(order.status)
            if status == LOGISTICS_COMPLETED:
                return ItemResult(
                    key=item, outcome="ok", id=order.id, status=status, data={"already_completed": True}
                )
            failure = {**error_dict(err), "status": status}
            if status == LOGISTICS_CANCELLED:
                failure["message"] = f"order is cancelled (status 3): {err.message}"
            return ItemResult(key=item, outcome="failed", status=status, error=failure)
        status = LOGISTICS_COMPLETED if state.status is None else str(state.status)
        return ItemResult(key=item, outcome="ok", status=status, data={"already_completed": False})


# ====================================================================== catalogue syncs
def load_records(path: str) -> list[dict[str, Any]]:
    """
    Records from a JSON file (a list, one object, or ``{"list": [...]}``) or a CSV file with a
    header row of field names; empty CSV cells are left out. ``path`` may be a local path or an
    ``ObjectStoragePath`` URL (``s3://...``, ``file://...``).
    """
    import csv
    import io
    import json

    from airflow.sdk import ObjectStoragePath

    text = ObjectStoragePath(path).read_text(encoding="utf-8-sig")
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


class _Chao8SyncOperator(Chao8Operator, BulkOperator[Any]):
    """
    Batch upsert of a list keyed by a code: each chunk is queried first (created vs updated),
    then upserted in one call; ``chunk_size`` items per call, chunks at bounded concurrency.
    """

    #: the item field naming an item (the vendor's spelling)
    key_field: ClassVar[str] = ""
    #: outcomes always present in ``counts`` (zeros included)
    counted: ClassVar[tuple[str, ...]] = ("created", "updated", "failed")

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

    # ------------------------------------------------------------- what each catalogue supplies
    @abstractmethod
    def request_model(self) -> type[ApiModel]: ...

    @abstractmethod
    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        """The keys among ``keys`` that 超8 knows already (one batch query)."""

    @abstractmethod
    async def upsert(self, hook: Chao8Hook, chunk: list[Any]) -> BatchResult: ...

    # ------------------------------------------------------------- shared
    def validate_items(self, raw: Any) -> list[Any]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all

        if self.path:
            if raw is not None:
                raise InputError([("-", self.items_param, f"give {self.items_param} or path, not both")])
            try:
                raw = load_records(str(self.path))
            except (OSError, ValueError) as err:
                raise InputError([("-", "path", f"cannot read {self.path}: {err}")]) from err
        items = validate_all(
            self.request_model(), items_from(raw, param=self.items_param), id_field=self.key_field
        )
        keys = [self.item_key(item) for item in items]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise InputError([(key, self.key_field, "repeated in this input") for key in repeated])
        return items

    async def run_items(
        self, hook: Chao8Hook, items: list[Any], context: Context, on_result: OnResult
    ) -> BulkReport:
        from airflow_provider.common.results import BulkReport

        size = self.chunk_size
        chunks = [items[start : start + size] for start in range(0, len(items), size)]

        async def sync(chunk: list[Any]) -> list[ItemResult]:
            results = await self._sync_chunk(hook, chunk)
            for result in results:
                on_result(result)
            return results

        done = await hook.gather_limited(chunks, sync, limit=self.concurrency())
        return BulkReport(results=[result for chunk in done for result in chunk])

    async def run_item(self, hook: Chao8Hook, item: Any) -> ItemResult:
        """One record synced on its own (a chunk of one)."""
        return (await self._sync_chunk(hook, [item]))[0]

    async def _sync_chunk(self, hook: Chao8Hook, chunk: list[Any]) -> list[ItemResult]:
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.results import ItemResult, error_dict

        keys = [self.item_key(item) for item in chunk]
        try:
            before = await self.existing_keys(hook, keys)
            answer = await self.upsert(hook, chunk)
        except ApiError as err:
            self.log.warning("%s: a chunk of %d failed: %s", self.action, len(chunk), err)
            return [ItemResult(key=key, outcome="failed", error=error_dict(err)) for key in keys]
        refused = answer.failed_keys()
        return [
            ItemResult(key=key, outcome="failed", error={"kind": "refused", "message": refused[key]})
            if key in refused
            else ItemResult(key=key, outcome="updated" if key in before else "created")
            for key in keys
        ]

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        counts = report.counts
        extra: dict[str, Any] = {"counts": {**{name: 0 for name in self.counted}, **counts}}
        if self.output_path:
            extra["file"] = self._write_output(report)
        return extra

    def _write_output(self, report: BulkReport) -> str:
        """Every item's result as one JSON list in ``output_path`` (local or ObjectStoragePath)."""
        import json

        from airflow.sdk import ObjectStoragePath

        target = ObjectStoragePath(str(self.output_path))
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = [result.model_dump(mode="json") for result in report.results]
        target.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        return str(self.output_path)


class Chao8SyncProductsOperator(_Chao8SyncOperator):
    """
    Sync a product catalogue to 超8 商品 with 通过商品编号新增/修改商品信息(批量)V3.

    The catalogue comes as a list (or XCom) of ``{productCode, productName, spec?, barcode?}``
    or as a JSON / CSV file (header row with those field names). Every product is validated
    first; then each chunk is looked up with 根据商品编号查询(批量)V3 (to tell created from
    updated) and upserted in one call. An empty catalogue skips the task.

    XCom (return value): ``{"counts": {"created", "updated", "failed"}, "results": [{key
    (productCode), outcome, error}], "file"?}`` (with ``results_path``: the results go to that
    JSON-lines file and XCom keeps the counts and the failures), pushed before the task fails
    when any product failed. With ``output_path`` every product's result also goes to that JSON
    file, whose path is under ``file``.

    :param products: the catalogue (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: products per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-product results (templated).
    :param results_path: optional JSON-lines file for the results, keeping XCom small (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("products", "path", "output_path", "results_path")
    action = "sync 超8 products"
    items_param = "products"
    key_field = "productCode"

    def __init__(self, *, products: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if products is None and self.path is None:
            raise ValueError("give products or path")
        self.products = products

    def request_model(self) -> type[ProductUpsert]:
        from airflow_provider.chao8.models import ProductUpsert

        return ProductUpsert

    def item_key(self, item: ProductUpsert) -> str:
        return str(item.product_code)

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        return {str(found.product_code) for found in await hook.aquery_products(keys)}

    async def upsert(self, hook: Chao8Hook, chunk: list[ProductUpsert]) -> BatchResult:
        return await hook.aupsert_products(chunk)


class Chao8SyncDealersOperator(_Chao8SyncOperator):
    """
    Sync dealers (经销商, under 组织) to 超8 with 同步经销商.

    The list comes as dicts (or XCom) of ``{code, name, region, contact?}`` or as a JSON / CSV
    file. Each chunk is looked up with 根据编码批量查询经销商 first (created vs updated), then
    synced in one call. An empty list skips the task.

    XCom (return value): ``{"counts": {"created", "updated", "failed"}, "results": [{key (code),
    outcome, error}], "file"?}``, pushed before the task fails when any dealer failed.

    :param dealers: the dealers (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: dealers per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-dealer results (templated).
    :param results_path: optional JSON-lines file for the results, keeping XCom small (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("dealers", "path", "output_path", "results_path")
    action = "sync 超8 dealers"
    items_param = "dealers"
    key_field = "code"

    def __init__(self, *, dealers: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if dealers is None and self.path is None:
            raise ValueError("give dealers or path")
        self.dealers = dealers

    def request_model(self) -> type[DealerSync]:
        from airflow_provider.chao8.models import DealerSync

        return DealerSync

    def item_key(self, item: DealerSync) -> str:
        return str(item.code)

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        return {str(found.code) for found in await hook.aquery_dealers(keys)}

    async def upsert(self, hook: Chao8Hook, chunk: list[DealerSync]) -> BatchResult:
        return await hook.async_dealers(chunk)


# ====================================================================== order changes
class _Chao8OrderIdsOperator(Chao8Operator, BulkOperator[str]):
    """One call per ``orderNo``; subclasses say which."""

    template_fields: Sequence[str] = ("order_nos", "results_path")
    items_param = "order_nos"

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_nos", report_field="key")

    def item_key(self, item: str) -> str:
        return item


class Chao8DeleteProductionOrdersOperator(_Chao8OrderIdsOperator):
    """
    Delete 超8 production orders (删除生产订单) by ``orderNo``.

    An order that is already gone counts as success (``data.already_deleted``: a retried task is
    harmless); a completed order is refused by 超8 and fails. An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    data: {"already_deleted": bool}, error}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "delete 超8 production orders"

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        return await _deleted(item, hook.adelete_production_order)


class Chao8DeleteLogisticsOrdersOperator(_Chao8OrderIdsOperator):
    """
    Delete 超8 logistics orders (删除物流订单) by ``orderNo``.

    An order that is already gone counts as success (``data.already_deleted``); a completed order
    is refused by 超8 and fails. An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    data: {"already_deleted": bool}, error}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "delete 超8 logistics orders"

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        return await _deleted(item, hook.adelete_logistics_order)


class Chao8ResetLogisticsOrdersOperator(_Chao8OrderIdsOperator):
    """
    Reset 超8 logistics orders (物流订单状态重置): back to created (status 0), scans cleared.

    Resetting is idempotent (a retried task resets again, harmlessly); a cancelled order fails.
    An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (ok / failed),
    status ("0"), error}]}``, pushed before the task fails on any failure.

    :param order_nos: one ``orderNo``, a list, or a report (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "reset 超8 logistics orders"

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        state = await hook.areset_logistics_order(item)
        return ItemResult(key=item, outcome="ok", status=None if state.status is None else str(state.status))


class _Chao8UpdateOperator(Chao8Operator, BulkOperator[Any]):
    """Per-order changes: ``[{orderNo, ...fields to change}]``, each validated before any call."""

    template_fields: Sequence[str] = ("changes", "results_path")
    items_param = "changes"

    def __init__(self, *, changes: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.changes = changes

    #: the request model of a change (in ``chao8.models``) and the async hook method sending it
    change_model_name: ClassVar[str] = ""
    update_method: ClassVar[str] = ""

    def change_model(self) -> type[ApiModel]:
        from airflow_provider.chao8 import models

        return getattr(models, self.change_model_name)  # type: ignore[no-any-return]

    async def run_item(self, hook: Chao8Hook, item: tuple[str, Any]) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        order = await getattr(hook, self.update_method)(*item)
        status = getattr(order, "status", None)
        return ItemResult(key=item[0], outcome="updated", status=None if status is None else str(status))

    def validate_items(self, raw: Any) -> list[tuple[str, Any]]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError

        items: list[tuple[str, Any]] = []
        problems: list[tuple[str, str, str]] = []
        model = self.change_model()
        for index, change in enumerate(items_from(raw, param="changes")):
            if not isinstance(change, dict):
                problems.append((f"#{index}", "-", "expected an object {orderNo, ...}"))
                continue
            fields = dict(change)
            order_no = str(fields.pop("orderNo", fields.pop("order_no", "")) or "").strip()
            if not order_no:
                problems.append((f"#{index}", "orderNo", "required"))
                continue
            try:
                items.append((order_no, model.model_validate(fields)))
            except ValueError as err:
                problems.append((order_no, "-", str(err).replace("\n", " ")))
        keys = [key for key, _ in items]
        problems += [
            (key, "orderNo", "repeated in this input")
            for key in sorted({k for k in keys if keys.count(k) > 1})
        ]
        if problems:
            raise InputError(problems)
        return items

    def item_key(self, item: tuple[str, Any]) -> str:
        return item[0]


class Chao8UpdateProductionOrdersOperator(_Chao8UpdateOperator):
    """
    Update 超8 production orders (更新生产订单) while they are pending (status 0).

    Each change is ``{orderNo, productCode?, quantity?, batchNo?, productionDate?}``, validated
    before any request (the error names the order and the field). Updating is idempotent: a
    retried task sends the same values again. An order already in production fails (state
    conflict). An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (updated /
    failed), status, error}]}``, pushed before the task fails on any failure.

    :param changes: one change or a list (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "update 超8 production orders"

    change_model_name = "ProductionOrderUpdate"
    update_method = "aupdate_production_order"


class Chao8UpdateLogisticsOrdersOperator(_Chao8UpdateOperator):
    """
    Update 超8 logistics orders (修改物流订单) that have not started scanning (status 0).

    Each change is ``{orderNo, orderType?, businessType?, sourceOrgCode?, targetOrgCode?,
    products?, remark?}``, validated before any request. Idempotent on a retry; an order already
    scanning fails (state conflict). An empty input skips the task.

    XCom (return value): ``{"counts": {...}, "results": [{key (orderNo), outcome (updated /
    failed), status, error}]}``, pushed before the task fails on any failure.

    :param changes: one change or a list (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-order results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    action = "update 超8 logistics orders"

    change_model_name = "LogisticsOrderUpdate"
    update_method = "aupdate_logistics_order"


async def _deleted(order_no: str, delete: Any) -> ItemResult:
    from airflow_provider.common.errors import NotFoundError
    from airflow_provider.common.results import ItemResult

    try:
        await delete(order_no)
    except NotFoundError:
        return ItemResult(key=order_no, outcome="ok", data={"already_deleted": True})
    return ItemResult(key=order_no, outcome="ok", data={"already_deleted": False})


# ====================================================================== products: status batches
class Chao8ProductsStatusOperator(Chao8Operator, BulkOperator[Any]):
    """
    Enable, disable or delete 超8 products by code (通过商品编号启用 / 禁用 / 删除(批量)V3).

    Codes go in batches of ``chunk_size`` (one call per batch); every code gets its own result:
    ``ok``, or ``failed`` with 超8's reason (an unknown code). An empty input skips the task.

    XCom (return value): ``{"counts": {"ok", "failed"}, "results": [{key (productCode), outcome,
    error}]}``, pushed before the task fails on any failure.

    :param product_codes: one code, a list, or a product sync's report (templated, XCom works).
    :param action_name: ``"enable"``, ``"disable"`` or ``"delete"``.
    :param chunk_size: codes per call (1-200, default 100).
    :param results_path: optional JSON-lines file for the per-product results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("product_codes", "results_path")
    action = "enable / disable / delete 超8 products"
    items_param = "product_codes"
    actions: ClassVar[dict[str, str]] = {
        "enable": "aenable_products",
        "disable": "adisable_products",
        "delete": "adelete_products",
    }

    def __init__(self, *, product_codes: Any, action_name: str, chunk_size: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if action_name not in self.actions:
            raise ValueError(f"action_name must be one of {sorted(self.actions)}, not {action_name!r}")
        if not 1 <= chunk_size <= 200:
            raise ValueError("chunk_size must be between 1 and 200")
        self.product_codes = product_codes
        self.action_name = action_name
        self.chunk_size = chunk_size

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="product_codes", report_field="key")

    def item_key(self, item: str) -> str:
        return item

    async def run_items(
        self, hook: Chao8Hook, items: list[str], context: Context, on_result: OnResult
    ) -> BulkReport:
        from airflow_provider.common.results import BulkReport

        chunks = [items[start : start + self.chunk_size] for start in range(0, len(items), self.chunk_size)]

        async def one(chunk: list[str]) -> list[ItemResult]:
            results = await self._apply(hook, chunk)
            for result in results:
                on_result(result)
            return results

        done = await hook.gather_limited(chunks, one, limit=self.concurrency())
        return BulkReport(results=[result for chunk in done for result in chunk])

    async def run_item(self, hook: Chao8Hook, item: str) -> ItemResult:
        """One product code on its own (a chunk of one)."""
        return (await self._apply(hook, [item]))[0]

    async def _apply(self, hook: Chao8Hook, chunk: list[str]) -> list[ItemResult]:
        """The action on one chunk of codes: ``ok`` each, or ``failed`` with 超8's reason."""
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.results import ItemResult, error_dict

        call = getattr(hook, self.actions[self.action_name])
        try:
            refused = (await call(chunk)).failed_keys()
        except ApiError as err:
            return [ItemResult(key=code, outcome="failed", error=error_dict(err)) for code in chunk]
        return [
            ItemResult(key=code, outcome="failed", error={"kind": "refused", "message": refused[code]})
            if code in refused
            else ItemResult(key=code, outcome="ok")
            for code in chunk
        ]


# ====================================================================== stores
class Chao8SyncStoresOperator(_Chao8SyncOperator):
    """
    Sync stores (门店, under 组织) to 超8 with 同步门店.

    The list comes as dicts (or XCom) of ``{code, name, dealerCode, region?, address?,
    contact?}`` or as a JSON / CSV file. 超8 has no store query by code in its navigation, so
    every synced store is reported ``synced`` (not created vs updated); a store whose dealer is
    unknown is refused by 超8 and fails. An empty list skips the task.

    XCom (return value): ``{"counts": {"synced", "failed"}, "results": [{key (code), outcome,
    error}], "file"?}``, pushed before the task fails when any store failed.

    :param stores: the stores (templated, XCom works); or give ``path``.
    :param path: a ``.json`` or ``.csv`` file (local or ObjectStoragePath URL; templated).
    :param chunk_size: stores per batch call (1-200, default 100).
    :param output_path: optional JSON file for the per-store results (templated).
    :param results_path: optional JSON-lines file for the results, keeping XCom small (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: chunks in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("stores", "path", "output_path", "results_path")
    action = "sync 超8 stores"
    items_param = "stores"
    key_field = "code"
    counted = ("synced", "failed")

    def __init__(self, *, stores: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if stores is None and self.path is None:
            raise ValueError("give stores or path")
        self.stores = stores

    def request_model(self) -> type[ApiModel]:
        from airflow_provider.chao8.models import StoreSync

        return StoreSync

    def item_key(self, item: Any) -> str:
        return str(item.code)

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        return set()

    async def upsert(self, hook: Chao8Hook, chunk: list[Any]) -> BatchResult:
        return await hook.async_stores(chunk)

    async def _sync_chunk(self, hook: Chao8Hook, chunk: list[Any]) -> list[ItemResult]:
        results = await super()._sync_chunk(hook, chunk)
        return [r.model_copy(update={"outcome": "synced"}) if r.outcome == "created" else r for r in results]


# ====================================================================== exports to files
class _Chao8ExportOperator(Chao8Operator):
    """Rows read page after page and written as JSON lines to ``output_path``; its path under XCom ``file``."""

    template_fields: Sequence[str] = ("output_path",)

    def __init__(self, *, output_path: str, page_size: int = 200, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 1 <= page_size <= 500:
            raise ValueError("page_size must be between 1 and 500")
        self.output_path = output_path
        self.page_size = page_size

    @abstractmethod
    def rows(self, hook: Chao8Hook) -> Any:
        """An async iterator of the rows (models or dicts)."""

    def execute(self, context: Context) -> dict[str, Any]:
        if not str(self.output_path or "").strip():
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{self.task_id}: output_path is required")
        from typing import cast

        with self.session() as hook, self.fail_fast():
            self.prime_token(hook)
            rows = hook.run_async(self._collect(cast("Chao8Hook", hook)))
        from airflow_provider.common.results import write_results

        path = write_results(str(self.output_path), rows)
        self.log.info("%s: %d row(s) written to %s", self.task_id, len(rows), path)
        context["ti"].xcom_push(key="file", value=path)
        return {"file": path, "rows": len(rows)}

    async def _collect(self, hook: Chao8Hook) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async for row in self.rows(hook):
            out.append(
                row.model_dump(mode="json", by_alias=True) if hasattr(row, "model_dump") else dict(row)
            )
        return out


class _Chao8WindowExportOperator(_Chao8ExportOperator):
    """An export over a time window (``start_time`` / ``end_time``, templated)."""

    template_fields: Sequence[str] = ("output_path", "start_time", "end_time", "filters")

    def __init__(
        self,
        *,
        start_time: Any = None,
        end_time: Any = None,
        filters: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_time = start_time
        self.end_time = end_time
        self.filters = filters or {}

    def window(self) -> dict[str, Any]:
        window = {"start_time": self.start_time or None, "end_time": self.end_time or None}
        return {**{k: v for k, v in window.items() if v is not None}, **dict(self.filters)}


class Chao8ExportReportOperator(_Chao8WindowExportOperator):
    """
    Export a 超8 traceability report (溯源报表) to a JSON-lines file.

    ``report`` is ``"production"`` (生产统计报表: per product and batch), ``"inbound"``
    (入库统计报表: scanned inbound quantity per organisation and product) or ``"inbound_scans"``
    (入库扫码报表: one row per inbound scan). Every page is read; the file holds one row per line
    with the vendor's field names. An empty report writes an empty file.

    XCom: the file's path under the key ``file``; the return value is ``{"file", "rows"}``.

    :param report: ``production``, ``inbound`` or ``inbound_scans``.
    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (datetime, date or text, e.g. ``{{ data_interval_start }}``;
        sent in Beijing time; templated).
    :param end_time: window end (templated).
    :param filters: more filters: ``product_code``, ``org_code`` (templated).
    :param page_size: rows per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    """

    def __init__(self, *, report: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from airflow_provider.chao8.constants import REPORT_NAMES

        if report not in REPORT_NAMES:
            raise ValueError(f"report must be one of {sorted(REPORT_NAMES)}, not {report!r}")
        self.report = report

    def rows(self, hook: Chao8Hook) -> Any:
        fetch = getattr(hook, hook.REPORTS[self.report])
        window = self.window()
        return hook._awalk(lambda n: fetch(n, self.page_size, **window))


class Chao8ExportReturnInboundOrdersOperator(_Chao8WindowExportOperator):
    """
    Export 超8 return-inbound orders (退入单列表分页查询) of a time window to a JSON-lines file.

    XCom: the file's path under the key ``file``; the return value is ``{"file", "rows"}``.

    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (templated). :param end_time: window end (templated).
    :param filters: more filters: ``status`` (templated).
    :param page_size: orders per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    """

    def rows(self, hook: Chao8Hook) -> Any:
        return hook.aiter_return_inbound_orders(self.page_size, **self.window())


class Chao8ExportStockMovementOperator(_Chao8WindowExportOperator):
    """
    Export 超8's stock movement summary (库存动态汇总) of a time window to a JSON-lines file.

    One row per organisation and product: ``orgCode``, ``productCode``, ``inboundQuantity``,
    ``outboundQuantity``, ``netQuantity``.

    XCom: the file's path under the key ``file``; the return value is ``{"file", "rows"}``.

    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (templated). :param end_time: window end (templated).
    :param filters: more filters: ``org_code``, ``product_code`` (templated).
    :param chao8_conn_id: the 超8 connection id.
    """

    async def rows(self, hook: Chao8Hook) -> Any:
        for row in await hook.aget_stock_movement_summary(**self.window()):
            yield row


class Chao8ExportAuditHistoryOperator(_Chao8WindowExportOperator):
    """
    Export 超8 anti-diversion audit records (查询稽查历史记录(并翻页)) to a JSON-lines file.

    XCom: the file's path under the key ``file``; the return value is ``{"file", "rows"}``.

    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param start_time: window start (templated). :param end_time: window end (templated).
    :param filters: more filters: ``diverted`` (``True`` for diverted codes only; templated).
    :param page_size: records per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    """

    def rows(self, hook: Chao8Hook) -> Any:
        window = self.window()
        return hook._awalk(lambda n: hook.aget_audit_history_page(n, self.page_size, **window))


class _Chao8OrdersExportOperator(_Chao8ExportOperator):
    """Rows of several orders (``order_nos``), each row tagged with its ``orderNo``."""

    template_fields: Sequence[str] = ("output_path", "order_nos")

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    @abstractmethod
    def fetch(self, hook: Chao8Hook, order_no: str) -> Any: ...

    def execute(self, context: Context) -> dict[str, Any]:
        self._ids = self.ids_or_skip(self.order_nos, param="order_nos", report_field="key")
        return super().execute(context)

    async def rows(self, hook: Chao8Hook) -> Any:
        """Every order's rows, read ``max_concurrency`` orders at a time, in the orders' order."""

        async def one(order_no: str) -> list[dict[str, Any]]:
            return [
                {"orderNo": order_no, **row.model_dump(mode="json", by_alias=True)}
                async for row in self.fetch(hook, order_no)
            ]

        for rows in await hook.gather_limited(self._ids, one, limit=self.concurrency()):
            for row in rows:
                yield row


class Chao8ExportScanDetailsOperator(_Chao8OrdersExportOperator):
    """
    Export the scan details of 超8 logistics orders (物流订单扫描明细) to a JSON-lines file.

    One line per scanned code: ``orderNo``, ``code``, ``productCode``, ``scannedAt``, ``operator``.
    An empty ``order_nos`` skips the task.

    XCom: the file's path under the key ``file``; the return value is ``{"file", "rows"}``.

    :param order_nos: one ``orderNo``, a list, or a report (templated, XCom works).
    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param page_size: scans per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders read at once (default: the connection's ``max_concurrency``).
    """

    def fetch(self, hook: Chao8Hook, order_no: str) -> Any:
        return hook.aiter_logistics_order_scans(order_no, self.page_size)


class Chao8ExportProductionOrderCodesOperator(_Chao8OrdersExportOperator):
    """
    Export the codes of 超8 production orders (生产订单数码明细) to a JSON-lines file.

    One line per code: ``orderNo``, ``code``, ``productCode``, ``batchNo``, ``producedAt``. An
    empty ``order_nos`` skips the task.

    XCom: the file's path under the key ``file``; the return value is ``{"file", "rows"}``.

    :param order_nos: one ``orderNo``, a list, or a create operator's report (templated, XCom works).
    :param output_path: the file to write (local path or ObjectStoragePath URL; templated).
    :param page_size: codes per call (1-500, default 200).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: orders read at once (default: the connection's ``max_concurrency``).
    """

    def fetch(self, hook: Chao8Hook, order_no: str) -> Any:
        return hook.aiter_production_order_codes(order_no, self.page_size)


# ====================================================================== anti-diversion audits
class Chao8AuditCodesOperator(Chao8Operator, BulkOperator[Any]):
    """
    Audit codes found on sale (稽查, 窜货稽查): one audit record per code and region.

    Each audit is ``{code, region (行政区划编码 where found), address?, auditor?, remark?}``,
    validated before any request. 超8 answers whether the code was sold outside its dealer's
    region (``diverted``). An audit creates a record: a retried task audits again (records are
    history, not state). An empty input skips the task.

    XCom (return value): ``{"counts": {"ok", "failed"}, "results": [{key (code), outcome, id
    (the audit record), data: {"diverted", "dealerCode"}}], "diverted": [codes]}``, pushed before
    the task fails on any failure.

    :param audits: one audit or a list (templated, XCom works).
    :param results_path: optional JSON-lines file for the per-code results (templated).
    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    template_fields: Sequence[str] = ("audits", "results_path")
    action = "audit 超8 codes"
    items_param = "audits"

    def __init__(self, *, audits: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.audits = audits

    def validate_items(self, raw: Any) -> list[Any]:
        from airflow_provider.chao8.models import AuditCreate
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all

        return validate_all(AuditCreate, items_from(raw, param="audits"), id_field="code")

    def item_key(self, item: Any) -> str:
        return str(item.code)

    async def run_item(self, hook: Chao8Hook, item: Any) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        record = await hook.acreate_audit(item)
        return ItemResult(
            key=item.code,
            outcome="ok",
            id=record.id,
            status=None if record.status is None else str(record.status),
            data={"diverted": record.diverted, "dealerCode": record.dealer_code},
        )

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        return {"diverted": [r.key for r in report.results if (r.data or {}).get("diverted")]}


# ====================================================================== former names

__all__ = [
    "Chao8AuditCodesOperator",
    "Chao8CompleteLogisticsOrdersOperator",
    "Chao8CreateLogisticsOrdersOperator",
    "Chao8CreateProductionOrdersOperator",
    "Chao8DeleteLogisticsOrdersOperator",
    "Chao8DeleteProductionOrdersOperator",
    "Chao8ExportAuditHistoryOperator",
    "Chao8ExportProductionOrderCodesOperator",
    "Chao8ExportReportOperator",
    "Chao8ExportReturnInboundOrdersOperator",
    "Chao8ExportScanDetailsOperator",
    "Chao8ExportStockMovementOperator",
    "Chao8Operator",
    "Chao8ProductsStatusOperator",
    "Chao8ResetLogisticsOrdersOperator",
    "Chao8SyncDealersOperator",
    "Chao8SyncProductsOperator",
    "Chao8SyncStoresOperator",
    "Chao8UpdateLogisticsOrdersOperator",
    "Chao8UpdateProductionOrdersOperator",
    "load_records",
]
