"""Signed tokens (HS256 JWTs) whose expiry runs on the sandbox clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from typing import Any

from airflow_provider.sandbox.kit.clock import SandboxClock


class TokenIssuer:
    """
    HS256 JWTs whose expiry is on the sandbox clock; ``revoke_all`` expires every token at once.

    :param ttl: lifetime in seconds.
    :param exp_in_ms: write ``exp``/``iat`` in milliseconds (超8 does).
    """

    def __init__(self, clock: SandboxClock, ttl: float, *, issuer: str = "sandbox", exp_in_ms: bool = False):
        self.clock = clock
        self.ttl = ttl
        self.issuer = issuer
        self.exp_in_ms = exp_in_ms
        self._key = secrets.token_bytes(32)
        self._live: set[str] = set()
        self._revoked: set[str] = set()
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, subject: str, ttl: float | None = None) -> str:
        now = self.clock.now()
        lifetime = self.ttl if ttl is None else ttl
        scale = 1000 if self.exp_in_ms else 1
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "iat": int(now * scale),
            "exp": int((now + lifetime) * scale),
            "jti": secrets.token_hex(8),
        }
        with self._lock:
            self.issued += 1
            self._live.add(str(claims["jti"]))
        return _jwt_encode(claims, self._key)

    def check(self, token: str | None) -> dict[str, Any] | None:
        """The token's claims when it is ours, unexpired and not revoked; else ``None``."""
        if not token:
            return None
        claims = _jwt_decode(token, self._key)
        if claims is None:
            return None
        scale = 1000 if self.exp_in_ms else 1
        now = self.clock.now()
        if claims["exp"] / scale <= now or claims.get("jti") in self._revoked:
            return None
        return claims

    def revoke_all(self) -> None:
        """Every token issued so far is refused from now on (a token-expiry fault)."""
        with self._lock:
            self._revoked |= self._live
            self._live = set()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt_encode(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _jwt_decode(token: str, key: bytes) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = _b64(hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    return claims
