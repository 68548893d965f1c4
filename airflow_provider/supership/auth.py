"""
How the SuperShip hook authenticates (connection extra ``auth_mode``), and the auth calls.

- ``token``: the connection's password is a personal access token copied from the SuperShip
  dashboard; it is sent as is (``Authorization: Bearer <token>``) and never refreshed. A 401 then
  means the token was revoked or replaced: a :class:`~airflow_provider.common.errors.ConfigurationError`.
- ``password``: ``POST /v1/partner/auth/login`` with the shop e-mail (login), password and the
  extras ``client_id``, ``client_secret``, ``partner_secret`` (``partner`` is read as an alias).
  The token is shared through the token store until ``expires_in`` (minus 10 %); a 401 logs in
  again once. The ``refresh_token`` of the answer is kept with the token, but no documented
  endpoint takes it.

``POST /v1/partner/auth/register`` creates a shop account (for e-commerce partners).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.auth import Token
from airflow_provider.common.errors import AuthError, BadRequestError, ConfigurationError, NotFoundError
from airflow_provider.common.masking import mask
from airflow_provider.supership.auth_models import LoginRequest, LoginResult, RegisterRequest, RegisterResult
from airflow_provider.supership.base_hook import SuperShipBaseHook, as_model

#: the auth paths (a connection's extra ``endpoints`` may override any)
AUTH_ENDPOINTS: dict[str, str] = {
    "login": "/v1/partner/auth/login",
    "register": "/v1/partner/auth/register",
}


class SuperShipAuth(SuperShipBaseHook):
    """The personal access token or the password grant, and the login and register calls."""

    def _personal_token(self) -> str:
        token = (self.connection.password or "").strip()
        if not token:
            raise ConfigurationError(
                self.platform,
                "auth_mode 'token' needs the personal access token in the connection's password field "
                "(SuperShip dashboard: Settings > API)",
            )
        return token

    def token_credentials(self) -> tuple[str, str]:
        """The account: the personal token itself, or client id + e-mail with the password."""
        if self.auth_mode == "token":
            return "personal-access-token", self._personal_token()
        conn = self.connection
        return f"{self.extra.get('client_id') or ''}|{conn.login or ''}", conn.password or ""

    def get_token(self) -> str:
        """The personal access token as is, or a shared password-grant token (logging in when needed)."""
        if self.auth_mode == "token":
            return self._personal_token()
        return super().get_token()

    async def aget_token(self) -> str:
        """Async twin of :meth:`get_token`."""
        if self.auth_mode == "token":
            return self._personal_token()
        return await super().aget_token()

    def login_request(self) -> LoginRequest:
        """The password-grant body from the connection; names every missing field."""
        conn, extra = self.connection, self.extra
        values = {
            "client_id": extra.get("client_id"),
            "client_secret": extra.get("client_secret"),
            "username": conn.login,
            "password": conn.password,
            "partner": extra.get("partner_secret"),
        }
        where = {
            "client_id": "extra client_id",
            "client_secret": "extra client_secret",
            "username": "login (shop e-mail)",
            "password": "password",
            "partner": "extra partner_secret",
        }
        missing = [where[name] for name, value in values.items() if not str(value or "").strip()]
        if missing:
            raise ConfigurationError(
                self.platform, f"auth_mode 'password' needs the connection's {', '.join(missing)}"
            )
        return LoginRequest.model_validate({k: str(v).strip() for k, v in values.items()})

    def fetch_token(self) -> Token:
        """Log in (password grant); in token mode the personal token is returned without a call."""
        if self.auth_mode == "token":
            return Token(value=self._personal_token())
        try:
            result = self.login()
        except (AuthError, BadRequestError, NotFoundError) as err:
            raise ConfigurationError(
                self.platform,
                f"login refused ({err.message}): check the connection's e-mail, password, "
                "client_id, client_secret and partner_secret",
                http_status=err.http_status,
                trace_id=err.trace_id,
            ) from err
        extra = {"refresh_token": result.refresh_token} if result.refresh_token else {}
        ttl = float(result.expires_in) if result.expires_in else self.default_token_ttl
        return Token.with_ttl(result.access_token, ttl, extra=extra)

    def login_call(self, credentials: LoginRequest | Mapping[str, Any] | None = None) -> ApiCall[LoginResult]:
        """``POST /v1/partner/auth/login`` (password grant; sent without a token).

        :param credentials: ``{client_id, client_secret, username, password, partner}``; default:
            the connection's (see :meth:`login_request`). Secrets given here are masked in logs.
        """
        if credentials is None:
            body = self.login_request().dump()
        else:
            body = as_model(LoginRequest, credentials).dump()
            for name in ("client_secret", "password", "partner"):
                mask(body[name])
        return ApiCall("POST", self.endpoint("login"), _login_result, json=body, idempotent=True, auth=False)

    def login(self, credentials: LoginRequest | Mapping[str, Any] | None = None) -> LoginResult:
        """
        Log in with the password grant (``POST /v1/partner/auth/login``) and return the answer.

        The hook logs in by itself when it needs a token (``auth_mode: password``); call this to
        get a shop's token for another account. The tokens it returns are masked in logs.

        :param credentials: ``{client_id, client_secret, username (shop e-mail), password,
            partner}``; default: the connection's.
        """
        return self.call(self.login_call(credentials))

    def register_call(self, account: RegisterRequest | Mapping[str, Any]) -> ApiCall[RegisterResult]:
        """``POST /v1/partner/auth/register`` (sent without a token, once: it creates an account).

        The password and the partner code are registered with log masking before anything is sent.
        """
        request = as_model(RegisterRequest, account)
        for secret in request.secrets():
            mask(secret)
        return ApiCall(
            "POST",
            self.endpoint("register"),
            _register_result,
            json=request.dump(),
            idempotent=False,
            auth=False,
        )

    def register_account(self, account: RegisterRequest | Mapping[str, Any]) -> RegisterResult:
        """
        Register a new shop account (``POST /v1/partner/auth/register``), for e-commerce partners.

        :param account: ``{project (shop name), name (representative), phone, email, password,
            partner (the partner secret code)}``; validated before anything is sent.
        :return: the account's ``code``, ``referral`` code and an access token (a ``SecretStr``,
            masked in logs).
        :raises DuplicateError: SuperShip already has an account with this e-mail.
        """
        return self.call(self.register_call(account))

    def auth_headers(self, token: str) -> dict[str, str]:
        """``Authorization: Bearer <token>`` (in both auth modes)."""
        return {"Authorization": f"Bearer {token}"}


def _login_result(data: Any) -> LoginResult:
    result = LoginResult.model_validate(data)
    mask(result.access_token)
    mask(result.refresh_token or "")
    return result


def _register_result(data: Any) -> RegisterResult:
    result = RegisterResult.model_validate(data)
    mask(result.access_token.get_secret_value())
    if result.refresh_token is not None:
        mask(result.refresh_token.get_secret_value())
    return result
