"""
The HiShopping simulator's open API apps: their keys (the Secret Key, shown masked as the web
API's "API Key", and the Sign Key, each replaceable), their settings, and the envelope check every
open API request passes (signature, timestamp window, nonce reuse, decryption) with the sealed
answer it gets.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import airflow_provider.sandbox.hishopping.crypto as crypto
from airflow_provider.sandbox.hishopping.accounts import Accounts
from airflow_provider.sandbox.hishopping.seed import TIMESTAMP_WINDOW
from airflow_provider.sandbox.hishopping.wire import SandboxAnswer, changes, iso

#: the app fields an update may send [inferred]
APP_FIELDS = ("app_name", "callback_url", "ip_whitelist")


class Apps(Accounts):
    """The app part of the HiShopping backend (its state is set by the backend's ``__init__``)."""

    #: apps by App ID: ``{secret_key, sign_key, enabled, app_name, callback_url, ip_whitelist}``
    apps: dict[str, dict[str, Any]]
    #: real time for envelope timestamps (not the sandbox clock)
    wall_clock: Callable[[], float]
    #: ``(app_id, nonce)`` -> when it was first seen (forgotten after twice the window)
    _nonces: dict[tuple[str, str], float]

    def add_app(
        self, app_id: str, secret_key: str, sign_key: str, *, enabled: bool = True, name: str | None = None
    ) -> None:
        now = self.clock.now()
        self.apps[app_id] = {
            "secret_key": secret_key,
            "sign_key": sign_key,
            "enabled": enabled,
            "app_name": name or app_id,
            "callback_url": None,
            "ip_whitelist": [],
            "_created": now,
            "_updated": now,
        }

    # ------------------------------------------------------------------ keys and settings (web API)
    def app_of(self, email: str) -> tuple[str, dict[str, Any]]:
        """The App ID and app of an account (1002 when it has none)."""
        app_id = self.users[email].get("app_id")
        if not app_id or app_id not in self.apps:
            raise SandboxAnswer(1002, "app not found")
        return app_id, self.apps[app_id]

    def api_key(self, email: str) -> dict[str, Any]:
        """The Secret Key, masked: its first and last 4 characters."""
        _, app = self.app_of(email)
        key = app["secret_key"]
        return {
            "api_key": f"{key[:4]}{'*' * max(4, len(key) - 8)}{key[-4:]}",
            "created_at": iso(app["_updated"]),
        }

    def new_api_key(self, email: str) -> dict[str, Any]:
        """A new Secret Key (32 characters: used as the AES key as is); the old one stops working."""
        _, key, at = self._replace_key(email, "secret_key", secrets.token_hex(16))
        return {"api_key": key, "created_at": at}

    def new_sign_key(self, email: str) -> dict[str, Any]:
        """A new Sign Key; the old one stops working."""
        app_id, key, _ = self._replace_key(email, "sign_key", secrets.token_hex(32))
        return {"app_id": app_id, "sign_key": key}

    def _replace_key(self, email: str, name: str, key: str) -> tuple[str, str, str]:
        app_id, app = self.app_of(email)
        with self.lock:
            app[name] = key
            app["_updated"] = self.clock.now()
        return app_id, key, iso(app["_updated"])

    def app_view(self, email: str) -> dict[str, Any]:
        """The account's app as the web API shows it (no keys)."""
        app_id, app = self.app_of(email)
        return {
            "app_id": app_id,
            "app_name": app["app_name"],
            "status": "enabled" if app["enabled"] else "disabled",
            "callback_url": app["callback_url"],
            "ip_whitelist": list(app["ip_whitelist"]),
            "created_at": iso(app["_created"]),
            "updated_at": iso(app["_updated"]),
        }

    def update_app(self, email: str, body: Any) -> dict[str, Any]:
        """Change the app's fields given (an http(s) callback URL, a list of addresses)."""
        _, app = self.app_of(email)
        fields = changes(body, APP_FIELDS)
        if "ip_whitelist" in fields and not (
            isinstance(fields["ip_whitelist"], list)
            and all(isinstance(ip, str) for ip in fields["ip_whitelist"])
        ):
            raise SandboxAnswer(400, "ip_whitelist: a list of addresses", 400)
        url = fields.get("callback_url")
        if url and not str(url).startswith(("http://", "https://")):
            raise SandboxAnswer(400, "callback_url: an http(s) URL", 400)
        with self.lock:
            app.update(fields)
            app["_updated"] = self.clock.now()
        return self.app_view(email)

    # ------------------------------------------------------------------ the open API's envelopes
    def open_request(self, body: Any) -> tuple[dict[str, Any], Any]:
        """Check an open API envelope; returns the app and the decrypted payload."""
        if not isinstance(body, dict):
            raise SandboxAnswer(1001, "invalid signature: body is not an envelope")
        app_id = body.get("app_id")
        app = self.apps.get(app_id) if isinstance(app_id, str) else None
        if app is None:
            raise SandboxAnswer(1002, "app not found")
        if not app["enabled"]:
            raise SandboxAnswer(1003, "app disabled")
        if not crypto.signature_ok(body, app["sign_key"]):
            raise SandboxAnswer(1001, "invalid signature")
        now = self.wall_clock()
        if abs(now - int(body["timestamp"])) > TIMESTAMP_WINDOW:
            raise SandboxAnswer(1001, "invalid signature: timestamp outside the 5 minute window")
        self._use_nonce(str(app_id), body["nonce"], now)
        try:
            payload = crypto.open_data(body["data"], app["secret_key"])
        except crypto.SealError:
            raise SandboxAnswer(1005, "invalid API key: data does not decrypt") from None
        if not isinstance(payload, dict):
            raise SandboxAnswer(400, "the payload must be a JSON object", 400)
        return {"app_id": app_id, **app}, payload

    def _use_nonce(self, app_id: str, nonce: Any, now: float) -> None:
        """Refuse a nonce of the wrong size or seen within the window (1001); remember it."""
        if not 8 <= len(nonce) <= 64:
            raise SandboxAnswer(1001, "invalid signature: nonce must be 16-32 hex characters")
        with self.lock:
            # oldest first (insertion order): drop the expired ones from the front, not a scan of
            # every nonce on every call (quadratic over a 100,000-order run)
            while self._nonces:
                oldest = next(iter(self._nonces))
                if self._nonces[oldest] >= now - 2 * TIMESTAMP_WINDOW:
                    break
                del self._nonces[oldest]
            key = (app_id, str(nonce))
            if key in self._nonces:
                raise SandboxAnswer(1001, "invalid signature: nonce already used")
            self._nonces[key] = now

    def seal(self, app: dict[str, Any], data: Any) -> dict[str, Any]:
        """A success answer of the open API: the payload sealed with the app's keys."""
        sealed = crypto.seal(
            data,
            app_id=app["app_id"],
            secret_key=app["secret_key"],
            sign_key=app["sign_key"],
            nonce=secrets.token_hex(16),
            timestamp=int(self.wall_clock()),
        )
        return {"code": 0, "message": "success", **sealed}
