"""
超8 (Chao8) request and response models.

Field names are snake_case with the vendor's camelCase spelling as alias. Only the token call
and the envelope are documented by the vendor; the business schemas follow the inferred shapes
of ``api/chao8.md`` (unknown answer fields are kept, never fatal). Times on the wire are Beijing
time (+08:00): ``yyyy-MM-dd HH:mm:ss`` without an offset, ISO-8601, or epoch milliseconds are
all read as timezone-aware datetimes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from airflow_provider.chao8.constants import UTC_OFFSET_HOURS
from airflow_provider.common.models import ApiModel, Page, RequestModel

BEIJING = timezone(timedelta(hours=UTC_OFFSET_HOURS))
WIRE_DATETIME = "%Y-%m-%d %H:%M:%S"


def parse_datetime(value: Any) -> Any:
    """A wire time as a timezone-aware datetime: naive values are Beijing time (+08:00)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BEIJING)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, BEIJING)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_datetime(int(text))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)
    return value


def format_datetime(value: datetime | date | str) -> str:
    """A datetime (any zone; naive = Beijing) as the wire's ``yyyy-MM-dd HH:mm:ss`` in Beijing time."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=BEIJING)
        return aware.astimezone(BEIJING).strftime(WIRE_DATETIME)
    if isinstance(value, date):
        return f"{value.isoformat()} 00:00:00"
    raise TypeError(f"not a time: {value!r}")


#: a timezone-aware datetime read from any of the wire forms
Chao8Datetime = Annotated[datetime, BeforeValidator(parse_datetime)]
#: a datetime sent as ``yyyy-MM-dd HH:mm:ss`` Beijing time
WireDatetime = Annotated[
    datetime, BeforeValidator(parse_datetime), PlainSerializer(format_datetime, return_type=str)
]


class Chao8Model(ApiModel):
    """Base of the 超8 answer models: numbers given where text is expected are read as text."""

    model_config = ConfigDict(
        populate_by_name=True, extra="allow", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


class Chao8Request(RequestModel):
    """Base of the 超8 request models: unknown fields are errors."""

    model_config = ConfigDict(
        populate_by_name=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )


# ------------------------------------------------------------------------ envelope and token
class Envelope(Chao8Model):
    """Every answer: ``{code, message, data, timestamp, traceId, exception, meta, ext}``; code 200 = success."""

    code: int | str | None = None
    message: str | None = None
    data: Any = None
    timestamp: int | None = None
    trace_id: str | None = Field(default=None, alias="traceId")
    exception: Any = None
    meta: Any = None
    ext: Any = None


class AccessTokenRequest(Chao8Request):
    """Body of 获取 AccessToken: the access key and the lowercase MD5 hex of the application secret."""

    access_key: str = Field(alias="accessKey", min_length=1)
    secret_key_sign: str = Field(alias="secretKeySign", pattern=r"^[0-9a-f]{32}$")


class AccessToken(Chao8Model):
    """``data`` of 获取 AccessToken: the token and its lifetime (ISO-8601 ``tokenTtl`` and seconds)."""

    access_token: str = Field(alias="accessToken", min_length=1)
    token_ttl: str | None = Field(default=None, alias="tokenTtl")
    token_ttl_seconds: float | None = Field(default=None, alias="tokenTtlSeconds")


# ------------------------------------------------------------------------ logistics orders
class LogisticsOrderProduct(Chao8Request):
    """One line of a logistics order: a product, a quantity and optionally its codes (数码)."""

    product_code: str = Field(alias="productCode", min_length=1, max_length=64)
    quantity: int = Field(gt=0)
    codes: list[str] | None = None

    @model_validator(mode="after")
    def _codes_fit(self) -> LogisticsOrderProduct:
        if self.codes is not None and len(self.codes) > self.quantity:
            raise ValueError(f"{len(self.codes)} codes given for a quantity of {self.quantity}")
        return self


class LogisticsOrderCreate(Chao8Request):
    """Body of 创建物流订单 (create logistics order); ``orderNo`` is your own unique id.

    :param order_no: your order number (``orderNo``): the idempotency key.
    :param order_type: 1 outbound 出库, 2 return inbound 退货入库, 3 transfer 调拨.
    :param source_org_code: the shipping organisation (warehouse, factory).
    :param target_org_code: the receiving organisation (a dealer code for outbound orders).
    """

    order_no: str = Field(alias="orderNo", min_length=1, max_length=64)
    order_type: Literal[1, 2, 3] = Field(alias="orderType")
    business_type: str | None = Field(default=None, alias="businessType")
    source_org_code: str = Field(alias="sourceOrgCode", min_length=1)
    target_org_code: str = Field(alias="targetOrgCode", min_length=1)
    products: list[LogisticsOrderProduct] = Field(min_length=1)
    remark: str | None = Field(default=None, max_length=500)

    @field_validator("order_type", mode="before")
    @classmethod
    def _int_type(cls, value: Any) -> Any:
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value


class LogisticsOrderUpdate(Chao8Request):
    """Body of 修改物流订单 (update logistics order): only the fields to change."""

    order_type: Literal[1, 2, 3] | None = Field(default=None, alias="orderType")
    business_type: str | None = Field(default=None, alias="businessType")
    source_org_code: str | None = Field(default=None, alias="sourceOrgCode", min_length=1)
    target_org_code: str | None = Field(default=None, alias="targetOrgCode", min_length=1)
    products: list[LogisticsOrderProduct] | None = Field(default=None, min_length=1)
    remark: str | None = Field(default=None, max_length=500)


class OrderLine(Chao8Model):
    """A product line as the platform answers it."""

    product_code: str = Field(alias="productCode")
    quantity: int = 0
    codes: list[str] | None = None


class LogisticsOrderCreated(Chao8Model):
    """``data`` of 创建物流订单: ``{id, orderNo, status}``."""

    id: str | None = None
    order_no: str = Field(alias="orderNo")
    status: int | None = None


class LogisticsOrder(Chao8Model):
    """物流订单详情 (logistics order detail); status 0 created, 1 scanning, 2 completed, 3 cancelled."""

    id: str | None = None
    order_no: str = Field(alias="orderNo")
    order_type: int | None = Field(default=None, alias="orderType")
    business_type: str | None = Field(default=None, alias="businessType")
    status: int | None = None
    source_org_code: str | None = Field(default=None, alias="sourceOrgCode")
    target_org_code: str | None = Field(default=None, alias="targetOrgCode")
    products: list[OrderLine] = Field(default_factory=list)
    scanned_count: int = Field(default=0, alias="scannedCount")
    remark: str | None = None
    created_at: Chao8Datetime | None = Field(default=None, alias="createdAt")
    completed_at: Chao8Datetime | None = Field(default=None, alias="completedAt")


class LogisticsOrderState(Chao8Model):
    """``data`` of 根据订单编号或Id完成订单 (complete): ``{orderNo, status}``."""

    order_no: str = Field(alias="orderNo")
    status: int | None = None


class ScanRecord(Chao8Model):
    """One line of 物流订单扫描明细 (scan details): a code scanned for a product."""

    code: str
    product_code: str | None = Field(default=None, alias="productCode")
    scanned_at: Chao8Datetime | None = Field(default=None, alias="scannedAt")
    operator: str | None = None


class OutboundQuery(Chao8Request):
    """Body of 出库单列表分页查询 (outbound list, paged)."""

    page_num: int = Field(default=1, alias="pageNum", ge=1)
    page_size: int = Field(default=50, alias="pageSize", ge=1, le=500)
    start_time: WireDatetime | None = Field(default=None, alias="startTime")
    end_time: WireDatetime | None = Field(default=None, alias="endTime")
    status: int | None = None


# ------------------------------------------------------------------------ production orders
class ProductionOrderCreate(Chao8Request):
    """Body of 创建生产订单 (create production order); ``orderNo`` is your own unique id."""

    order_no: str = Field(alias="orderNo", min_length=1, max_length=64)
    product_code: str = Field(alias="productCode", min_length=1, max_length=64)
    quantity: int = Field(gt=0)
    batch_no: str = Field(alias="batchNo", min_length=1, max_length=64)
    production_date: date = Field(alias="productionDate")

    @field_validator("production_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return (value if value.tzinfo is None else value.astimezone(BEIJING)).date()
        if isinstance(value, str) and len(value.strip()) > 10:
            parsed = parse_datetime(value)
            return parsed.astimezone(BEIJING).date() if isinstance(parsed, datetime) else value
        return value


class ProductionOrderCreated(Chao8Model):
    """``data`` of 创建生产订单: ``{id, orderNo, status}``."""

    id: str | None = None
    order_no: str = Field(alias="orderNo")
    status: int | None = None


class ProductionOrder(Chao8Model):
    """生产订单详情 (production order detail); status 0 pending, 1 producing, 2 completed, 3 cancelled."""

    id: str | None = None
    order_no: str = Field(alias="orderNo")
    product_code: str | None = Field(default=None, alias="productCode")
    quantity: int | None = None
    batch_no: str | None = Field(default=None, alias="batchNo")
    production_date: date | None = Field(default=None, alias="productionDate")
    status: int | None = None
    produced_count: int | None = Field(default=None, alias="producedCount")
    created_at: Chao8Datetime | None = Field(default=None, alias="createdAt")
    completed_at: Chao8Datetime | None = Field(default=None, alias="completedAt")

    @field_validator("production_date", mode="before")
    @classmethod
    def _date_part(cls, value: Any) -> Any:
        if isinstance(value, str) and len(value.strip()) > 10:
            return value.strip()[:10]
        if isinstance(value, int):
            parsed = parse_datetime(value)
            return parsed.date() if isinstance(parsed, datetime) else value
        return value


class ProductionOrderQuery(Chao8Request):
    """Body of 获取订单列表分页 (production orders, paged)."""

    page_num: int = Field(default=1, alias="pageNum", ge=1)
    page_size: int = Field(default=50, alias="pageSize", ge=1, le=500)
    status: int | None = None
    product_code: str | None = Field(default=None, alias="productCode")
    batch_no: str | None = Field(default=None, alias="batchNo")


# ------------------------------------------------------------------------ products (商品 V3)
class ProductUpsert(Chao8Request):
    """One item of 通过商品编号新增/修改商品信息(批量)V3 (batch add/update products by code)."""

    product_code: str = Field(alias="productCode", min_length=1, max_length=64)
    product_name: str = Field(alias="productName", min_length=1, max_length=200)
    spec: str | None = Field(default=None, max_length=100)
    barcode: str | None = Field(default=None, max_length=64)


class Product(Chao8Model):
    """A product (商品) as 商品分页列表V3 / 根据商品编号查询(批量)V3 answer it."""

    product_code: str = Field(alias="productCode")
    product_name: str | None = Field(default=None, alias="productName")
    spec: str | None = None
    barcode: str | None = None
    status: int | None = None


class ProductQuery(Chao8Request):
    """Body of 商品分页列表V3 (products, paged)."""

    page_num: int = Field(default=1, alias="pageNum", ge=1)
    page_size: int = Field(default=50, alias="pageSize", ge=1, le=500)
    keyword: str | None = None


# ------------------------------------------------------------------------ dealers (组织/经销商)
class DealerSync(Chao8Request):
    """One item of 同步经销商 (sync dealers): added when the code is new, else updated."""

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=1, max_length=64)
    contact: str | None = Field(default=None, max_length=100)


class Dealer(Chao8Model):
    """A dealer (经销商) as 根据编码批量查询经销商 answers it."""

    code: str
    name: str | None = None
    region: str | None = None
    status: int | None = None
    contact: str | None = None


# ------------------------------------------------------------------------ batch results
class BatchFailure(Chao8Model):
    """One item a batch call refused."""

    code: str | None = None
    product_code: str | None = Field(default=None, alias="productCode")
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _reason_aliases(cls, value: Any) -> Any:
        if isinstance(value, dict) and "reason" not in value:
            for name in ("message", "msg", "error", "errorMsg"):
                if value.get(name):
                    return {**value, "reason": value[name]}
        return value

    @property
    def key(self) -> str | None:
        return self.product_code or self.code


class BatchResult(Chao8Model):
    """What a batch upsert answered: counts and the refused items (all accepted when ``data`` is empty)."""

    success_count: int | None = Field(default=None, alias="successCount")
    fail_count: int | None = Field(default=None, alias="failCount")
    fail_list: list[BatchFailure] = Field(default_factory=list, alias="failList")

    @model_validator(mode="before")
    @classmethod
    def _lenient(cls, value: Any) -> Any:
        if value is None or isinstance(value, list):
            return {}
        if isinstance(value, dict) and "failList" not in value:
            for name in ("failedList", "failures", "errors", "fail_list"):
                if isinstance(value.get(name), list):
                    return {**value, "failList": value[name]}
        return value

    def failed_keys(self) -> dict[str, str]:
        """``{code: reason}`` of every refused item."""
        return {f.key: f.reason or "refused" for f in self.fail_list if f.key}


T = TypeVar("T")


class VendorPage(Chao8Model, Generic[T]):
    """A paged answer: ``{total, pageNum, pageSize, list}``."""

    total: int | None = None
    page_num: int | None = Field(default=None, alias="pageNum")
    page_size: int | None = Field(default=None, alias="pageSize")
    items: list[T] = Field(default_factory=list, alias="list")

    def to_page(self, page: int, size: int) -> Page[T]:
        return Page(items=self.items, total=self.total, page=self.page_num or page, size=size)


# ------------------------------------------------------------------------ production orders: more
class ProductionOrderUpdate(Chao8Request):
    """Body of 更新生产订单 (update production order) [inferred]: only the fields to change.

    超8 takes the change while the order is pending (status 0); later it answers a state conflict.
    """

    product_code: str | None = Field(default=None, alias="productCode", min_length=1, max_length=64)
    quantity: int | None = Field(default=None, gt=0)
    batch_no: str | None = Field(default=None, alias="batchNo", min_length=1, max_length=64)
    production_date: date | None = Field(default=None, alias="productionDate")

    @model_validator(mode="after")
    def _something(self) -> ProductionOrderUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: give productCode, quantity, batchNo or productionDate")
        return self


class CodeRecord(Chao8Model):
    """One line of 生产订单数码明细 (production order codes) [inferred]: a code made for the order."""

    code: str
    product_code: str | None = Field(default=None, alias="productCode")
    batch_no: str | None = Field(default=None, alias="batchNo")
    produced_at: Chao8Datetime | None = Field(default=None, alias="producedAt")


# ------------------------------------------------------------------------ logistics orders: more
class StockMovementQuery(Chao8Request):
    """Body of 库存动态汇总 (stock movement summary) [inferred]: a time window, optional filters."""

    start_time: WireDatetime | None = Field(default=None, alias="startTime")
    end_time: WireDatetime | None = Field(default=None, alias="endTime")
    org_code: str | None = Field(default=None, alias="orgCode")
    product_code: str | None = Field(default=None, alias="productCode")


class StockMovement(Chao8Model):
    """One row of 库存动态汇总 [inferred]: scanned quantities into and out of an organisation."""

    org_code: str = Field(alias="orgCode")
    product_code: str = Field(alias="productCode")
    inbound_quantity: int = Field(default=0, alias="inboundQuantity")
    outbound_quantity: int = Field(default=0, alias="outboundQuantity")
    net_quantity: int = Field(default=0, alias="netQuantity")


# ------------------------------------------------------------------------ products: status batches
class ProductCodes(Chao8Request):
    """Body of the V3 product batches by code (删除/禁用/启用(批量)V3) [inferred]."""

    product_codes: list[str] = Field(alias="productCodes", min_length=1, max_length=200)


# ------------------------------------------------------------------------ dealers and stores
class DealerCodes(Chao8Request):
    """Body of 批量删除经销商 [inferred]: the dealer codes."""

    codes: list[str] = Field(min_length=1, max_length=200)


class DealerStatusChange(Chao8Request):
    """Body of 根据经销商编号批量启用禁用经销商接口 [inferred]: codes and 1 enabled / 0 disabled."""

    codes: list[str] = Field(min_length=1, max_length=200)
    status: Literal[0, 1]


class DealerQuery(Chao8Request):
    """Body of 根据查询条件查询全部经销商(并翻页) / 根据查询条件统计全部经销商 [inferred]."""

    page_num: int = Field(default=1, alias="pageNum", ge=1)
    page_size: int = Field(default=50, alias="pageSize", ge=1, le=500)
    keyword: str | None = None
    region: str | None = None
    status: int | None = None


class StoreSync(Chao8Request):
    """One item of 同步门店 (sync stores) [inferred]: added when the code is new, else updated.

    :param code: the store code (门店编码).
    :param dealer_code: the dealer (经销商) the store belongs to.
    """

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    dealer_code: str = Field(alias="dealerCode", min_length=1, max_length=64)
    region: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=500)
    contact: str | None = Field(default=None, max_length=100)


# ------------------------------------------------------------------------ reports (溯源报表)
class ReportQuery(Chao8Request):
    """Body of the traceability reports (生产统计报表, 入库统计报表, 入库扫码报表) [inferred]."""

    page_num: int = Field(default=1, alias="pageNum", ge=1)
    page_size: int = Field(default=50, alias="pageSize", ge=1, le=500)
    start_time: WireDatetime | None = Field(default=None, alias="startTime")
    end_time: WireDatetime | None = Field(default=None, alias="endTime")
    product_code: str | None = Field(default=None, alias="productCode")
    org_code: str | None = Field(default=None, alias="orgCode")


class ProductionReportRow(Chao8Model):
    """One row of 生产统计报表 [inferred]: production per product and batch."""

    product_code: str = Field(alias="productCode")
    product_name: str | None = Field(default=None, alias="productName")
    batch_no: str | None = Field(default=None, alias="batchNo")
    order_count: int = Field(default=0, alias="orderCount")
    planned_quantity: int = Field(default=0, alias="plannedQuantity")
    produced_quantity: int = Field(default=0, alias="producedQuantity")


class InboundReportRow(Chao8Model):
    """One row of 入库统计报表 [inferred]: scanned inbound quantity per organisation and product."""

    org_code: str = Field(alias="orgCode")
    product_code: str = Field(alias="productCode")
    order_count: int = Field(default=0, alias="orderCount")
    quantity: int = 0


class InboundScanRow(Chao8Model):
    """One row of 入库扫码报表 [inferred]: one inbound scan."""

    order_no: str = Field(alias="orderNo")
    code: str
    product_code: str | None = Field(default=None, alias="productCode")
    org_code: str | None = Field(default=None, alias="orgCode")
    scanned_at: Chao8Datetime | None = Field(default=None, alias="scannedAt")
    operator: str | None = None


# ------------------------------------------------------------------------ anti-diversion (窜货稽查)
class AuditCreate(Chao8Request):
    """Body of 稽查 (audit one code where it was found on sale) [inferred].

    :param code: the code (数码) read from the product.
    :param region: the region where it was found (a province or city name).
    """

    code: str = Field(min_length=1, max_length=64)
    region: str = Field(min_length=1, max_length=64)
    address: str | None = Field(default=None, max_length=500)
    auditor: str | None = Field(default=None, max_length=100)
    remark: str | None = Field(default=None, max_length=500)


class AuditRecord(Chao8Model):
    """A 稽查 record [inferred]: whether the code was sold outside its dealer's region.

    ``diverted`` is ``True`` (窜货), ``False`` (in region) or ``None`` (the code was never shipped);
    ``status`` 0 pending, 1 confirmed.
    """

    id: str
    code: str
    region: str | None = None
    product_code: str | None = Field(default=None, alias="productCode")
    order_no: str | None = Field(default=None, alias="orderNo")
    dealer_code: str | None = Field(default=None, alias="dealerCode")
    dealer_region: str | None = Field(default=None, alias="dealerRegion")
    diverted: bool | None = None
    status: int | None = None
    result: str | None = None
    created_at: Chao8Datetime | None = Field(default=None, alias="createdAt")
    confirmed_at: Chao8Datetime | None = Field(default=None, alias="confirmedAt")


class AuditHistoryQuery(Chao8Request):
    """Body of 查询稽查历史记录(并翻页) [inferred]."""

    page_num: int = Field(default=1, alias="pageNum", ge=1)
    page_size: int = Field(default=50, alias="pageSize", ge=1, le=500)
    start_time: WireDatetime | None = Field(default=None, alias="startTime")
    end_time: WireDatetime | None = Field(default=None, alias="endTime")
    diverted: bool | None = None
