"""
The 超8 applications the sandbox accepts and their token call (获取 AccessToken).

What it enforces, as the vendor documents it: the MD5 ``secretKeySign`` (21184031 on a
mismatch, 21184033 for an unknown key, 21184032 for a disabled app, 21180031 / 21180041 for
empty fields), one token call per minute per application on the sandbox clock (21185002; the
window is :attr:`Applications.token_rate_window`), the token lifetime (``tokenTtl`` ``PT8H`` and
``tokenTtlSeconds``), HS256 JWTs from ``yesno.com.cn`` with ``exp``/``iat`` in milliseconds.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from airflow_provider.chao8 import constants as c
from airflow_provider.sandbox.chao8.rules import Chao8Error
from airflow_provider.sandbox.chao8.seed import (
    SANDBOX_ACCESS_KEY,
    SANDBOX_APP_ID,
    SANDBOX_DISABLED_ACCESS_KEY,
    SANDBOX_SECRET,
    TOKEN_ISSUER,
)
from airflow_provider.sandbox.chao8.state import Chao8State
from airflow_provider.sandbox.kit import TokenIssuer


def iso_duration(seconds: float) -> str:
    """``seconds`` the way Java's ``Duration.toString`` writes them (``PT8H``, ``PT1M30S``)."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    fraction = seconds - whole
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if secs or fraction or text == "PT":
        text += f"{secs + fraction:g}S"
    return text


def md5_hex(value: str) -> str:
    """The lowercase 32-character MD5 hex of ``value`` (what ``secretKeySign`` must be)."""
    return hashlib.md5(value.encode("utf-8")).hexdigest()  # noqa: S324 - the simulator checks 超8's documented MD5 signature


@dataclass
class SandboxApp:
    """An application registered on the sandbox."""

    access_key: str
    secret: str
    app_id: str
    enabled: bool = True


class TokenRateLimited(Chao8Error):
    """21185002: a second token call inside the window; ``retry_after`` in real seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(c.TOKEN_RATE_LIMITED, c.TOKEN_ERROR_MESSAGES[c.TOKEN_RATE_LIMITED])
        self.retry_after = retry_after


class Applications(Chao8State):
    """The applications, the token call and the token check of the 超8 sandbox."""

    def __init__(
        self, *, token_ttl: float, token_rate_window: float, auth_error_style: str, **state: Any
    ) -> None:
        super().__init__(**state)
        self.issuer = TokenIssuer(self.clock, token_ttl, issuer=TOKEN_ISSUER, exp_in_ms=True)
        self.token_rate_window = token_rate_window
        self.auth_error_style = auth_error_style
        self.apps: dict[str, SandboxApp] = {}
        self.last_token_at: dict[str, float] = {}
        #: non-200 answers of the token call by code (21185002 included)
        self.token_errors: Counter[int] = Counter()
        self.add_app(SANDBOX_ACCESS_KEY, SANDBOX_SECRET, app_id=SANDBOX_APP_ID)
        self.add_app(SANDBOX_DISABLED_ACCESS_KEY, SANDBOX_SECRET, enabled=False)

    @property
    def token_ttl(self) -> float:
        """Lifetime of the tokens issued from now on, sandbox seconds."""
        return self.issuer.ttl

    @token_ttl.setter
    def token_ttl(self, seconds: float) -> None:
        self.issuer.ttl = seconds

    def add_app(
        self, access_key: str, secret: str, *, app_id: str | None = None, enabled: bool = True
    ) -> None:
        """Register an application (``access_key`` / ``secret``) on the sandbox."""
        self.apps[access_key] = SandboxApp(access_key, secret, app_id or self.new_id(), enabled)

    def stats(self) -> dict[str, Any]:
        """The kit's counters and the token call's refusals by code."""
        return {**super().stats(), "token_errors": {str(k): v for k, v in self.token_errors.items()}}

    def issue_token(self, body: Any) -> dict[str, Any]:
        """The token call's ``data``, or raises :class:`Chao8Error` (with a retry hint for 21185002)."""
        if not isinstance(body, dict):
            body = {}
        access_key = str(body.get("accessKey") or "").strip()
        sign = str(body.get("secretKeySign") or "").strip()
        with self.lock:
            try:
                if not access_key:
                    raise Chao8Error(c.ACCESS_KEY_EMPTY, c.TOKEN_ERROR_MESSAGES[c.ACCESS_KEY_EMPTY])
                if not sign:
                    raise Chao8Error(c.SECRET_EMPTY, c.TOKEN_ERROR_MESSAGES[c.SECRET_EMPTY])
                app = self.apps.get(access_key)
                if app is None:
                    raise Chao8Error(c.APP_NOT_FOUND, c.TOKEN_ERROR_MESSAGES[c.APP_NOT_FOUND])
                if not app.enabled:
                    raise Chao8Error(c.APP_DISABLED, c.TOKEN_ERROR_MESSAGES[c.APP_DISABLED])
                if sign != md5_hex(app.secret):  # lowercase 32-char MD5 hex, nothing else
                    raise Chao8Error(c.WRONG_KEY_OR_SECRET, c.TOKEN_ERROR_MESSAGES[c.WRONG_KEY_OR_SECRET])
                now = self.clock.now()
                last = self.last_token_at.get(access_key)
                if last is not None and now - last < self.token_rate_window:
                    raise TokenRateLimited(
                        (self.token_rate_window - (now - last)) / max(self.clock.speed, 1e-9)
                    )
            except Chao8Error as err:
                self.token_errors[err.code] += 1
                raise
            self.last_token_at[access_key] = now
            token = self.issuer.issue(app.app_id)
            self.token_calls += 1
        ttl = self.issuer.ttl
        return {"accessToken": token, "tokenTtl": iso_duration(ttl), "tokenTtlSeconds": int(ttl)}

    def authenticate(self, header: str | None) -> bool:
        """Whether ``Authorization`` carries a valid token (raw, no ``Bearer``)."""
        return self.issuer.check((header or "").strip()) is not None
