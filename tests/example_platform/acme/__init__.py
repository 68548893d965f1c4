"""
ACME Parcels: the worked example of ``docs/adding-a-platform.md``, a fifth platform in 4 files.

This package is the client side (what would be ``airflow_provider/acme/``); its simulator is
``acme_sandbox`` (what would be ``airflow_provider/sandbox/acme/``). :data:`PLATFORM` is its one
registry entry; inside the package it would be one more item of ``BUILTIN_PLATFORMS``, here it
registers through the registry's public API.
"""

from __future__ import annotations

from airflow_provider.platforms import COMMON_FIELDS, Platform, secret_field

PLATFORM = Platform(
    name="acme",
    display_name="ACME Parcels",
    package="acme",
    hook_class="acme.hooks.AcmeHook",
    docs_url="https://acme.invalid/docs",
    simulator="acme_sandbox",
    modules=("sensors",),
    conn_fields={
        "api_secret": secret_field("API secret", "Sent on the token call with the login."),
        **COMMON_FIELDS,
    },
    ui_field_behaviour={
        "hidden-fields": ["schema", "port", "password"],
        "relabeling": {"host": "Base URL", "login": "Account"},
    },
)
