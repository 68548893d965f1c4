"""
SuperShip partner API hook: authentication, the envelope, and one typed method per endpoint.

:class:`SuperShipHook` is composed of one class per resource, over the base they share:

- :mod:`~airflow_provider.supership.base_hook`: the connection's auth mode, the request headers
  and the ``Success`` / ``Error`` envelope (errors classified by HTTP status);
- :mod:`~airflow_provider.supership.auth`: the personal access token or the password grant
  (login), and the registration of shop accounts;
- :mod:`~airflow_provider.supership.area_calls`: provinces, districts, communes and the place
  check of addresses;
- :mod:`~airflow_provider.supership.order_calls`: fee quote, create, order info, statuses,
  cancel, shipping labels;
- :mod:`~airflow_provider.supership.warehouse_calls`: pickup warehouses and the webhook.

Each call is described once (a ``*_call`` method returning an
:class:`~airflow_provider.common.hooks.ApiCall`) and sent sync; an async twin (``a`` prefix)
exists where an operator or the sensors' trigger awaits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from airflow_provider.supership.area_calls import AREA_ENDPOINTS, SuperShipAreaCalls
from airflow_provider.supership.auth import AUTH_ENDPOINTS, SuperShipAuth
from airflow_provider.supership.order_calls import ORDER_ENDPOINTS, SuperShipOrderCalls
from airflow_provider.supership.warehouse_calls import WAREHOUSE_ENDPOINTS, SuperShipWarehouseCalls


class SuperShipHook(SuperShipAuth, SuperShipAreaCalls, SuperShipOrderCalls, SuperShipWarehouseCalls):
    """
    Talk to the SuperShip partner API (``https://api.mysupership.vn/v1/partner``).

    Connection: ``password`` holds the personal access token (extra ``auth_mode: token``), or
    ``login`` = shop e-mail, ``password`` = password and extras ``client_id``,
    ``client_secret``, ``partner_secret`` (``auth_mode: password``). ``host`` is empty for production
    or the base URL of another deployment (the sandbox). Optional extras: ``timeout``,
    ``verify``, ``proxy``, ``max_concurrency``, ``endpoints`` (path overrides), ``print_url``
    (label print page).

    Area lists (provinces, districts, communes) are cached for the life of the hook.

    :param supership_conn_id: the Airflow connection id.
    """

    registry_key = "supership"

    endpoints: ClassVar[Mapping[str, str]] = {
        **AUTH_ENDPOINTS,
        **AREA_ENDPOINTS,
        **ORDER_ENDPOINTS,
        **WAREHOUSE_ENDPOINTS,
    }

    def __init__(self, supership_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(supership_conn_id, **kwargs)

    def probe(self) -> str:
        """The test button's read: the account's pickup warehouses."""
        warehouses = self.get_warehouses()
        return f"{len(warehouses)} warehouse(s) visible"
