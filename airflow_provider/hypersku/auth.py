"""
How the HyperSKU hook authenticates (connection extra ``auth_mode``), and the token calls.

- ``password`` (default): ``getToken`` (``POST /api/auth/admin/token``) with the connection's
  username and password; an optional secret ``api_key`` extra goes as ``Authorization`` on that
  call only.
- ``oauth2``: ``refreshToken`` with the extras ``client_id``, ``client_secret`` and
  ``refresh_token`` (from ``python -m airflow_provider.hypersku.oauth``, which exchanges the
  authorisation code with ``accessToken``). A rotated refresh token is kept in the shared token
  store and preferred over the connection's copy (tasks cannot write connections).

Tokens live until their JWT ``exp`` (else ``expiresIn``, else the ``session_ttl`` extra) and go
in ``Authorization`` raw, or as ``<auth_scheme> <token>`` with the ``auth_scheme`` extra.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from airflow_provider.common.auth import Token, jwt_expiry
from airflow_provider.common.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    ResponseError,
)
from airflow_provider.common.masking import mask
from airflow_provider.hypersku.auth_models import (
    LoginReqDto,
    LoginResDto,
    OAuth2AccessTokenReq,
    OAuth2RefreshTokenReq,
    OAuth2TokenVo,
)
from airflow_provider.hypersku.base_hook import HyperSkuBaseHook
from airflow_provider.hypersku.envelope import PLATFORM

log = logging.getLogger(__name__)

#: tokens are kept at least this long even when their ``exp`` says less (clock skew)
MIN_TOKEN_TTL = 30.0

#: the token paths (a connection's extra ``endpoints`` may override any)
AUTH_ENDPOINTS: dict[str, str] = {
    "getToken": "/api/auth/admin/token",
    "accessToken": "/api/auth/admin/token/access_token",
    "refreshToken": "/api/auth/admin/token/refresh_token",
}


class HyperSkuAuth(HyperSkuBaseHook):
    """The password or OAuth2 token of ``HyperSkuHook``."""

    @property
    def auth_mode(self) -> str:
        """``password`` or ``oauth2`` (connection extra ``auth_mode``)."""
        mode = str(self.extra.get("auth_mode") or "password").strip().lower()
        if mode not in ("password", "oauth2"):
            raise ConfigurationError(self.platform, f"auth_mode must be 'password' or 'oauth2', not {mode!r}")
        return mode

    # ------------------------------------------------------------------ tokens
    def token_credentials(self) -> tuple[str, str]:
        """
        The account behind the token: username + password, or in OAuth2 mode the client and
        the connection's refresh token (a user re-authorising starts a fresh store entry).
        """
        if self.auth_mode == "oauth2":
            secret = f"{self._extra_str('client_secret')}\0{self._extra_str('refresh_token')}"
            return f"oauth2:{self._extra_str('client_id')}", secret
        return super().token_credentials()

    def fetch_token(self) -> Token:
        """A new access token: the password token call, or an OAuth2 refresh."""
        if self.auth_mode == "oauth2":
            return self._fetch_oauth2_token()
        return self._fetch_password_token()

    def _token(
        self, value: str | None, expires_in: float | None, *, extra: dict[str, str] | None = None
    ) -> Token:
        if not value:
            raise ResponseError(self.platform, "token answer carries no token")
        exp = jwt_expiry(value)
        if exp is not None:
            ttl = max(exp - time.time(), MIN_TOKEN_TTL)
        elif expires_in:
            ttl = float(expires_in)
        else:
            ttl = float(self.extra.get("session_ttl") or self.default_token_ttl)
        return Token.with_ttl(value, ttl, extra=extra)

    def get_password_token(self) -> LoginResDto:
        """``getToken``: ``POST /api/auth/admin/token`` with the connection's username and password."""
        conn = self.connection
        if not conn.login or not conn.password:
            raise ConfigurationError(
                self.platform, "password mode needs the connection's login (username) and password"
            )
        body = LoginReqDto(username=conn.login, password=conn.password).dump()
        return self.call(self._post("getToken", body, LoginResDto.model_validate, auth=False))

    def _fetch_password_token(self) -> Token:
        return self._token(self.get_password_token().token, None)

    def _oauth_client(
        self, client_id: str | None = None, client_secret: str | None = None
    ) -> tuple[str, str]:
        client_id = (client_id or self._extra_str("client_id")).strip()
        client_secret = (client_secret or self._extra_str("client_secret")).strip()
        mask(client_secret)
        if not client_id or not client_secret:
            raise ConfigurationError(
                self.platform, "oauth2 mode needs the extras client_id and client_secret"
            )
        return client_id, client_secret

    def exchange_oauth2_code(
        self, code: str, *, client_id: str | None = None, client_secret: str | None = None
    ) -> OAuth2TokenVo:
        """``accessToken``: exchange an authorisation ``code`` (once, outside a DAG) for tokens.

        :param client_id: the app's ``clientId``; defaults to the connection extra ``client_id``.
        :param client_secret: the app's ``clientSecret``; defaults to the extra ``client_secret``.
        """
        client_id, client_secret = self._oauth_client(client_id, client_secret)
        body = OAuth2AccessTokenReq(client_id=client_id, client_secret=client_secret, code=code).dump()
        return self.call(self._post("accessToken", body, oauth2_token_vo, idempotent=False, auth=False))

    def refresh_oauth2_token(
        self, refresh_token: str, *, client_id: str | None = None, client_secret: str | None = None
    ) -> OAuth2TokenVo:
        """``refreshToken``: a new access token (and maybe a rotated refresh token).

        :param client_id: the app's ``clientId``; defaults to the connection extra ``client_id``.
        :param client_secret: the app's ``clientSecret``; defaults to the extra ``client_secret``.
        """
        client_id, client_secret = self._oauth_client(client_id, client_secret)
        body = OAuth2RefreshTokenReq(
            client_id=client_id, client_secret=client_secret, refresh_token=refresh_token
        ).dump()
        return self.call(self._post("refreshToken", body, oauth2_token_vo, auth=False))

    def stored_refresh_token(self) -> str | None:
        """The newest refresh token in the process cache or the shared store (rotations land there)."""
        latest = self.token_manager.latest()
        return latest.extra.get("refresh_token") if latest is not None else None

    def _fetch_oauth2_token(self) -> Token:
        self._oauth_client()
        candidates: list[str] = []
        for candidate in (self.stored_refresh_token(), self._extra_str("refresh_token")):
            if candidate and candidate not in candidates:
                candidates.append(candidate)
        if not candidates:
            raise ConfigurationError(
                self.platform,
                "oauth2 mode needs the extra refresh_token: run `python -m airflow_provider.hypersku.oauth`",
            )
        refused: ApiError | None = None
        for refresh_token in candidates:
            try:
                vo = self.refresh_oauth2_token(refresh_token)
            except (AuthError, BadRequestError, NotFoundError) as err:
                refused = err
                log.warning(
                    "HyperSKU refused a refresh token (%s); trying the next copy", err.code or err.message
                )
                continue
            rotated = vo.refresh_token or refresh_token
            if rotated != refresh_token:
                log.info("HyperSKU rotated the refresh token; the new one is kept in the token store")
            return self._token(vo.access_token, vo.expires_in, extra={"refresh_token": rotated})
        raise ConfigurationError(
            self.platform,
            f"every refresh token was refused ({refused}); authorise again with "
            "`python -m airflow_provider.hypersku.oauth` and update the connection's refresh_token",
            code=refused.code if refused else None,
        )

    def auth_headers(self, token: str) -> dict[str, str]:
        """``Authorization: <token>`` (raw), or ``Bearer <token>`` with extra ``auth_scheme``."""
        prefix = self._extra_str("auth_scheme")
        return {"Authorization": f"{prefix} {token}" if prefix else token}

    def prepare(
        self, method: str, path: str, json: Any, params: Mapping[str, Any] | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        """Adds the optional ``api_key`` extra as ``Authorization`` on the password token call only."""
        api_key = self._extra_str("api_key")
        if api_key and "Authorization" not in headers and path == self.endpoint("getToken"):
            headers = {**headers, "Authorization": api_key}
        return super().prepare(method, path, json, params, headers)

    def test_connection(self) -> tuple[bool, str]:
        """
        Check the credentials with a read-only call.

        In OAuth2 mode with no token cached, the refresh may rotate the refresh token; the new
        one can live only in the shared store, so this is the one case where the test writes it.
        """
        try:
            if self.auth_mode == "oauth2" and self.token_manager.peek() is None:
                self.get_token()
        except Exception as err:
            from airflow_provider.common.drift import word_for

            self.close()
            cause = str(err) if isinstance(err, ApiError) else f"{type(err).__name__}: {err}"
            return False, f"the token call failed ({word_for(err)}): {cause}"
        return super().test_connection()


def oauth2_token_vo(answer: Any) -> OAuth2TokenVo:
    """``OAuth2TokenVo`` from a token answer: inside ``data`` (AG-Admin) or at the top level."""
    payload = (
        answer.get("data") if isinstance(answer, dict) and isinstance(answer.get("data"), dict) else answer
    )
    vo = OAuth2TokenVo.model_validate(payload or {})
    if not vo.access_token:
        raise ResponseError(PLATFORM, "OAuth2 token answer carries no accessToken")
    return vo
