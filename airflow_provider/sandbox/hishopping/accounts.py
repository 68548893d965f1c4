"""
The HiShopping simulator's web API accounts: users, login (a 24 h JWT on the sandbox clock), the
Bearer check, logout, the login captcha, the password, and each account's merchant profile.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from airflow_provider.sandbox.hishopping.wire import SandboxAnswer, changes, iso
from airflow_provider.sandbox.kit import SandboxBackend, TokenIssuer

#: the merchant profile fields a create or update may send [inferred]
MERCHANT_FIELDS = (
    "merchant_name",
    "contact_name",
    "email",
    "phone",
    "country",
    "address",
    "bank_name",
    "bank_account",
    "bank_account_name",
)
MIN_PASSWORD = 8
CAPTCHA_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Accounts(SandboxBackend):
    """The account part of the HiShopping backend (its state is set by the backend's ``__init__``)."""

    #: the JWT issuer of the web API
    tokens: TokenIssuer
    #: users by lower-case e-mail: ``{password, enabled, app_id}``
    users: dict[str, dict[str, Any]]
    #: merchant profiles by e-mail
    merchants: dict[str, dict[str, Any]]
    #: captcha id -> the text it shows (one attempt each)
    captchas: dict[str, str]
    _logged_out: set[str]

    def add_user(self, email: str, password: str, *, enabled: bool = True, app_id: str | None = None) -> None:
        self.users[email.lower()] = {"password": password, "enabled": enabled, "app_id": app_id}

    # ------------------------------------------------------------------ login and the JWT
    def login(self, body: Any) -> dict[str, Any]:
        """A JWT for a known, enabled user with the right password (3001, 3002, 3003)."""
        if not isinstance(body, dict) or not body.get("email") or not body.get("password"):
            raise SandboxAnswer(400, "email and password are required", 400)
        user = self.users.get(str(body["email"]).lower())
        if user is None:
            raise SandboxAnswer(3001, "user not found")
        if user["password"] != body["password"]:
            raise SandboxAnswer(3002, "invalid credentials")
        if not user["enabled"]:
            raise SandboxAnswer(3003, "user disabled")
        self._check_captcha(body)
        token = self.tokens.issue(str(body["email"]).lower())
        with self.lock:
            self.token_calls += 1
        return {"token": token}

    def check_bearer(self, header: str | None) -> str:
        """The e-mail of the account whose valid, not logged-out JWT ``header`` carries."""
        return str(self._claims(header)["sub"])

    def _claims(self, header: str | None) -> dict[str, Any]:
        if not header:
            raise SandboxAnswer(1004, "missing auth header")
        scheme, _, token = header.partition(" ")
        claims = self.tokens.check(token.strip()) if scheme.lower() == "bearer" else None
        if claims is None or claims.get("jti") in self._logged_out:
            raise SandboxAnswer(4001, "unauthorized")
        return claims

    def logout(self, header: str | None) -> None:
        """Revoke the caller's JWT: it is answered 4001 from now on."""
        claims = self._claims(header)
        with self.lock:
            self._logged_out.add(str(claims.get("jti")))

    def captcha(self) -> dict[str, Any]:
        """A new image captcha: its id and an SVG data URL showing the text to type."""
        captcha_id = secrets.token_hex(8)
        text = "".join(secrets.choice(CAPTCHA_LETTERS) for _ in range(4))
        with self.lock:
            self.captchas[captcha_id] = text
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><text x="8" y="22">{text}</text></svg>'
        image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        return {"captcha_id": captcha_id, "image": image}

    def _check_captcha(self, body: dict[str, Any]) -> None:
        captcha_id = body.get("captcha_id")
        if not captcha_id:
            return  # API accounts log in without one [inferred]
        with self.lock:
            expected = self.captchas.pop(str(captcha_id), None)  # one attempt per captcha
        if expected is None or str(body.get("captcha") or "").upper() != expected:
            raise SandboxAnswer(400, "captcha: wrong or expired", 400)

    def change_password(self, email: str, body: Any) -> None:
        """Replace the password when the old one matches (3002) and the new one is long enough."""
        if not isinstance(body, dict) or not body.get("old_password") or not body.get("new_password"):
            raise SandboxAnswer(400, "old_password and new_password are required", 400)
        user = self.users[email]
        if user["password"] != body["old_password"]:
            raise SandboxAnswer(3002, "invalid credentials")
        if len(str(body["new_password"])) < MIN_PASSWORD:
            raise SandboxAnswer(400, f"new_password: at least {MIN_PASSWORD} characters", 400)
        user["password"] = str(body["new_password"])

    # ------------------------------------------------------------------ merchant profile
    def merchant(self, email: str) -> dict[str, Any]:
        """The account's merchant profile (404 when it has none)."""
        profile = self.merchants.get(email)
        if profile is None:
            raise SandboxAnswer(404, "merchant profile not found", 404)
        return {key: value for key, value in profile.items() if not key.startswith("_")} | {
            "created_at": iso(profile["_created"]),
            "updated_at": iso(profile["_updated"]),
        }

    def create_merchant(self, email: str, body: Any) -> dict[str, Any]:
        """Create the account's profile (``merchant_name`` required; 409 when one exists)."""
        fields = changes(body, MERCHANT_FIELDS)
        if not str(fields.get("merchant_name") or "").strip():
            raise SandboxAnswer(400, "merchant_name: required", 400)
        with self.lock:
            if email in self.merchants:
                raise SandboxAnswer(409, "merchant profile already exists", 409)
            now = self.clock.now()
            sequence = len(self.merchants) + 1
            self.merchants[email] = {
                "merchant_id": f"M{sequence:06d}",
                **{name: None for name in MERCHANT_FIELDS},
                **fields,
                "status": "active",
                "_created": now,
                "_updated": now,
            }
        return self.merchant(email)

    def update_merchant(self, email: str, body: Any) -> dict[str, Any]:
        """Change the fields given (404 when the account has no profile)."""
        fields = changes(body, MERCHANT_FIELDS)
        with self.lock:
            profile = self.merchants.get(email)
            if profile is None:
                raise SandboxAnswer(404, "merchant profile not found", 404)
            profile.update(fields)
            profile["_updated"] = self.clock.now()
        return self.merchant(email)
