"""
HiShopping request and response schemas.

The open API documents the order payloads (``merchant_order``, ``goods_id``, ``sku_id``,
``quantity``, ``receiver``, ``goods_amount``, ``fee``, ``total_charge``, ``status``); the other
field names are inferred from the dashboard's columns and are snake_case on the wire too, so the
wire names equal ours except where an alias is given. Response models keep unknown fields and
accept the few spellings a list may use (``id`` for ``goods_id`` and the like). Money is
``Decimal``; times are timezone-aware (a time without an offset is read as UTC; Unix seconds or
milliseconds are accepted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, field_validator

from airflow_provider.common.models import ApiModel, RequestModel, to_decimal

#: order statuses [inferred]: pending (charged), processing (placed with Temu), shipped, completed,
#: cancelled, failed (the last two are refunded to credit)
ORDER_STATUSES = ("pending", "processing", "shipped", "completed", "cancelled", "failed")
FINAL_STATUSES = frozenset({"completed", "cancelled", "failed"})


def _money(value: Any) -> Any:
    if value is None or value == "":
        return None
    return to_decimal(value)


def _when(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a time, not a boolean")
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = float(value)
        if seconds > 1e11:  # milliseconds
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return value


Money = Annotated[Decimal, BeforeValidator(_money)]
OptionalMoney = Annotated[Decimal | None, BeforeValidator(_money)]
When = Annotated[datetime | None, BeforeValidator(_when)]
#: Temu goods and SKU ids are numbers; a string id is kept as given
GoodsId = int | str


# ----------------------------------------------------------------------------- web API
class LoginRequest(RequestModel):
    """Body of ``POST /api/v1/web/login`` (vendor: login form; captcha only for people)."""

    email: str = Field(min_length=3)
    password: str = Field(min_length=1)
    captcha_id: str | None = None
    captcha: str | None = None


class LoginResult(ApiModel):
    """``data`` of the login answer."""

    token: str


class Category(ApiModel):
    """A Temu goods category (``GET /api/v1/web/goods/categories``)."""

    category_id: GoodsId = Field(validation_alias=AliasChoices("category_id", "id"))
    name: str | None = Field(default=None, validation_alias=AliasChoices("name", "category_name"))
    parent_id: GoodsId | None = None


class Sku(ApiModel):
    """One SKU of a goods item (a variant: colour, size ...) with its price."""

    sku_id: GoodsId = Field(validation_alias=AliasChoices("sku_id", "id"))
    spec: str | None = Field(default=None, validation_alias=AliasChoices("spec", "name", "sku_name"))
    price: OptionalMoney = None
    stock: int | None = None


class Goods(ApiModel):
    """A Temu goods item; ``skus`` is filled by the detail calls (web and open API)."""

    goods_id: GoodsId = Field(validation_alias=AliasChoices("goods_id", "id"))
    goods_name: str | None = Field(default=None, validation_alias=AliasChoices("goods_name", "name", "title"))
    category_id: GoodsId | None = None
    price: OptionalMoney = None
    currency: str | None = None
    image: str | None = None
    skus: list[Sku] = Field(default_factory=list)

    def sku(self, sku_id: GoodsId) -> Sku | None:
        """The SKU with id ``sku_id`` (compared as text), if this item has it."""
        return next((sku for sku in self.skus if str(sku.sku_id) == str(sku_id)), None)

    def unit_price(self, sku_id: GoodsId) -> Decimal | None:
        """The SKU's price, else the goods price when the SKU carries none."""
        sku = self.sku(sku_id)
        if sku is None:
            return None
        return sku.price if sku.price is not None else self.price

    def compact(self) -> dict[str, Any]:
        """Ids, name and prices only (XCom form)."""
        return {
            "goods_id": self.goods_id,
            "goods_name": self.goods_name,
            "category_id": self.category_id,
            "price": None if self.price is None else str(self.price),
            "currency": self.currency,
            "skus": [
                {
                    "sku_id": sku.sku_id,
                    "spec": sku.spec,
                    "price": None if sku.price is None else str(sku.price),
                    "stock": sku.stock,
                }
                for sku in self.skus
            ],
        }


