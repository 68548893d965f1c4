"""
Any operation of the 超8 catalogue by its seed name: :meth:`CatalogueCalls.call_operation`.

Plain JSON in and out, for the operations that have no typed method (marketing, codes, quality
inspection ...; see :mod:`airflow_provider.chao8.operations`). The token, envelope, errors and
retries are the hook's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from airflow_provider.chao8 import operations
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.common.api_call import ApiCall


def _plain(data: Any) -> Any:
    """A generic operation's ``data`` as it came (plain JSON)."""
    return data


def _jsonable(body: Any) -> Any:
    """A body for a generic operation: models dumped with the vendor's names, JSON as given."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(body, list | tuple):
        return [_jsonable(item) for item in body]
    return body


class CatalogueCalls(Chao8Client):
    """The generic catalogue call of ``Chao8Hook``."""

    def _operation(
        self,
        name: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        path_params: Mapping[str, Any] | None = None,
    ) -> ApiCall[Any]:
        """The call of operation ``name``, checked before anything is sent."""
        try:
            op = operations.find(name)
        except KeyError as err:
            raise ValueError(str(err.args[0])) from None
        if op.deprecated:
            raise ValueError(
                f"超8 operation {op.name!r} is deprecated in the vendor's documentation (作废/废弃): "
                "it is listed, not implemented"
            )
        if op.key == "token":
            raise ValueError("获取 AccessToken is the hook's own token flow: use get_token()")
        given = {str(key): value for key, value in (path_params or {}).items()}
        missing = [param for param in op.path_params if given.get(param) in (None, "")]
        unknown = sorted(set(given) - set(op.path_params))
        if missing or unknown:
            raise ValueError(
                f"超8 operation {op.name!r} ({op.method} {op.path}): "
                + "; ".join(
                    part
                    for part in (
                        f"path_params {missing} missing" if missing else "",
                        f"path_params {unknown} unknown" if unknown else "",
                    )
                    if part
                )
            )
        if body is not None and op.method == "GET":
            raise ValueError(f"超8 operation {op.name!r} is a GET: give params, not body")
        return ApiCall(
            op.method,
            self.endpoint(op.key, **given),
            _plain,
            json=_jsonable(body),
            params=params,
            idempotent=True if op.read_only else None,
        )

    def call_operation(
        self,
        name: str,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        path_params: Mapping[str, Any] | None = None,
    ) -> Any:
        """
        Call any operation of the 超8 navigation by its seed name (or key) and return its ``data``.

        Plain JSON in and out (pydantic models are dumped with the vendor's field names); the
        envelope, token and retries are the hook's. Queries are resent when an answer is lost;
        changes are not. Deprecated (作废/废弃) pages are refused.

        :param name: the page's name as the vendor's navigation writes it (``库存动态汇总``,
            ``营销用户分页列表``) or its key in :mod:`airflow_provider.chao8.operations`.
        :param body: the JSON body (POST/PUT/DELETE).
        :param params: query parameters.
        :param path_params: the path's ``{param}`` values (``{"order_no": "LO-1"}``).
        """
        return self.call(self._operation(name, body, params, path_params))
