"""
The SuperShip simulator's accounts and tokens: the personal access token, the password grant
(``POST /v1/partner/auth/login``) and the registration of shop accounts.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from airflow_provider.sandbox.kit import SandboxBackend, TokenIssuer
from airflow_provider.sandbox.supership.answers import (
    error_answer,
    first_error,
    success_answer,
    text_of,
    valid_phone,
)
from airflow_provider.sandbox.supership.seed import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_EMAIL,
    SANDBOX_PARTNER,
    SANDBOX_PASSWORD,
    SANDBOX_PERSONAL_TOKEN,
)


class SuperShipAccounts(SandboxBackend):
    """Accounts and tokens of :class:`~airflow_provider.sandbox.supership.backend.SuperShipBackend`."""

    # state, set up by SuperShipBackend.__init__
    tokens: TokenIssuer
    personal_token_revoked: bool
    refresh_tokens: set[str]
    #: e-mail -> account (the seed account, then every registered one); login takes any of them
    accounts: dict[str, dict[str, Any]]
    _account_sequence: int

    def revoke_personal_token(self) -> None:
        """Refuse :data:`SANDBOX_PERSONAL_TOKEN` from now on (the user replaced it in the dashboard)."""
        self.personal_token_revoked = True

    def authorized(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries ``Bearer`` and a token the sandbox accepts."""
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        if token == SANDBOX_PERSONAL_TOKEN:
            return not self.personal_token_revoked
        return self.tokens.check(token) is not None

    def login(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """``POST /v1/partner/auth/login``: an account's e-mail and password, with the sandbox's client and partner code."""
        fields = ("client_id", "client_secret", "username", "password", "partner")
        errors = {f: [f"Trường {f} là bắt buộc."] for f in fields if not text_of(body.get(f))}
        if errors:
            return 422, error_answer(next(iter(errors.values()))[0], errors)
        expected = (
            SANDBOX_CLIENT_ID,
            SANDBOX_CLIENT_SECRET,
            SANDBOX_EMAIL,
            SANDBOX_PASSWORD,
            SANDBOX_PARTNER,
        )
        given = tuple(text_of(body.get(f)) for f in fields)
        account = self.accounts.get(given[2].lower())
        if (
            account is None
            or given[3] != account["password"]
            or given[:2] + given[4:] != expected[:2] + expected[4:]
        ):
            return 401, error_answer("Thông tin đăng nhập không chính xác.", "invalid_credentials")
        access = self.tokens.issue(account["email"])
        refresh = secrets.token_urlsafe(30)
        with self.lock:
            self.token_calls += 1
            self.refresh_tokens.add(refresh)
        results = {
            "token_type": "Bearer",
            "expires_in": int(self.tokens.ttl),
            "access_token": access,
            "refresh_token": refresh,
        }
        return 200, success_answer(results, "Đăng nhập thành công.")

    def register(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """
        ``POST /v1/partner/auth/register``: a new shop account with its token.

        Inferred (SuperShip documents only the success answer): missing or invalid fields are
        HTTP 422 with Laravel-style ``errors``; a wrong partner code is HTTP 401; an e-mail
        already registered is HTTP 422 ``errors.email = ["The email has already been taken."]``.
        """
        fields = ("project", "name", "phone", "email", "password", "partner")
        values = {f: text_of(body.get(f)) for f in fields}
        errors: dict[str, list[str]] = {f: [f"Trường {f} là bắt buộc."] for f, v in values.items() if not v}
        if values["phone"] and not valid_phone(values["phone"]):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if values["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["email"]):
            errors.setdefault("email", []).append("Email không hợp lệ.")
        if errors:
            return 422, error_answer(first_error(errors, more=True), errors)
        if values["partner"] != SANDBOX_PARTNER:
            return 401, error_answer("Mã bí mật không hợp lệ.", "invalid_partner")
        email = values["email"].lower()
        with self.lock:
            if email in self.accounts:
                return 422, error_answer(
                    "Email đã được sử dụng.", {"email": ["The email has already been taken."]}
                )
            self._account_sequence += 1
            code = f"S{self._account_sequence}"
            self.accounts[email] = {
                "code": code,
                "email": email,
                "password": values["password"],
                "project": values["project"],
                "name": values["name"],
                "phone": values["phone"],
                "created": self.clock.now(),
            }
        results = {
            "code": code,
            "project": values["project"],
            "name": values["name"],
            "phone": values["phone"],
            "email": email,
            "referral": "PLOKJ" + str(self._account_sequence)[-5:],
            "token_type": "Bearer",
            "expires_in": int(self.tokens.ttl),
            "access_token": self.tokens.issue(email),
        }
        return 200, success_answer(results, "Đăng ký tài khoản thành công.")
