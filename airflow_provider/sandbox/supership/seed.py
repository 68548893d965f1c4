"""SuperShip sandbox seed: the account it accepts, Vietnamese areas, warehouses, goods, receivers.

The data lives in ``data/*.json`` (areas: provinces -> districts -> communes, by code).
"""

from __future__ import annotations

from typing import Any

from airflow_provider.sandbox.kit import load_json

_DATA = __package__ or "airflow_provider.sandbox.supership"

# ----------------------------------------------------------------------------- credentials
#: password grant (the values of SuperShip's own documentation example)
SANDBOX_CLIENT_ID = "AZN6QUo40w"
SANDBOX_CLIENT_SECRET = "C4fFVeFPkISEDQ8acNo9oSHUd8yIGuvoLWJdX9zY"  # noqa: S105 - the offline sandbox's published test secret
SANDBOX_EMAIL = "hmn.store@gmail.com"
SANDBOX_USERNAME = SANDBOX_EMAIL
SANDBOX_PASSWORD = "323423"  # noqa: S105 - the offline sandbox's published test password
SANDBOX_PARTNER = "lPxLuxfiTotCyZ1ZnQjMepUL24HLd05ybNBhVGFN"
#: a personal access token the sandbox always accepts (unless ``revoke_personal_token()``)
SANDBOX_PERSONAL_TOKEN = "ZT2PS0pmHPHDKjRu6EMIcoM8rFM8XYHZ1Ye3zRiQ"  # noqa: S105 - the offline sandbox's published test token
#: seconds a password-grant token lives (SuperShip's example: one year)
TOKEN_TTL = 31536000
#: the shop id inside sandbox order codes
SHOP_ID = "983262"


# ----------------------------------------------------------------------------- areas (data/areas.json)
#: ``{province code: {"name", "districts": {district code: {"name", "communes": {code: name}}}}}``
SANDBOX_AREAS: dict[str, dict[str, Any]] = load_json(_DATA, "areas")
HO_CHI_MINH, HA_NOI, DA_NANG = "79", "01", "48"
SANDBOX_PROVINCE_NAMES = {code: data["name"] for code, data in SANDBOX_AREAS.items()}
_REGION = {"01": "N", "31": "N", "46": "C", "48": "C", "56": "C", "74": "S", "75": "S", "79": "S", "92": "S"}
_CITY_CODE = {
    "01": "HNI",
    "31": "HPG",
    "46": "HUE",
    "48": "DNG",
    "56": "KHA",
    "74": "BDG",
    "75": "DNI",
    "79": "SGN",
    "92": "CTO",
}

# ----------------------------------------------------------------------------- seed data (data/*.json)
#: the pickup warehouses of the sandbox account (SuperShip's documentation examples)
SANDBOX_WAREHOUSES: list[dict[str, str]] = load_json(_DATA, "warehouses")
#: the default pickup warehouse code (Hồ Chí Minh) and the Hà Nội one
SANDBOX_PICKUP_CODE = "WCQ1I07047"
SANDBOX_PICKUP_CODE_HANOI = "WLKGT07050"
#: products a demo can put in ``products`` (``product_type`` "2"); prices VND, weights grams
SANDBOX_PRODUCTS: list[dict[str, Any]] = load_json(_DATA, "products")
#: receivers with valid addresses in three cities
SANDBOX_RECEIVERS: list[dict[str, str]] = load_json(_DATA, "receivers")


def sample_order(soc: str, receiver: int = 0, *, cod: int = 220000, **overrides: Any) -> dict[str, Any]:
    """
    A valid create-order body for the sandbox (and for production, with real addresses).

    :param soc: your own order code (keywords such as ``FAIL`` choose the sandbox path).
    :param receiver: index into :data:`SANDBOX_RECEIVERS`.
    :param cod: COD amount to collect (VND).
    """
    products = SANDBOX_PRODUCTS[:2]
    order: dict[str, Any] = {
        "pickup_code": SANDBOX_PICKUP_CODE,
        **SANDBOX_RECEIVERS[receiver % len(SANDBOX_RECEIVERS)],
        "amount": cod,
        "value": sum(p["price"] for p in products),
        "weight": sum(p["weight"] for p in products),
        "soc": soc,
        "note": "Giao giờ hành chính",
        "service": "1",
        "config": "1",
        "payer": "1",
        "product_type": "2",
        "products": [{**p, "quantity": 1} for p in products],
    }
    order.update(overrides)
    return order


def sandbox_connection(url: str, *, auth_mode: str = "token") -> dict[str, Any]:
    """
    The Airflow connection (``AIRFLOW_CONN_SUPERSHIP_DEFAULT`` JSON) for a sandbox at ``url``.

    :param auth_mode: ``token`` (personal access token) or ``password`` (password grant).
    """
    extra: dict[str, Any] = {"auth_mode": auth_mode, "print_url": f"{url.rstrip('/')}/orders/awb"}
    if auth_mode == "password":
        extra.update(
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            partner_secret=SANDBOX_PARTNER,
        )
        return {
            "conn_type": "supership",
            "host": url,
            "login": SANDBOX_EMAIL,
            "password": SANDBOX_PASSWORD,
            "extra": extra,
        }
    return {"conn_type": "supership", "host": url, "password": SANDBOX_PERSONAL_TOKEN, "extra": extra}
