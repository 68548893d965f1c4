"""
What every HyperSKU call shares: the AG-Admin envelope (:mod:`~airflow_provider.hypersku.envelope`)
and the shapes of its calls (a POST with a JSON body, one page of a table, a walk over all pages).

``HyperSkuHook`` is this base plus one class per resource
(:mod:`~airflow_provider.hypersku.auth`, :mod:`~airflow_provider.hypersku.logistics_calls`,
:mod:`~airflow_provider.hypersku.order_calls`, :mod:`~airflow_provider.hypersku.product_calls`);
each describes a call once as an :class:`~airflow_provider.common.hooks.ApiCall`, sent sync
(``call``) or async (``acall``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.hooks import ApiHook
from airflow_provider.common.models import ApiModel, Page
from airflow_provider.hypersku.envelope import (
    PLATFORM,
    check_envelope,
    check_token_answer,
    envelope_error,
    int_or_none,
    trace_id_of,
)
from airflow_provider.hypersku.model_fields import iter_rows

if TYPE_CHECKING:
    import httpx

#: a paged walk stops after this many pages whatever the answers say
MAX_PAGES = 10_000

ModelT = TypeVar("ModelT", bound=ApiModel)
R = TypeVar("R")


class HyperSkuBaseHook(ApiHook):
    """
    The HyperSKU envelope and call shapes, under every resource class of
    ``HyperSkuHook`` (use that hook, not this base).

    Endpoint names (``getToken``, ``create``, ...) are those of ``HyperSkuHook.endpoints``.
    """

    platform: ClassVar[str] = PLATFORM
    default_base_url: ClassVar[str] = "https://api.hypersku.com"
    #: paths answered by :func:`~airflow_provider.hypersku.envelope.check_token_answer` instead
    #: of :func:`~airflow_provider.hypersku.envelope.check_envelope`
    token_endpoints: ClassVar[tuple[str, ...]] = ("getToken", "accessToken", "refreshToken")

    def _extra_str(self, name: str) -> str:
        """A connection extra as a stripped string (empty when unset)."""
        return str(self.extra.get(name) or "").strip()

    def _is_token_path(self, path: str) -> bool:
        return path.endswith(self._token_paths)

    @cached_property
    def _token_paths(self) -> tuple[str, ...]:
        return tuple(self.endpoint(name) for name in self.token_endpoints)

    def check_response(self, response: httpx.Response) -> Any:
        """The AG-Admin envelope: body ``status`` decides, not only the HTTP status."""
        try:
            body = response.json()
        except ValueError:
            if response.status_code >= 400:
                raise envelope_error(
                    {}, http_status=response.status_code, trace_id=trace_id_of(None, response.headers)
                ) from None
            body = self.json_body(response)
        if self._is_token_path(response.request.url.path):
            return check_token_answer(body, http_status=response.status_code, headers=response.headers)
        return check_envelope(body, http_status=response.status_code, headers=response.headers)

    # ------------------------------------------------------------------ call shapes
    def _post(
        self, name: str, body: Any, parse: Callable[[Any], R], *, idempotent: bool = True, auth: bool = True
    ) -> ApiCall[R]:
        """``POST`` to endpoint ``name`` with a JSON body (token calls pass ``auth=False``)."""
        return ApiCall("POST", self.endpoint(name), parse, json=body, idempotent=idempotent, auth=auth)

    def _paged(
        self, name: str, model: type[ModelT], body: Mapping[str, Any], page: int, limit: int
    ) -> ApiCall[Page[ModelT]]:
        payload = {k: v for k, v in body.items() if v is not None}
        payload.update(page=page, limit=limit)
        return self._post(name, payload, lambda data: _page(model, data, page, limit))

    def _walk(self, name: str, model: type[ModelT], body: Mapping[str, Any], limit: int) -> Iterator[ModelT]:
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            result = self.call(self._paged(name, model, body, page, limit))
            yield from result.items
            seen += len(result.items)
            if _last_page(result, seen, limit):
                return

    async def _awalk(
        self, name: str, model: type[ModelT], body: Mapping[str, Any], limit: int
    ) -> AsyncIterator[ModelT]:
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            result = await self.acall(self._paged(name, model, body, page, limit))
            for item in result.items:
                yield item
            seen += len(result.items)
            if _last_page(result, seen, limit):
                return


def _page(model: type[ModelT], data: Any, page: int, limit: int) -> Page[ModelT]:
    rows = list(iter_rows(model, data))
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        total = int_or_none(data.get("total"))
    else:  # a plain list: the whole answer at once
        total = (page - 1) * limit + len(rows)
    return Page[model](items=rows, total=total, page=page, size=limit)  # type: ignore[valid-type]


def _last_page(result: Page[Any], seen: int, limit: int) -> bool:
    if not result.items or len(result.items) < limit:
        return True
    return result.total is not None and seen >= result.total
