"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point.

Connection forms are declarative (Airflow >= 3.2 reads them without importing the hooks);
secrets are ``format: password``. Keep this module free of imports (the package's own
``__version__`` aside: the package is already imported to reach this module).
"""

from __future__ import annotations

from typing import Any

from airflow_provider import __version__

PLATFORMS = ("hypersku", "supership", "chao8", "hishopping")
_NAMES = {
    "hypersku": "HyperSKU",
    "supership": "SuperShip",
    "chao8": "超8 (Chao8)",
    "hishopping": "HiShopping",
}
_HOOKS = {
    "hypersku": "HyperSkuHook",
    "supership": "SuperShipHook",
    "chao8": "Chao8Hook",
    "hishopping": "HiShoppingHook",
}
_DOCS = {
    "hypersku": "https://www.hypersku.com/",
    "supership": "https://docs.developers.supership.vn/",
    "chao8": "https://developers.yesno.com.cn/",
    "hishopping": "https://hishopping.xyz/",
}


def _text(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], **schema}}


def _secret(label: str, description: str) -> dict[str, Any]:
    return _text(label, description, format="password")


def _number(label: str, description: str, minimum: float = 0) -> dict[str, Any]:
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["number", "null"], "minimum": minimum},
    }


_COMMON_FIELDS: dict[str, Any] = {
    "timeout": _number("Timeout (s)", "Read/write timeout of each call in seconds (default 30)."),
    "max_concurrency": _number(
        "Max concurrency", "Calls in flight at once for bulk operators (default 16).", 1
    ),
    "verify": {
        "label": "Verify TLS",
        "description": "Verify the server's TLS certificate (default true). A CA bundle path also works.",
        "schema": {"type": ["boolean", "null"], "default": True},
    },
    # Airflow masks any extra named like a proxy (its URL may carry a password): a secret here too.
    "proxy": _secret("Proxy URL", "Optional HTTP(S) proxy, e.g. http://user:password@proxy:3128."),
    "endpoints": {
        "label": "Endpoint overrides",
        "description": "JSON object {endpoint name: path} correcting documented or inferred paths.",
        "schema": {"type": ["object", "null"], "format": "json"},
    },
}

_CONNECTIONS: dict[str, dict[str, Any]] = {
    "hypersku": {
        "conn-fields": {
            "auth_mode": {
                "label": "Auth mode",
                "description": "password: username + password token; oauth2: refresh token of an authorised app.",
                "schema": {"type": ["string", "null"], "enum": ["password", "oauth2"], "default": "password"},
            },
            "store_code": _text(
                "Store code", "Your HyperSKU store code (needed to look orders up by thirdOrderId)."
            ),
            "api_key": _secret("API key", "Optional API key sent on the token call."),
            "client_id": _text("OAuth2 client id", "clientId of your registered app (oauth2 mode)."),
            "client_secret": _secret("OAuth2 client secret", "clientSecret of your app (oauth2 mode)."),
            "refresh_token": _secret(
                "OAuth2 refresh token", "From `python -m airflow_provider.hypersku.oauth` (oauth2 mode)."
            ),
            "session_ttl": _number(
                "Token TTL (s)",
                "Lifetime to assume when the token carries no exp (default 3600). Was token_ttl.",
            ),
            "auth_scheme": {
                "label": "Authorization scheme",
                "description": "Empty (default): the raw token, as HyperSKU's clients send it; or 'Bearer'. "
                "Was auth_header_prefix.",
                "schema": {"type": ["string", "null"], "enum": ["", "Bearer"], "default": ""},
            },
            **_COMMON_FIELDS,
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {"host": "Base URL", "login": "Username"},
            "placeholders": {
                "host": "https://api.hypersku.com (empty = production)",
                "login": "API username",
            },
        },
    },
    "supership": {
        "conn-fields": {
            "auth_mode": {
                "label": "Auth mode",
                "description": "token: the password field holds a personal access token; password: password grant.",
                "schema": {"type": ["string", "null"], "enum": ["token", "password"], "default": "token"},
            },
            "client_id": _text("Client id", "client_id issued to the partner (password mode)."),
            "client_secret": _secret("Client secret", "client_secret issued to the partner (password mode)."),
            "partner_secret": _secret(
                "Partner code", "The partner secret code (password mode). Was partner."
            ),
            **_COMMON_FIELDS,
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {
                "host": "Base URL",
                "login": "Shop e-mail",
                "password": "Password or access token",
            },
            "placeholders": {"host": "https://api.mysupership.vn (empty = production)"},
        },
    },
    "chao8": {
        "conn-fields": {
            "session_ttl": _number(
                "Token TTL (s)",
                "Used only when the token answer carries no TTL (default 28800). Was token_ttl.",
            ),
            **_COMMON_FIELDS,
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {"host": "Gateway URL", "login": "Access key", "password": "Application secret"},
            "placeholders": {"host": "https://sapi.supercarrier8.com (empty = production)"},
        },
    },
    "hishopping": {
        "conn-fields": {
            "app_id": _text("App ID", "Open API App ID."),
            "secret_key": _secret(
                "Secret key", "Open API Secret Key (the dashboard's API Key): AES-256-GCM."
            ),
            "sign_secret": _secret("Sign key", "Open API Sign Key: HMAC-SHA256 signature. Was sign_key."),
            **_COMMON_FIELDS,
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port"],
            "relabeling": {"host": "Base URL", "login": "E-mail"},
            "placeholders": {"host": "https://hishopping.xyz (empty = production)"},
        },
    },
}

_OPERATOR_MODULES = [f"airflow_provider.{p}.operators" for p in PLATFORMS]
_SENSOR_MODULES = [f"airflow_provider.{p}.sensors" for p in PLATFORMS]


def get_provider_info() -> dict[str, Any]:
    """The provider's metadata dict (validated by Airflow against its provider info schema)."""
    return {
        "package-name": "airflow-provider-fulfillment",
        "versions": [__version__],
        "name": "Fulfillment (HyperSKU, SuperShip, 超8, HiShopping)",
        "description": "Hooks, operators, sensors and a sandbox for HyperSKU, SuperShip, 超8 and HiShopping.",
        "integrations": [
            {"integration-name": _NAMES[p], "external-doc-url": _DOCS[p], "tags": ["service"]}
            for p in PLATFORMS
        ],
        "hooks": [
            {"integration-name": _NAMES[p], "python-modules": [f"airflow_provider.{p}.hooks"]}
            for p in PLATFORMS
        ],
        "operators": [
            {"integration-name": _NAMES[p], "python-modules": [module]}
            for p, module in zip(PLATFORMS, _OPERATOR_MODULES, strict=True)
        ],
        "sensors": [
            {"integration-name": _NAMES[p], "python-modules": [module]}
            for p, module in zip(PLATFORMS, _SENSOR_MODULES, strict=True)
        ],
        "triggers": [
            {"integration-name": _NAMES[p], "python-modules": ["airflow_provider.common.triggers"]}
            for p in PLATFORMS
        ],
        "extra-links": ["airflow_provider.supership.operators.SuperShipLabelLink"],
        "connection-types": [
            {
                "connection-type": p,
                "hook-class-name": f"airflow_provider.{p}.hooks.{_HOOKS[p]}",
                "hook-name": _NAMES[p],
                **_CONNECTIONS[p],
            }
            for p in PLATFORMS
        ],
    }
