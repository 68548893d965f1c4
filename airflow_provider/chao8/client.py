"""
What every 超8 call stands on: the token flow, the envelope and the shapes of order calls.

Authentication follows the vendor's 获取 AccessToken page to the letter: the hook sends the
access key and the lowercase MD5 hex of the application secret (never the secret), caches the
token for every task on every worker (the shared token store), refreshes after TTL - TTL/10,
refreshes and retries once on 20324012 / 20324013 / ``meta.status == 401``, and never loops on
the token call (one call per minute per application: 21185002 makes it wait and re-read the
store instead).

:class:`Chao8Client` is the base of the per-resource parts of
``Chao8Hook`` (production orders, logistics orders, products,
organisation, reports, audits, any catalogue operation).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8.calls import awalk, page_of
from airflow_provider.chao8.envelope import read_envelope
from airflow_provider.chao8.models import AccessToken, AccessTokenRequest
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.auth import Token, jwt_expiry
from airflow_provider.common.errors import ConfigurationError
from airflow_provider.common.hooks import ApiHook
from airflow_provider.common.masking import mask
from airflow_provider.common.models import ApiModel, Page

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>-?\d+(?:\.\d+)?)H)?(?:(?P<minutes>-?\d+(?:\.\d+)?)M)?(?:(?P<seconds>-?\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)


def parse_iso_duration(value: str | None) -> float | None:
    """Seconds of an ISO-8601 duration as Java's ``Duration`` writes it (``PT8H``, ``PT1H30M``, ``P1DT2H``)."""
    if not value:
        return None
    match = _ISO_DURATION.match(value.strip())
    if match is None or not any(match.groupdict().values()):
        return None
    parts = {name: float(amount) for name, amount in match.groupdict().items() if amount}
    return (
        parts.get("days", 0.0) * 86400
        + parts.get("hours", 0.0) * 3600
        + parts.get("minutes", 0.0) * 60
        + parts.get("seconds", 0.0)
    )


def secret_sign(secret: str) -> str:
    """``secretKeySign``: the lowercase 32-character MD5 hex of the application secret."""
    return hashlib.md5(secret.encode("utf-8")).hexdigest()  # noqa: S324 - 超8's documented token call signs with the secret's MD5; not our choice


class Chao8Client(ApiHook):
    """
    The 超8 token flow and envelope, and the call shapes the resource parts share.

    Not used alone: ``Chao8Hook`` (its connection and
    parameters are documented there) is composed of its resource parts.
    """

    #: page through a paged call: ``hook._awalk(lambda n: hook.aget_..._page(n, size))`` (the export operators use it)
    _awalk = staticmethod(awalk)

    # ================================================================= tokens
    def _access_key_and_secret(self) -> tuple[str, str]:
        conn = self.connection
        access_key = (conn.login or "").strip()
        secret = (conn.password or "").strip()
        if not access_key:
            raise ConfigurationError(
                self.platform,
                f"connection {self.conn_id!r}: {c.TOKEN_ERROR_HELP[c.ACCESS_KEY_EMPTY]} "
                f"(checked before calling 超8, which would answer {c.ACCESS_KEY_EMPTY} "
                f"{c.TOKEN_ERROR_MESSAGES[c.ACCESS_KEY_EMPTY]})",
            )
        if not secret:
            raise ConfigurationError(
                self.platform,
                f"connection {self.conn_id!r}: {c.TOKEN_ERROR_HELP[c.SECRET_EMPTY]} "
                f"(checked before calling 超8, which would answer {c.SECRET_EMPTY} "
                f"{c.TOKEN_ERROR_MESSAGES[c.SECRET_EMPTY]})",
            )
        return access_key, secret

    def _token(self, access_key: str, secret: str) -> ApiCall[AccessToken]:
        sign = secret_sign(secret)
        mask(sign)  # the MD5 is what 超8 checks: as secret as the secret itself
        return ApiCall(
            "POST",
            self.endpoint("token"),
            AccessToken.model_validate,
            json=AccessTokenRequest(access_key=access_key, secret_key_sign=sign).dump(),
            idempotent=True,
            auth=False,
        )

    def fetch_token(self) -> Token:
        """
        Call 获取 AccessToken once: ``{accessKey, secretKeySign = md5(secret)}``.

        Raises :class:`ConfigurationError` (never retried) for the credential codes and
        :class:`TokenRateLimitError` (``retry_after`` 60 s) for 21185002, which the token manager
        answers by waiting for another worker's token and re-reading the store, never by calling
        again in a loop. The refresh point is the core's (never before TTL - TTL/10, the vendor's
        rule): this hook only says how long the token lives.
        """
        access_key, secret = self._access_key_and_secret()
        answer = self.call(self._token(access_key, secret))
        ttl = self._token_ttl(answer)
        log.info("超8 access token obtained for access key %s… (valid %.0f s)", access_key[:6], ttl)
        return Token.with_ttl(answer.access_token, ttl)

    def _token_ttl(self, answer: AccessToken) -> float:
        """``tokenTtlSeconds``, else ``tokenTtl`` (ISO-8601), else the JWT's exp, else the default."""
        if answer.token_ttl_seconds and answer.token_ttl_seconds > 0:
            return float(answer.token_ttl_seconds)
        parsed = parse_iso_duration(answer.token_ttl)
        if parsed and parsed > 0:
            return parsed
        expiry = jwt_expiry(answer.access_token)
        if expiry is not None and expiry > time.time():
            return expiry - time.time()
        configured = self.extra.get("session_ttl")
        return float(configured) if configured not in (None, "") else self.default_token_ttl

    def auth_headers(self, token: str) -> dict[str, str]:
        """The raw token in ``Authorization`` (no ``Bearer``), as the vendor documents it."""
        return {"Authorization": token}

    # ================================================================= envelope
    def check_response(self, response: httpx.Response) -> Any:
        """The envelope's ``data`` (``code == 200``), else the error: see :mod:`.envelope`."""
        return read_envelope(self.platform, response)

    # ================================================================= shapes of order calls
    def _order_lines_page(
        self, key: str, model: type[M], order_no: str, page_num: int, page_size: int
    ) -> ApiCall[Page[M]]:
        """One page of an order's lines (scans, codes): GET with ``pageNum`` / ``pageSize``."""
        return ApiCall(
            "GET",
            self.endpoint(key, order_no=order_no),
            page_of(model, page_num, page_size),
            params={"pageNum": page_num, "pageSize": page_size},
        )

    def _order_update(self, key: str, answer: type[M], body: ApiModel, order_no: str) -> ApiCall[M | None]:
        """PUT the changes of one order; the order when the gateway answers it."""
        return ApiCall(
            "PUT",
            self.endpoint(key, order_no=order_no),
            lambda data: (
                answer.model_validate({"orderNo": order_no, **data}) if isinstance(data, dict) else None
            ),
            json=body.dump(),
            idempotent=True,
        )

    def _order_delete(self, key: str, order_no: str) -> ApiCall[None]:
        """DELETE one order."""
        return ApiCall("DELETE", self.endpoint(key, order_no=order_no), lambda _data: None, idempotent=True)
