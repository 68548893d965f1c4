"""
超8 (Chao8) operators: logistics and production orders, product catalogue and dealer syncs.

Every operator stands on the provider's one operator core (``common.base_operators``): inputs
validated before any request, an empty input skips, the token fetched once, bounded
concurrency, progress lines, the report pushed before the task fails. This module supplies only
what is 超8's: the models, the calls, and how an order found by its ``orderNo`` is compared.

Imported on every DAG parse: only Airflow's SDK and the core's base module at module level.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.common.base_operators import (
    BulkCreateOperator,
    BulkOperator,
    PlatformOperator,
    deprecated_alias,
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
    from airflow_provider.common.base_operators import OnResult
    from airflow_provider.common.models import ApiModel
    from airflow_provider.common.operators import BulkReport, ItemResult


class Chao8Operator(PlatformOperator):
    """
    Base of the 超8 operators: the connection and the hook.

    :param chao8_conn_id: the 超8 connection id.
    :param max_concurrency: calls in flight at once (default: the connection's ``max_concurrency``).
    """

    hook_class_path: ClassVar[str] = "airflow_provider.chao8.hooks.Chao8Hook"
    ui_color = "#ffe8d6"

    def __init__(
        self, *, chao8_conn_id: str = "chao8_default", max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=chao8_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.chao8_conn_id = chao8_conn_id


# ====================================================================== creates
class _Chao8CreateOperator(Chao8Operator, BulkCreateOperator[Any]):
    """Orders created at most once across attempts, keyed by the caller's ``orderNo``."""

    template_fields: Sequence[str] = ("orders", "results_path")

    def __init__(self, *, orders: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders = orders

    def request_model(self) -> type[ApiModel]:
        """The vendor schema every order is validated as."""
        raise NotImplementedError

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
        from airflow_provider.common.operators import ItemResult, error_dict

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
    def request_model(self) -> type[ApiModel]:
        raise NotImplementedError

    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        """The keys among ``keys`` that 超8 knows already (one batch query)."""
        raise NotImplementedError

    async def upsert(self, hook: Chao8Hook, chunk: list[Any]) -> BatchResult:
        raise NotImplementedError

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
        from airflow_provider.common.operators import BulkReport

        size = self.chunk_size
        chunks = [items[start : start + size] for start in range(0, len(items), size)]

        async def sync(chunk: list[Any]) -> list[ItemResult]:
            results = await self._sync_chunk(hook, chunk)
            for result in results:
                on_result(result)
            return results

        done = await hook.gather_limited(chunks, sync, limit=self.concurrency())
        return BulkReport(results=[result for chunk in done for result in chunk])

    async def _sync_chunk(self, hook: Chao8Hook, chunk: list[Any]) -> list[ItemResult]:
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.operators import ItemResult, error_dict

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


# ====================================================================== former names
Chao8CreateProductionOrderOperator = deprecated_alias(
    Chao8CreateProductionOrdersOperator, "Chao8CreateProductionOrderOperator"
)
Chao8CompleteLogisticsOrderOperator = deprecated_alias(
    Chao8CompleteLogisticsOrdersOperator, "Chao8CompleteLogisticsOrderOperator"
)

__all__ = [
    "Chao8CompleteLogisticsOrderOperator",
    "Chao8CompleteLogisticsOrdersOperator",
    "Chao8CreateLogisticsOrdersOperator",
    "Chao8CreateProductionOrderOperator",
    "Chao8CreateProductionOrdersOperator",
    "Chao8Operator",
    "Chao8SyncDealersOperator",
    "Chao8SyncProductsOperator",
    "load_records",
]
