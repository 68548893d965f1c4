"""Provider metadata read by Airflow through the ``apache_airflow_provider`` entry point.

Connection forms are declarative (Airflow >= 3.2 reads them without importing the hooks);
secrets are ``format: password``. Everything per platform comes from the registry
(:mod:`airflow_provider.platforms`, plain data): this module imports no hook.
"""

from __future__ import annotations

from typing import Any

from airflow_provider import __version__
from airflow_provider.platforms import platforms

TRIGGER_MODULE = "airflow_provider.common.triggers"
#: the order status event triggers' shared core (for ``AssetWatcher``)
EVENT_TRIGGER_MODULE = "airflow_provider.common.event_triggers"
ASSETS_MODULE = "airflow_provider.common.assets"


def get_provider_info() -> dict[str, Any]:
    """The provider's metadata dict (validated by Airflow against its provider info schema)."""
    registered = platforms()
    names = ", ".join(p.display_name.split(" ")[0] for p in registered)
    return {
        "package-name": "airflow-provider-fulfillment",
        "name": f"Fulfillment ({names})",
        "description": f"Hooks, operators, sensors and a sandbox for {names}.",
        "versions": [__version__],
        "integrations": [
            {"integration-name": p.display_name, "external-doc-url": p.docs_url, "tags": ["service"]}
            for p in registered
        ],
        "hooks": [
            {"integration-name": p.display_name, "python-modules": [p.hook_module]} for p in registered
        ],
        "operators": [
            {"integration-name": p.display_name, "python-modules": [p.module("operators")]}
            for p in registered
            if "operators" in p.modules
        ],
        "sensors": [
            {"integration-name": p.display_name, "python-modules": [p.module("sensors")]}
            for p in registered
            if "sensors" in p.modules
        ],
        "triggers": [
            {"integration-name": p.display_name, "python-modules": [TRIGGER_MODULE, EVENT_TRIGGER_MODULE]}
            for p in registered
        ],
        "extra-links": [link for p in registered for link in p.extra_links],
        "connection-types": [p.connection_type_info() for p in registered],
        # each platform's connection type is its asset URI scheme: <conn type>://<conn id>/<dataset>
        "asset-uris": [
            {
                "schemes": [p.conn_type for p in registered if p.asset_datasets],
                "handler": f"{ASSETS_MODULE}.normalize_uri",
                "factory": f"{ASSETS_MODULE}.create_asset",
                "to_openlineage_converter": f"{ASSETS_MODULE}.convert_asset_to_openlineage",
            }
        ],
    }
