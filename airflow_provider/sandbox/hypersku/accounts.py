"""
The HyperSKU simulator's accounts and tokens: password tokens (``POST /api/auth/admin/token``)
and OAuth2 (authorise, code exchange, refresh with rotation). Tokens are JWTs with ``exp`` on
the sandbox clock; ``40101`` for a missing, bad or expired token, ``40102`` for a wrong username
or password, ``40131`` for a wrong client.
"""

from __future__ import annotations

import secrets
from typing import Any

from airflow_provider.sandbox.hypersku.answers import Envelope, SandboxInputError, fail, ok
from airflow_provider.sandbox.hypersku.seed import (
    SANDBOX_AUTH_CODE_TTL,
    SANDBOX_CLIENT_ID,
    SANDBOX_REDIRECT_URI,
    SANDBOX_REFRESH_TOKEN_TTL,
    SANDBOX_USERNAME,
)
from airflow_provider.sandbox.kit import SandboxBackend, TokenIssuer


class HyperSkuAccounts(SandboxBackend):
    """Accounts and tokens of :class:`~airflow_provider.sandbox.hypersku.backend.HyperSkuBackend`."""

    # state, set up by HyperSkuBackend.__init__
    tokens: TokenIssuer
    #: username -> password
    users: dict[str, str]
    #: OAuth2 clientId -> clientSecret
    clients: dict[str, str]
    forbidden_clients: set[str]
    require_api_key: bool
    api_key: str
    rotate_refresh_tokens: bool
    #: the ``Authorization`` of every password token call, in order
    api_keys_seen: list[str | None]

    def _issued(self) -> None:
        with self.lock:
            self.token_calls += 1

    def authorized(self, header: str | None) -> dict[str, Any] | None:
        """The claims of the token in an ``Authorization`` header (raw or ``Bearer``)."""
        value = (header or "").strip()
        if value.lower().startswith("bearer "):
            value = value[7:].strip()
        return self.tokens.check(value)

    def login(self, body: Any, api_key: str | None) -> Envelope:
        """``POST /api/auth/admin/token``: ``LoginResDto``."""
        self.api_keys_seen.append(api_key)
        if self.require_api_key and api_key != self.api_key:
            return fail(40331, "API key not accepted")
        if not isinstance(body, dict):
            return fail(40102, "User invalid: username and password are required")
        username, password = str(body.get("username") or ""), str(body.get("password") or "")
        if not username or self.users.get(username) != password:
            return fail(40102, "User invalid: wrong username or password")
        token = self.tokens.issue(username)
        self._issued()
        return {"message": "success", "status": 200, "token": token}

    def authorize(
        self,
        client_id: str = SANDBOX_CLIENT_ID,
        redirect_uri: str = SANDBOX_REDIRECT_URI,
        subject: str = SANDBOX_USERNAME,
    ) -> str:
        """A one-time authorisation code, as if ``subject`` had approved the app."""
        if client_id not in self.clients:
            raise SandboxInputError(f"unknown clientId {client_id}")
        code = "code_" + secrets.token_urlsafe(12)
        self.store.insert(
            "auth_codes",
            code,
            {
                "client": client_id,
                "subject": subject,
                "redirect": redirect_uri,
                "expires": self.clock.now() + SANDBOX_AUTH_CODE_TTL,
            },
        )
        return code

    def _client_error(self, body: Any) -> Envelope | None:
        if not isinstance(body, dict):
            return fail(40131, "Client invalid: clientId and clientSecret are required")
        client_id = str(body.get("clientId") or "")
        if client_id not in self.clients or self.clients[client_id] != body.get("clientSecret"):
            return fail(40131, "Client invalid")
        if client_id in self.forbidden_clients:
            return fail(40331, "Client forbidden")
        return None

    def _oauth_tokens(self, client_id: str, subject: str) -> Envelope:
        access = self.tokens.issue(f"oauth:{client_id}:{subject}")
        refresh = "rt_" + secrets.token_urlsafe(24)
        self.store.insert(
            "refresh_tokens",
            refresh,
            {
                "client": client_id,
                "subject": subject,
                "expires": self.clock.now() + SANDBOX_REFRESH_TOKEN_TTL,
            },
        )
        self._issued()
        return ok(
            {
                "accessToken": access,
                "refreshToken": refresh,
                "expiresIn": int(self.tokens.ttl),
                "scope": "oms",
            }
        )

    def oauth_access_token(self, body: Any) -> Envelope:
        """``POST /api/auth/admin/token/access_token``: ``{clientId, clientSecret, code}`` -> ``OAuth2TokenVo``."""
        error = self._client_error(body)
        if error is not None:
            return error
        grant = self.store.delete("auth_codes", str(body.get("code") or ""))
        if grant is None or grant["client"] != body["clientId"] or grant["expires"] <= self.clock.now():
            return fail(500, "authorization code invalid or expired")
        return self._oauth_tokens(grant["client"], grant["subject"])

    def oauth_refresh(self, body: Any) -> Envelope:
        """``POST /api/auth/admin/token/refresh_token``: ``{clientId, clientSecret, refreshToken}``."""
        error = self._client_error(body)
        if error is not None:
            return error
        token = str(body.get("refreshToken") or "")
        with self.store.lock:
            grant = self.store.get("refresh_tokens", token)
            if grant is None or grant["client"] != body["clientId"] or grant["expires"] <= self.clock.now():
                return fail(40101, "refresh token invalid or expired")
            if not self.rotate_refresh_tokens:
                access = self.tokens.issue(f"oauth:{grant['client']}:{grant['subject']}")
                self._issued()
                return ok(
                    {
                        "accessToken": access,
                        "refreshToken": token,
                        "expiresIn": int(self.tokens.ttl),
                        "scope": "oms",
                    }
                )
            self.store.delete("refresh_tokens", token)
            return self._oauth_tokens(grant["client"], grant["subject"])
