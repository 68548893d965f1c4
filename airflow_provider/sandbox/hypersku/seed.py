"""HyperSKU sandbox seed: the accounts it accepts, its catalogue, stock and channels (``data/*.json``)."""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.kit import load_json

_DATA = __package__ or "airflow_provider.sandbox.hypersku"

# ----------------------------------------------------------------------------- credentials
SANDBOX_USERNAME = "sandbox@hypersku.test"
SANDBOX_PASSWORD = "sandbox-password"  # noqa: S105 - the offline sandbox's published test password
SANDBOX_STORE_CODE = "SANDBOX-STORE"
#: accepted on the token call (any key, or none, unless the backend has ``require_api_key``)
SANDBOX_API_KEY = "sandbox-api-key"
SANDBOX_CLIENT_ID = "sandbox-app"
SANDBOX_CLIENT_SECRET = "sandbox-app-secret"  # noqa: S105 - the offline sandbox's published test secret
SANDBOX_REDIRECT_URI = "http://localhost:8793/hypersku/callback"
#: a refresh token of SANDBOX_CLIENT_ID valid from start-up (rotated on first use)
SANDBOX_REFRESH_TOKEN = "sandbox-refresh-token"  # noqa: S105 - the offline sandbox's published test token

# ----------------------------------------------------------------------------- lifetimes (sandbox seconds)
SANDBOX_TOKEN_TTL = 2 * 3600
SANDBOX_REFRESH_TOKEN_TTL = 30 * 24 * 3600
SANDBOX_AUTH_CODE_TTL = 600

# ----------------------------------------------------------------------------- seed data (data/*.json)
#: country code -> (name, freight factor, delivery days offset)
SANDBOX_COUNTRIES: dict[str, tuple[str, float, int]] = {
    code: (row["name"], row["freight_factor"], row["days_offset"])
    for code, row in load_json(_DATA, "countries").items()
}
#: country code -> [(region code, region name)]
SANDBOX_REGIONS: dict[str, list[tuple[str, str]]] = {
    code: [(r["regionCode"], r["regionName"]) for r in rows]
    for code, rows in load_json(_DATA, "regions").items()
}
#: shipping channels: freight = (base + perKg * kg) * country factor; days + country offset
SANDBOX_LOGISTICS: tuple[dict[str, Any], ...] = tuple(load_json(_DATA, "logistics"))
SANDBOX_CURRENCY = "USD"
#: the public catalogue (``getProductInfo``); prices in USD, weights in kg
SANDBOX_PRODUCTS: tuple[dict[str, Any], ...] = tuple(load_json(_DATA, "products"))
#: your private (sourced) products (``getPrivateProduct``)
SANDBOX_PRIVATE_PRODUCTS: tuple[dict[str, Any], ...] = tuple(load_json(_DATA, "private_products"))
#: every orderable SKU id
SANDBOX_SKUS: tuple[str, ...] = tuple(
    sku["skuId"] for product in (*SANDBOX_PRODUCTS, *SANDBOX_PRIVATE_PRODUCTS) for sku in product["skus"]
)
#: your stock in HyperSKU warehouses at start-up: skuId -> (warehouse, available)
SANDBOX_INVENTORY: dict[str, tuple[str, int]] = {
    sku: (row["warehouseName"], row["available"]) for sku, row in load_json(_DATA, "inventory").items()
}
#: stock (inventory purchase) orders (``getStockOrderInfo``)
SANDBOX_STOCK_ORDERS: tuple[dict[str, Any], ...] = tuple(load_json(_DATA, "stock_orders"))
#: a valid order for demos (add ``thirdOrderId``)
SANDBOX_EXAMPLE_ORDER: dict[str, Any] = load_json(_DATA, "example_order")


def sandbox_connection(url: str, *, auth_mode: str = "password") -> dict[str, Any]:
    """
    The Airflow connection (``AIRFLOW_CONN_HYPERSKU_DEFAULT`` JSON form) for a sandbox at ``url``.

    :param auth_mode: ``password`` (the sandbox account) or ``oauth2`` (the sandbox app and its
        seeded refresh token, which the first refresh rotates).
    """
    extra: dict[str, Any] = {"auth_mode": auth_mode, "store_code": SANDBOX_STORE_CODE}
    if auth_mode == "oauth2":
        extra.update(
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            refresh_token=SANDBOX_REFRESH_TOKEN,
        )
        return {"conn_type": "hypersku", "host": url, "extra": extra}
    if auth_mode != "password":
        raise ValueError(f"auth_mode must be 'password' or 'oauth2', not {auth_mode!r}")
    return {
        "conn_type": "hypersku",
        "host": url,
        "login": SANDBOX_USERNAME,
        "password": SANDBOX_PASSWORD,
        "extra": extra,
    }
