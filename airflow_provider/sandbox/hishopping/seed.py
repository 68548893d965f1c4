"""HiShopping sandbox seed: the accounts and apps it accepts, the Temu catalogue (``data/*.json``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from airflow_provider.sandbox.kit import load_json

_DATA = __package__ or "airflow_provider.sandbox.hishopping"

# ----------------------------------------------------------------------------- accounts and constants
#: the merchant account of the web API
SANDBOX_EMAIL = "merchant@sandbox.hishopping.test"
SANDBOX_PASSWORD = "sandbox-password"  # noqa: S105 - the offline sandbox's published test password
#: a user whose account is disabled (login answers 3003)
SANDBOX_DISABLED_EMAIL = "disabled@sandbox.hishopping.test"
#: a user without a merchant profile yet (POST /web/merchant creates it) and without an app
SANDBOX_NEW_EMAIL = "new@sandbox.hishopping.test"
#: the merchant profile of the main account (the dashboard's Profile page) [field names inferred]
SANDBOX_MERCHANT: dict[str, Any] = {
    "merchant_id": "M000001",
    "merchant_name": "Sandbox Trading Ltd",
    "contact_name": "Sandy Box",
    "email": SANDBOX_EMAIL,
    "phone": "+1 555 0100",
    "country": "US",
    "address": "1 Sandbox Way, Springfield",
    "bank_name": "Sandbox Bank",
    "bank_account": "000123456789",
    "bank_account_name": "Sandbox Trading Ltd",
}
#: the app of the main account (the second app is reached through the open API only)
SANDBOX_APP_NAME = "Sandbox store"
#: the open API app: its Secret Key is exactly 32 bytes (used as the AES key as is)
SANDBOX_APP_ID = "hs_app_sandbox_0001"
SANDBOX_SECRET_KEY = "sandbox-secret-key-0123456789abc"  # noqa: S105 - the offline sandbox's published test key
SANDBOX_SIGN_KEY = "sandbox-sign-key-hmac-sha256"
#: a second app whose Secret Key is 64 hex characters (not 32 bytes: AES key = SHA-256 of it)
SANDBOX_APP_ID_2 = "hs_app_sandbox_0002"
SANDBOX_SECRET_KEY_2 = "9f2c4b7e1d0a8c6f5e3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c"  # noqa: S105 - the offline sandbox's published test key
SANDBOX_SIGN_KEY_2 = "sandbox-sign-key-2"
#: credit of a fresh sandbox, and its currency
STARTING_CREDIT = Decimal("500.00")
CURRENCY = "USD"
#: the sandbox's fee: this share of the goods amount (rounded to cents)
FEE_RATE = Decimal("0.03")

#: lifecycle step durations in simulated seconds
PENDING_SECONDS = 120.0
PROCESSING_SECONDS = 600.0
SHIPPED_SECONDS = 1800.0
#: a JWT lives 24 hours; envelope timestamps may differ from real time by 5 minutes
JWT_TTL = 24 * 3600.0
TIMESTAMP_WINDOW = 300.0

CATEGORY_ELECTRONICS = 1001
CATEGORY_HOME = 1002
CATEGORY_CLOTHING = 1003

GOODS_EARBUDS = 601099512340001
SKU_EARBUDS_WHITE = 17592186040011
SKU_EARBUDS_BLACK = 17592186040012
GOODS_CHARGER = 601099512340002
SKU_CHARGER_US = 17592186040021
SKU_CHARGER_EU = 17592186040022
GOODS_BOTTLE = 601099512340003
SKU_BOTTLE_SILVER = 17592186040031
SKU_BOTTLE_BLACK = 17592186040032
GOODS_UTENSILS = 601099512340004
SKU_UTENSILS_SET = 17592186040041
GOODS_TSHIRT = 601099512340005
SKU_TSHIRT_M = 17592186040051
SKU_TSHIRT_L = 17592186040052
SKU_TSHIRT_XL = 17592186040053
GOODS_RAIN_JACKET = 601099512340006
SKU_RAIN_JACKET_S = 17592186040061
SKU_RAIN_JACKET_M = 17592186040062

# ----------------------------------------------------------------------------- catalogue (data/*.json)
SANDBOX_CATEGORIES: list[dict[str, Any]] = load_json(_DATA, "categories")
#: the seeded Temu catalogue: goods with their SKUs and prices (USD)
SANDBOX_GOODS: list[dict[str, Any]] = load_json(_DATA, "goods")
#: a receiver that passes validation, for demos
SANDBOX_RECEIVER: dict[str, str] = load_json(_DATA, "receiver")


def sandbox_connection(url: str) -> dict[str, Any]:
    """The Airflow connection (``AIRFLOW_CONN_*`` JSON form) that reaches this sandbox at ``url``."""
    return {
        "conn_type": "hishopping",
        "host": url,
        "login": SANDBOX_EMAIL,
        "password": SANDBOX_PASSWORD,
        "extra": {
            "app_id": SANDBOX_APP_ID,
            "secret_key": SANDBOX_SECRET_KEY,
            "sign_secret": SANDBOX_SIGN_KEY,
        },
    }
