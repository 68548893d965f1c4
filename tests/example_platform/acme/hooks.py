"""ACME Parcels hook: token auth, the ``{"code", "data"}`` envelope, one method per call."""

from __future__ import annotations

from typing import Any

import httpx

from acme.constants import BAD_TOKEN, DUPLICATE, OK, TOKEN_PATH
from airflow_provider.common.auth import Token
from airflow_provider.common.errors import AuthError, BadRequestError, DuplicateError
from airflow_provider.common.hooks import ApiHook


class AcmeHook(ApiHook):
    """
    Talk to ACME Parcels.

    :param acme_conn_id: the connection (login = account, extra ``api_secret``).
    """

    conn_name_attr = "acme_conn_id"
    default_conn_name = "acme_default"
    conn_type = "acme"
    hook_name = "ACME Parcels"
    platform = "acme"
    default_base_url = "https://acme.invalid"
    endpoints = {"token": TOKEN_PATH, "create": "/v1/parcels", "statuses": "/v1/parcels/status"}
    secret_extras = ("api_secret",)

    def fetch_token(self) -> Token:
        extra = self.connection.extra_dejson
        body = {"account": self.connection.login, "secret": extra.get("api_secret")}
        data = self.request("POST", self.endpoint("token"), json=body, auth=False, idempotent=True)
        return Token.with_ttl(data["token"], float(data["ttl"]))

    def check_response(self, response: httpx.Response) -> Any:
        body = self.json_body(response)
        if body.get("code") == OK:
            return body.get("data")
        kind = {BAD_TOKEN: AuthError, DUPLICATE: DuplicateError}.get(body.get("code"), BadRequestError)
        raise kind(
            self.platform, str(body.get("message")), http_status=response.status_code, code=body.get("code")
        )

    def probe(self) -> str:
        self.fetch_statuses([])
        return "ACME Parcels answered"

    def create_parcel(self, parcel_id: str, weight_g: int) -> dict[str, Any]:
        body = {"parcel_id": parcel_id, "weight_g": weight_g}
        return dict(self.request("POST", self.endpoint("create"), json=body, idempotent=False))

    def fetch_statuses(self, ids: list[str]) -> dict[str, str]:
        return dict(self.request("POST", self.endpoint("statuses"), json=ids, idempotent=True))

    async def afetch_statuses(self, ids: list[str]) -> dict[str, str]:
        return dict(await self.arequest("POST", self.endpoint("statuses"), json=ids, idempotent=True))
