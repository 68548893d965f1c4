"""
The platform registry: one declaration per platform, read by everything that lists platforms.

``get_provider_info`` (connection types, hooks, operators, sensors), the sandbox cluster and its
command, the demo, the benchmarks and the cross-platform tests all read :func:`platforms`.
Plain data only: Airflow calls ``get_provider_info`` without importing hooks and every DAG parse
may import this module, so nothing here imports a hook, a sandbox or a third-party library.

Adding a platform = one :class:`Platform` entry in :data:`BUILTIN_PLATFORMS` (or a
:func:`register` call from a package of your own); see ``docs/adding-a-platform.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# ----------------------------------------------------------------------------- conn-field helpers


def text_field(label: str, description: str, **schema: Any) -> dict[str, Any]:
    """A declarative ``conn-fields`` entry holding text (``schema`` adds enum, default, ...)."""
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], **schema}}


def secret_field(label: str, description: str) -> dict[str, Any]:
    """A secret text field: hidden in the UI form. Its name must contain a word Airflow masks
    (``secret``, ``password``, ``token``, ``api_key``, ...): masking goes by name, not format."""
    return text_field(label, description, format="password")


def number_field(label: str, description: str, minimum: float = 0) -> dict[str, Any]:
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["number", "null"], "minimum": minimum},
    }


#: extras every platform's hook reads (``ApiHook``'s per-connection settings)
COMMON_FIELDS: Mapping[str, Any] = {
    "timeout": number_field("Timeout (s)", "Read/write timeout of each call in seconds (default 30)."),
    "max_concurrency": number_field(
        "Max concurrency", "Calls in flight at once for bulk operators (default 16).", 1
    ),
    "max_concurrency_cap": number_field(
        "Max concurrency cap",
        "Upper bound on calls in flight for any operator on this connection, even one asking for more.",
        1,
    ),
    "verify": {
        "label": "Verify TLS",
        "description": "Verify the server's TLS certificate (default true). A CA bundle path also works.",
        "schema": {"type": ["boolean", "null"], "default": True},
    },
    # Airflow masks any extra named like a proxy (its URL may carry a password): a secret here too.
    "proxy": secret_field("Proxy URL", "Optional HTTP(S) proxy, e.g. http://user:password@proxy:3128."),
    "endpoints": {
        "label": "Endpoint overrides",
        "description": "JSON object {endpoint name: path} correcting documented or inferred paths.",
        "schema": {"type": ["object", "null"], "format": "json"},
    },
}


# ----------------------------------------------------------------------------- the declaration


@dataclass(frozen=True)
class Platform:
    """
    Everything the package says about one platform, as plain data.

    :param name: the registry key, the connection type and the package name
        (``airflow_provider.<name>`` unless ``package`` says otherwise).
    :param display_name: shown in the UI and the docs.
    :param hook_class: dotted path of the hook class (never imported here).
    :param docs_url: the vendor's API documentation.
    :param conn_fields: the declarative ``conn-fields`` of the connection form (extras).
    :param ui_field_behaviour: hidden fields, relabelling and placeholders of the form.
    :param simulator: the sandbox package exporting ``SIMULATOR`` (a
        :class:`airflow_provider.sandbox.kit.Simulator`); empty when there is none.
    :param example_dag_ids: the platform's example DAGs (run by the demo).
    :param package: the platform's package (default ``airflow_provider.<name>``).
    :param modules: the kinds of module the package has, for provider info
        (``operators``, ``sensors``).
    :param extra_links: dotted paths of operator extra links.
    :param renamed_extras: ``{new name: old name}`` of renamed extras; hooks still read the old
        name as a read-only alias.
    :param asset_datasets: what the platform's operators change or export, the ``<dataset>`` of
        its asset URIs ``<name>://<conn id>/<dataset>`` (see ``airflow_provider.common.assets``).
    """

    name: str
    display_name: str
    hook_class: str
    docs_url: str
    conn_fields: Mapping[str, Any]
    ui_field_behaviour: Mapping[str, Any]
    simulator: str = ""
    example_dag_ids: tuple[str, ...] = ()
    package: str = ""
    modules: tuple[str, ...] = ("operators", "sensors")
    extra_links: tuple[str, ...] = ()
    renamed_extras: Mapping[str, str] = field(default_factory=dict)
    asset_datasets: tuple[str, ...] = ()

    @property
    def conn_type(self) -> str:
        return self.name

    @property
    def default_conn_id(self) -> str:
        return f"{self.name}_default"

    @property
    def package_name(self) -> str:
        return self.package or f"airflow_provider.{self.name}"

    @property
    def hook_module(self) -> str:
        return self.hook_class.rpartition(".")[0]

    def module(self, kind: str) -> str:
        """``operators`` -> ``airflow_provider.<name>.operators``."""
        return f"{self.package_name}.{kind}"

    @property
    def secret_fields(self) -> frozenset[str]:
        """Extras hidden in the form (``format: password``)."""
        return frozenset(
            name
            for name, spec in self.conn_fields.items()
            if spec.get("schema", {}).get("format") == "password"
        )

    @property
    def secret_extras(self) -> tuple[str, ...]:
        """Extras the hook registers with log masking: the secret fields and their old names."""
        old = {self.renamed_extras[name] for name in self.secret_fields if name in self.renamed_extras}
        return tuple(sorted(self.secret_fields | old))

    @property
    def hook_conn_id_param(self) -> str:
        """The hook's first parameter (and ``conn_name_attr``): ``<name>_conn_id``."""
        return f"{self.name}_conn_id"

    def connection_type_info(self) -> dict[str, Any]:
        """This platform's entry of provider info's ``connection-types``."""
        return {
            "connection-type": self.conn_type,
            "hook-class-name": self.hook_class,
            "hook-name": self.display_name,
            "conn-fields": dict(self.conn_fields),
            "ui-field-behaviour": dict(self.ui_field_behaviour),
        }


