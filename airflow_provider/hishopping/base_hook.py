"""
What HiShopping's two APIs share: the connection, its two sets of credentials, and the wire.

- Web API: ``login`` (e-mail) and ``password``; a JWT in ``Authorization: Bearer``
  (:mod:`~airflow_provider.hishopping.web_api`).
- Open API: the extras ``app_id``, ``secret_key`` and ``sign_secret`` (formerly ``sign_key``);
  every request body is sealed into a signed, encrypted envelope on its way out (:meth:`prepare`)
  and every answer is verified and opened on its way in (:meth:`check_response`; see
  :mod:`~airflow_provider.hishopping.answers`).

``HiShoppingHook`` is this base plus one class per
API resource group; each describes a call once as an :class:`~airflow_provider.common.hooks.ApiCall`
that is sent sync (``call``) or async (``acall``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import Any, ClassVar, Literal, TypeVar

import httpx
from pydantic import BaseModel

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.errors import ConfigurationError, ResponseError
from airflow_provider.common.hooks import ApiHook
from airflow_provider.common.models import Page
from airflow_provider.hishopping import answers, envelope, parsing
from airflow_provider.hishopping.keystore import read_stored_keys

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
#: which API a call goes through: ``auto`` = the open API when its keys are set, else the web API
Api = Literal["auto", "open", "web"]
#: the connection extras of the open API (``sign_secret`` formerly ``sign_key``)
OPEN_KEY_NAMES = ("app_id", "secret_key", "sign_secret")


class HiShoppingBaseHook(ApiHook):
    """
    The HiShopping connection: credentials of both APIs, sealing and opening the open API's
    envelopes, the answers' codes, one-object and page parsing, paged walks.

    :param hishopping_conn_id: the Airflow connection id.
    :param clock: Unix seconds now: stamps outgoing envelopes and judges the answers' timestamps.
    """

    registry_key = "hishopping"

    platform: ClassVar[str] = "hishopping"
    default_base_url: ClassVar[str] = "https://hishopping.xyz"

    def __init__(
        self,
        hishopping_conn_id: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        super().__init__(hishopping_conn_id, **kwargs)
        self.clock = clock
        #: keys regenerated through this hook (newest; win over the stored and the connection's)
        self._rotated: dict[str, str] = {}

    # ------------------------------------------------------------------ credentials
    @property
    def has_web_credentials(self) -> bool:
        """Whether the connection has a login (e-mail) and a password for the web API."""
        conn = self.connection
        return bool(conn.login and conn.password)

    @property
    def has_open_credentials(self) -> bool:
        """Whether App ID, Secret Key and Sign Key are all known (see :meth:`open_keys`)."""
        keys = self.open_keys()
        return all(keys.get(name) for name in OPEN_KEY_NAMES)

    @cached_property
    def stored_keys(self) -> dict[str, str]:
        """Keys a :class:`~airflow_provider.hishopping.operators.HiShoppingRotateKeysOperator`
        stored in the Airflow Variable named by the connection extra ``keys_variable`` (masked
        in logs as soon as they are read); empty when the extra is not set or the Variable is
        missing."""
        name = self.extra.get("keys_variable")
        return read_stored_keys(str(name)) if name else {}

    async def aload_connection(self) -> None:
        """The connection, and the stored keys it names, without blocking the event loop."""
        await super().aload_connection()
        name = self.extra.get("keys_variable")
        if name and "stored_keys" not in self.__dict__:
            from asgiref.sync import sync_to_async

            keys = await sync_to_async(read_stored_keys, thread_sensitive=False)(str(name))
            self.__dict__["stored_keys"] = keys

    def open_keys(self) -> dict[str, str]:
        """``{app_id, secret_key, sign_secret}``: keys regenerated through this hook first, then
        the stored (rotated) keys, then the connection extras."""
        keys = {name: str(self.extra[name]) for name in OPEN_KEY_NAMES if self.extra.get(name)}
        stored = self.stored_keys
        if keys.get("app_id") and stored.get("app_id") and stored["app_id"] != keys["app_id"]:
            log.warning(
                "%s: Variable %s holds keys of app %s, the connection is for app %s: not used",
                self.platform,
                self.extra.get("keys_variable"),
                stored["app_id"],
                keys["app_id"],
            )
            stored = {}
        return keys | stored | self._rotated

    def open_credentials(self) -> tuple[str, str, str]:
        """``(app_id, secret_key, sign_secret)``: see :meth:`open_keys`."""
        extra = self.open_keys()
        missing = [name for name in OPEN_KEY_NAMES if not extra.get(name)]
        if missing:
            raise ConfigurationError(
                self.platform,
                f"the open API needs connection extras {missing} (App ID, Secret Key, Sign Key)",
            )
        return str(extra["app_id"]), str(extra["secret_key"]), str(extra["sign_secret"])

    def resolve_api(self, api: str = "auto") -> Literal["open", "web"]:
        """Which API to use: ``auto`` = the open API when its keys are set, else the web API."""
        if api == "open":
            return "open"
        if api == "web":
            return "web"
        if api != "auto":
            raise ConfigurationError(self.platform, f"api must be 'auto', 'open' or 'web', not {api!r}")
        if self.has_open_credentials:
            return "open"
        if self.has_web_credentials:
            return "web"
        raise ConfigurationError(
            self.platform,
            "the connection has neither web credentials (login + password) nor open API extras "
            "(app_id, secret_key, sign_secret)",
        )

    # ------------------------------------------------------------------ the wire
    def _is_open(self, path: str) -> bool:
        """Whether ``path`` is an open API endpoint (an ``open_*`` entry of the endpoint table)."""
        endpoints = self.settings.endpoints
        return any(
            path.endswith(open_path) for name, open_path in endpoints.items() if name.startswith("open_")
        )

    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Open API paths: the business payload goes out sealed (fresh nonce, timestamp, iv)."""
        kwargs = super().prepare(method, path, json, params, headers)
        if self._is_open(path):
            app_id, secret_key, sign_key = self.open_credentials()
            # the fields only: an order's payload holds the receiver's name, address and phone
            log.debug(
                "%s %s payload fields: %s",
                self.platform,
                path,
                sorted(json) if isinstance(json, Mapping) else type(json).__name__,
            )
            kwargs["json"] = envelope.seal(
                json if json is not None else {},
                app_id=app_id,
                secret_key=secret_key,
                sign_key=sign_key,
                timestamp=int(self.clock()),
            )
        return kwargs

    def check_response(self, response: httpx.Response) -> Any:
        """Web API: ``{code, message, data}``. Open API: verify the signature, then decrypt."""
        body = answers.json_body(self.platform, response)
        if self._is_open(response.request.url.path):
            return answers.open_data(
                self.platform, response, body, keys=self.open_credentials, clock=self.clock
            )
        return answers.web_data(self.platform, response, body)

    # ------------------------------------------------------------------ parsing and paging
    def _one(self, model: type[M], what: str) -> Callable[[Any], M]:
        """Parse one object; an empty answer means there is no such object."""
        return parsing.one(self.platform, model, what)

    def _rows(self, model: type[M], page: int, size: int) -> Callable[[Any], Page[M]]:
        """Parse one page of ``model`` rows."""
        return parsing.rows(self.platform, model, page, size)

    def _walk(self, page_call: Callable[[int], ApiCall[Page[M]]]) -> Iterator[M]:
        """Every row, page after page to the end (see :func:`~.parsing.last_page`)."""
        seen = 0
        for number in range(1, parsing.MAX_PAGES + 1):
            page = self.call(page_call(number))
            seen += len(page.items)
            yield from page.items
            if parsing.last_page(page, seen):
                return
        raise ResponseError(self.platform, f"paging did not end after {parsing.MAX_PAGES} pages")

    async def _awalk(self, page_call: Callable[[int], ApiCall[Page[M]]]) -> list[M]:
        """Async :meth:`_walk`, collected."""
        rows: list[M] = []
        for number in range(1, parsing.MAX_PAGES + 1):
            page = await self.acall(page_call(number))
            rows += page.items
            if parsing.last_page(page, len(rows)):
                return rows
        raise ResponseError(self.platform, f"paging did not end after {parsing.MAX_PAGES} pages")