class Receiver(RequestModel):
    """``receiver`` of an order: where Temu ships the goods."""

    name: str = Field(min_length=1)
    phone: str = Field(min_length=3)
    country: str = Field(min_length=2)
    province: str = Field(min_length=1)
    city: str = Field(min_length=1)
    address: str = Field(min_length=1)
    zip: str = Field(min_length=1)

    @field_validator("phone", "zip", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class OrderCreateRequest(RequestModel):
    """Payload of ``POST /api/v1/open/order/create``.

    ``merchant_order`` is your own order id: the server answers 2002 for a second create with
    the same one, which makes retries idempotent.
    """

    merchant_order: str = Field(min_length=1, max_length=64)
    goods_id: GoodsId
    sku_id: GoodsId
    quantity: int = Field(ge=1, le=10_000)
    receiver: Receiver
    remark: str | None = Field(default=None, max_length=500)

    @field_validator("goods_id", "sku_id")
    @classmethod
    def _id_not_blank(cls, value: GoodsId) -> GoodsId:
        if isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
            raise ValueError("must be a goods/SKU id")
        return value


class Order(ApiModel):
    """An order: the open API's create/detail answer and the web order list row.

    Order list columns [doc]: order no, merchant order, goods amount, fee, total charge,
    status, date.
    """

    order_no: str
    merchant_order: str | None = None
    goods_id: GoodsId | None = None
    sku_id: GoodsId | None = None
    quantity: int | None = None
    goods_amount: OptionalMoney = None
    fee: OptionalMoney = None
    total_charge: OptionalMoney = None
    currency: str | None = None
    status: str = ""
    tracking_no: str | None = Field(
        default=None, validation_alias=AliasChoices("tracking_no", "tracking_number")
    )
    created_at: When = Field(default=None, validation_alias=AliasChoices("created_at", "create_time", "date"))
    updated_at: When = Field(default=None, validation_alias=AliasChoices("updated_at", "update_time"))

    @field_validator("order_no", "merchant_order", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("status", mode="before")
    @classmethod
    def _status_text(cls, value: Any) -> Any:
        return "" if value is None else str(value).lower()

    def compact(self) -> dict[str, Any]:
        """Ids, status and money only (XCom form: no receiver data)."""
        return {
            "order_no": self.order_no,
            "merchant_order": self.merchant_order,
            "status": self.status,
            "total_charge": None if self.total_charge is None else str(self.total_charge),
            "tracking_no": self.tracking_no,
        }


class CreditInfo(ApiModel):
    """The merchant's prepaid credit (web ``/credit``, open ``/credit/balance``)."""

    balance: Money
    currency: str | None = None
    frozen: OptionalMoney = None
    total_recharge: OptionalMoney = None
    total_spent: OptionalMoney = None


class CreditTransaction(ApiModel):
    """A credit ledger row (columns: reference no, type, amount, balance before/after, date)."""

    reference_no: str = Field(validation_alias=AliasChoices("reference_no", "ref_no", "reference"))
    type: str
    amount: Money
    balance_before: Money
    balance_after: Money
    created_at: When = Field(validation_alias=AliasChoices("created_at", "date", "create_time"))
    order_no: str | None = None
    remark: str | None = None

    @field_validator("reference_no", mode="before")
    @classmethod
    def _ref_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


# ----------------------------------------------------------------------------- open API
class OrderDetailRequest(RequestModel):
    """Payload of ``POST /api/v1/open/order/detail``: one of ``order_no`` or ``merchant_order``."""

    order_no: str | None = None
    merchant_order: str | None = None


class OrderListRequest(RequestModel):
    """Payload of ``POST /api/v1/open/order/list`` (times as Unix seconds [inferred])."""

    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=500)
    status: str | None = None
    start_time: int | None = None
    end_time: int | None = None


class GoodsListRequest(RequestModel):
    """Payload of ``POST /api/v1/open/goods/list`` (filters [inferred])."""

    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=500)
    category_id: GoodsId | None = None
    keyword: str | None = None


class GoodsDetailRequest(RequestModel):
    """Payload of ``POST /api/v1/open/goods/detail``."""

    goods_id: GoodsId


# ----------------------------------------------------------------------------- web API: account
# The seed lists these endpoints with one-line descriptions only; every field name below is
# inferred (snake_case, like the documented order fields). Unknown answer fields are kept.
class Captcha(ApiModel):
    """``data`` of ``GET /api/v1/web/captcha``: an image captcha for the interactive login.

    ``captcha_id`` goes back with the login as ``captcha_id``, the text read off the image as
    ``captcha`` [inferred names].
    """

    captcha_id: str = Field(validation_alias=AliasChoices("captcha_id", "id", "key"))
    image: str | None = Field(default=None, validation_alias=AliasChoices("image", "img", "captcha_image"))


class PasswordChangeRequest(RequestModel):
    """Body of ``PUT /api/v1/web/password`` (field names [inferred])."""

    old_password: str = Field(min_length=1)
    new_password: str = Field(min_length=8, max_length=128)