# ----------------------------------------------------------------------------- the four platforms

_FORM_HIDDEN = ["schema", "port"]

BUILTIN_PLATFORMS: tuple[Platform, ...] = (
    Platform(
        name="hypersku",
        display_name="HyperSKU",
        hook_class="airflow_provider.hypersku.hooks.HyperSkuHook",
        docs_url="https://www.hypersku.com/",
        simulator="airflow_provider.sandbox.hypersku",
        example_dag_ids=("hypersku_dropship_fulfilment",),
        conn_fields={
            "auth_mode": {
                "label": "Auth mode",
                "description": "password: username + password token; oauth2: refresh token of an authorised app.",
                "schema": {"type": ["string", "null"], "enum": ["password", "oauth2"], "default": "password"},
            },
            "store_code": text_field(
                "Store code",
                "Your HyperSKU store code: every create looks its order up by thirdOrderId with it first "
                "(a create fails without it unless lookup_first=False).",
            ),
            "api_key": secret_field("API key", "Optional API key sent on the token call."),
            "client_id": text_field("OAuth2 client id", "clientId of your registered app (oauth2 mode)."),
            "client_secret": secret_field("OAuth2 client secret", "clientSecret of your app (oauth2 mode)."),
            "refresh_token": secret_field(
                "OAuth2 refresh token", "From `python -m airflow_provider.hypersku.oauth` (oauth2 mode)."
            ),
            "session_ttl": number_field(
                "Token TTL (s)",
                "Lifetime to assume when the token carries no exp (default 3600). Was token_ttl.",
            ),
            "auth_scheme": {
                "label": "Authorization scheme",
                "description": "Empty (default): the raw token, as HyperSKU's clients send it; or 'Bearer'. "
                "Was auth_header_prefix.",
                "schema": {"type": ["string", "null"], "enum": ["", "Bearer"], "default": ""},
            },
            **COMMON_FIELDS,
        },
        ui_field_behaviour={
            "hidden-fields": _FORM_HIDDEN,
            "relabeling": {"host": "Base URL", "login": "Username"},
            "placeholders": {
                "host": "https://api.hypersku.com (empty = production)",
                "login": "API username",
            },
        },
        renamed_extras={"auth_scheme": "auth_header_prefix", "session_ttl": "token_ttl"},
        asset_datasets=("orders", "order-exports", "stock-order-exports"),
    ),
    Platform(
        name="supership",
        display_name="SuperShip",
        hook_class="airflow_provider.supership.hooks.SuperShipHook",
        docs_url="https://docs.developers.supership.vn/",
        simulator="airflow_provider.sandbox.supership",
        example_dag_ids=("supership_cod_delivery",),
        extra_links=("airflow_provider.supership.operators.SuperShipLabelLink",),
        conn_fields={
            "auth_mode": {
                "label": "Auth mode",
                "description": "token: the password field holds a personal access token; password: password grant.",
                "schema": {"type": ["string", "null"], "enum": ["token", "password"], "default": "token"},
            },
            "client_id": text_field("Client id", "client_id issued to the partner (password mode)."),
            "client_secret": secret_field(
                "Client secret", "client_secret issued to the partner (password mode)."
            ),
            "partner_secret": secret_field(
                "Partner code", "The partner secret code (password mode). Was partner."
            ),
            **COMMON_FIELDS,
        },
        ui_field_behaviour={
            "hidden-fields": _FORM_HIDDEN,
            "relabeling": {
                "host": "Base URL",
                "login": "Shop e-mail",
                "password": "Password or access token",
            },
            "placeholders": {"host": "https://api.mysupership.vn (empty = production)"},
        },
        renamed_extras={"partner_secret": "partner"},
        asset_datasets=("parcels", "warehouses", "webhooks"),
    ),
    Platform(
        name="chao8",
        display_name="超8 (Chao8)",
        hook_class="airflow_provider.chao8.hooks.Chao8Hook",
        docs_url="https://developers.yesno.com.cn/",
        simulator="airflow_provider.sandbox.chao8",
        example_dag_ids=("chao8_traceability_sync",),
        conn_fields={
            "session_ttl": number_field(
                "Token TTL (s)",
                "Used only when the token answer carries no TTL (default 28800). Was token_ttl.",
            ),
            **COMMON_FIELDS,
        },
        renamed_extras={"session_ttl": "token_ttl"},
        asset_datasets=(
            "production-orders",
            "logistics-orders",
            "products",
            "dealers",
            "stores",
            "audits",
            "report-exports",
            "code-exports",
            "scan-exports",
            "audit-exports",
        ),
        ui_field_behaviour={
            "hidden-fields": _FORM_HIDDEN,
            "relabeling": {"host": "Gateway URL", "login": "Access key", "password": "Application secret"},
            "placeholders": {"host": "https://sapi.supercarrier8.com (empty = production)"},
        },
    ),
    Platform(
        name="hishopping",
        display_name="HiShopping",
        hook_class="airflow_provider.hishopping.hooks.HiShoppingHook",
        docs_url="https://hishopping.xyz/",
        simulator="airflow_provider.sandbox.hishopping",
        example_dag_ids=("hishopping_temu_sourcing",),
        conn_fields={
            "app_id": text_field("App ID", "Open API App ID."),
            "secret_key": secret_field(
                "Secret key", "Open API Secret Key (the dashboard's API Key): AES-256-GCM."
            ),
            "sign_secret": secret_field(
                "Sign key", "Open API Sign Key: HMAC-SHA256 signature. Was sign_key."
            ),
            "keys_variable": text_field(
                "Rotated keys Variable",
                "Airflow Variable where HiShoppingRotateKeysOperator stores rotated keys; its keys win "
                "over the two above when its App ID matches. Its name must contain 'secret'.",
            ),
            **COMMON_FIELDS,
        },
        ui_field_behaviour={
            "hidden-fields": _FORM_HIDDEN,
            "relabeling": {"host": "Base URL", "login": "E-mail"},
            "placeholders": {"host": "https://hishopping.xyz (empty = production)"},
        },
        renamed_extras={"sign_secret": "sign_key"},
        asset_datasets=("purchases", "merchant"),
    ),
)

# ----------------------------------------------------------------------------- the registry

_REGISTRY: dict[str, Platform] = {platform.name: platform for platform in BUILTIN_PLATFORMS}


def platforms() -> tuple[Platform, ...]:
    """Every registered platform, in registration order (the four built-ins first)."""
    return tuple(_REGISTRY.values())


def platform_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_platform(name: str) -> Platform:
    """The platform called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown platform {name!r}; known: {', '.join(_REGISTRY)}") from None


def register(platform: Platform, *, replace: bool = False) -> Platform:
    """Add ``platform`` to the registry (a package of your own calls this at import)."""
    if platform.name in _REGISTRY and not replace:
        raise ValueError(f"platform {platform.name!r} is already registered")
    _REGISTRY[platform.name] = platform
    return platform


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


@contextmanager
def registered(platform: Platform) -> Iterator[Platform]:
    """``with registered(platform):`` the platform is in the registry for the block (tests)."""
    register(platform)
    try:
        yield platform
    finally:
        unregister(platform.name)