class ApiKeyInfo(ApiModel):
    """``data`` of ``GET /api/v1/web/apikey``: the API Key (= the open API Secret Key), masked."""

    api_key: str = Field(validation_alias=AliasChoices("api_key", "apikey", "key"))
    created_at: When = Field(default=None, validation_alias=AliasChoices("created_at", "create_time"))


class NewApiKey(ApiModel):
    """``data`` of ``POST /api/v1/web/apikey``: the regenerated API Key, shown once.

    The key is a :class:`~pydantic.SecretStr` (``repr``, ``str`` and ``model_dump`` show
    ``**********``); read it with ``.api_key.get_secret_value()``. The hook registers it with
    Airflow's log masking as soon as it arrives.
    """

    api_key: SecretStr = Field(validation_alias=AliasChoices("api_key", "apikey", "key"))
    created_at: When = Field(default=None, validation_alias=AliasChoices("created_at", "create_time"))


class Merchant(ApiModel):
    """The merchant profile (``GET /api/v1/web/merchant``; the dashboard's Profile page:
    merchant information and bank account). Field names [inferred]."""

    merchant_id: str | None = Field(default=None, validation_alias=AliasChoices("merchant_id", "id"))
    merchant_name: str | None = Field(
        default=None, validation_alias=AliasChoices("merchant_name", "name", "company_name")
    )
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    address: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    bank_account_name: str | None = None
    status: str | None = None
    created_at: When = Field(default=None, validation_alias=AliasChoices("created_at", "create_time"))
    updated_at: When = Field(default=None, validation_alias=AliasChoices("updated_at", "update_time"))

    @field_validator("merchant_id", "phone", "bank_account", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    def compact(self) -> dict[str, Any]:
        """The XCom form: ids, name, status and country; no contact or bank data."""
        return {
            "merchant_id": self.merchant_id,
            "merchant_name": self.merchant_name,
            "status": self.status,
            "country": self.country,
            "updated_at": None if self.updated_at is None else self.updated_at.isoformat(),
        }


class MerchantRequest(RequestModel):
    """Body of ``POST`` (create) and ``PUT`` (update) ``/api/v1/web/merchant`` [inferred fields].

    An update sends only the fields given; a create needs ``merchant_name`` (checked by the hook).
    """

    merchant_name: str | None = Field(default=None, min_length=1, max_length=128)
    contact_name: str | None = Field(default=None, min_length=1, max_length=64)
    email: str | None = Field(default=None, min_length=3, max_length=128)
    phone: str | None = Field(default=None, min_length=3, max_length=32)
    country: str | None = Field(default=None, min_length=2, max_length=64)
    address: str | None = Field(default=None, min_length=1, max_length=256)
    bank_name: str | None = Field(default=None, min_length=1, max_length=128)
    bank_account: str | None = Field(default=None, min_length=1, max_length=64)
    bank_account_name: str | None = Field(default=None, min_length=1, max_length=128)

    @field_validator("phone", "bank_account", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class AppInfo(ApiModel):
    """The open API app (``GET /api/v1/web/app``, "includes App ID"). Other names [inferred].

    The keys themselves are never part of it (they are shown once, when generated).
    """

    app_id: str = Field(validation_alias=AliasChoices("app_id", "appid", "id"))
    app_name: str | None = Field(default=None, validation_alias=AliasChoices("app_name", "name"))
    status: str | None = None
    callback_url: str | None = None
    ip_whitelist: list[str] = Field(default_factory=list)
    created_at: When = Field(default=None, validation_alias=AliasChoices("created_at", "create_time"))
    updated_at: When = Field(default=None, validation_alias=AliasChoices("updated_at", "update_time"))

    @field_validator("status", mode="before")
    @classmethod
    def _status_text(cls, value: Any) -> Any:
        return None if value is None else str(value).lower()

    @field_validator("ip_whitelist", mode="before")
    @classmethod
    def _ips(cls, value: Any) -> Any:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


class AppUpdateRequest(RequestModel):
    """Body of ``PUT /api/v1/web/app`` [inferred fields]; only the fields given are sent."""

    app_name: str | None = Field(default=None, min_length=1, max_length=64)
    callback_url: str | None = Field(default=None, max_length=512)
    ip_whitelist: list[str] | None = None

    @field_validator("callback_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


class NewSignKey(ApiModel):
    """``data`` of ``PUT /api/v1/web/app/cert``: the regenerated Sign Key (HMAC-SHA256), shown once.

    ``sign_key`` is a :class:`~pydantic.SecretStr`; the hook masks it as soon as it arrives.
    """

    sign_key: SecretStr = Field(validation_alias=AliasChoices("sign_key", "sign_secret", "key", "cert"))
    app_id: str | None = None
