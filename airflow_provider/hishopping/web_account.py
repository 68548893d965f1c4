"""
The account endpoints of HiShopping's web API [seed endpoints, inferred fields]: logout, the
login captcha, the password, the API Key (= the open API's Secret Key), the merchant profile and
the open API app with its Sign Key.

A regenerated key is masked in logs the moment its answer is parsed, returned as a ``SecretStr``
and used by the same hook's later open API calls (store it: see
:class:`~airflow_provider.hishopping.operators.HiShoppingRotateKeysOperator`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.errors import ResponseError
from airflow_provider.common.masking import mask
from airflow_provider.hishopping.base_hook import HiShoppingBaseHook
from airflow_provider.hishopping.models import (
    ApiKeyInfo,
    AppInfo,
    AppUpdateRequest,
    Captcha,
    Merchant,
    MerchantRequest,
    NewApiKey,
    NewSignKey,
    PasswordChangeRequest,
)
from airflow_provider.hishopping.parsing import maybe, nothing

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


class HiShoppingWebAccount(HiShoppingBaseHook):
    """The web API's account, API key, merchant profile and app calls (JWT, see
    :class:`~airflow_provider.hishopping.web_api.HiShoppingWebApi`).

    :param hishopping_conn_id: the Airflow connection id (``login`` = e-mail, ``password``).
    """

    # ------------------------------------------------------------------ account
    def logout(self) -> None:
        """Log out (``POST /api/v1/web/logout``): the JWT stops working for every task sharing it.

        The hook forgets the token (process cache and shared store); the next web call logs in
        again. Rarely useful in a DAG: the token is shared by every task of the account.
        """
        token = self.token_manager.cached()
        self.call(self._web("POST", "web_logout", nothing, idempotent=True))
        self._forget_token(token.value if token else None)

    def _forget_token(self, value: str | None) -> None:
        manager = self.token_manager
        current = manager.cached()
        value = value or (current.value if current else None)
        if value is None:
            return
        manager.invalidate(value)
        try:
            stored = manager.store.get(manager.key)
            if stored and value in stored:
                manager.store.delete(manager.key)
        except Exception as err:  # the next call refreshes after one 4001 anyway
            log.warning(
                "%s: cannot drop the logged-out token from the store (%s)", self.platform, type(err).__name__
            )

    def get_captcha(self) -> Captcha:
        """An image captcha for the interactive login (``GET /api/v1/web/captcha``, no token).

        API accounts log in without one [inferred]; :class:`LoginRequest` takes ``captcha_id``
        and ``captcha`` for accounts that need it.
        """
        return self.call(self._web("GET", "web_captcha", self._one(Captcha, "captcha"), auth=False))

    def change_password(self, old_password: str, new_password: str) -> None:
        """Change the account's password (``PUT /api/v1/web/password``; both masked in logs).

        Sent once. Afterwards update the connection's password: the hook keeps using the
        token it has, but its next login needs the new password.
        """
        mask(old_password)
        mask(new_password)
        request = PasswordChangeRequest(old_password=old_password, new_password=new_password)
        # Not re-sent: once the first one landed, the old password no longer matches (3002).
        self.call(self._web("PUT", "web_password", nothing, body=request.dump(), idempotent=False))

    # ------------------------------------------------------------------ API key
    def get_api_key(self) -> ApiKeyInfo:
        """The API Key (= the open API Secret Key [inferred]), masked (``GET /api/v1/web/apikey``)."""
        return self.call(self._web("GET", "web_apikey", self._one(ApiKeyInfo, "API key")))

    def regenerate_api_key(self) -> NewApiKey:
        """Regenerate the API Key (``POST /api/v1/web/apikey``): the old one stops working.

        The new key is masked in logs the moment it arrives, returned as a ``SecretStr`` and used
        by this hook's later open API calls as the Secret Key. Store it (see
        :class:`~airflow_provider.hishopping.operators.HiShoppingRotateKeysOperator`).
        """
        # Re-sent after a lost answer on purpose: each call replaces the key, the last answer
        # holds the one that works (a lost answer is a lost key otherwise).
        parse = self._received(NewApiKey, ("api_key", "apikey", "key"), "secret_key")
        return self.call(self._web("POST", "web_apikey", parse, idempotent=True))

    # ------------------------------------------------------------------ merchant profile
    def create_merchant(self, profile: MerchantRequest | Mapping[str, Any]) -> Merchant:
        """Create the merchant profile (``POST /api/v1/web/merchant``; ``merchant_name`` required)."""
        body = MerchantRequest.model_validate(profile).dump()
        if not body.get("merchant_name"):
            raise ValueError("merchant_name: required to create a merchant profile")
        parse = self._one(Merchant, "merchant")
        return self.call(self._web("POST", "web_merchant", parse, body=body, idempotent=False))

    def get_merchant(self) -> Merchant:
        """The merchant profile (``GET /api/v1/web/merchant``).

        :raises NotFoundError: the account has no profile yet.
        """
        return self.call(self._web("GET", "web_merchant", self._one(Merchant, "merchant profile")))

    def update_merchant(self, changes: MerchantRequest | Mapping[str, Any]) -> Merchant:
        """Update the fields given (``PUT /api/v1/web/merchant``); the profile after the update
        (read back when the answer carries none)."""
        body = MerchantRequest.model_validate(changes).dump()
        updated = self.call(self._web("PUT", "web_merchant", maybe(Merchant), body=body, idempotent=True))
        return updated or self.get_merchant()

    # ------------------------------------------------------------------ app
    def get_app(self) -> AppInfo:
        """The open API app, with its App ID (``GET /api/v1/web/app``)."""
        return self.call(self._web("GET", "web_app", self._one(AppInfo, "app")))

    def update_app(self, changes: AppUpdateRequest | Mapping[str, Any]) -> AppInfo:
        """Update the app's fields given (``PUT /api/v1/web/app``); the app after the update."""
        body = AppUpdateRequest.model_validate(changes).dump()
        updated = self.call(self._web("PUT", "web_app", maybe(AppInfo), body=body, idempotent=True))
        return updated or self.get_app()

    def regenerate_sign_key(self) -> NewSignKey:
        """Regenerate the app's Sign Key (``PUT /api/v1/web/app/cert``): the old one stops working.

        Masked in logs the moment it arrives, returned as a ``SecretStr`` and used by this
        hook's later open API calls. Store it (see the rotate-keys operator).
        """
        # Re-sent after a lost answer on purpose, as for the API key.
        parse = self._received(NewSignKey, ("sign_key", "sign_secret", "key", "cert"), "sign_secret")
        return self.call(self._web("PUT", "web_app_cert", parse, idempotent=True))

    # ------------------------------------------------------------------ the calls, described once
    def _web(
        self, method: str, name: str, parse: Callable[[Any], R], *, body: Any = None, **flags: Any
    ) -> ApiCall[R]:
        """A web API call to endpoint ``name`` (with the JWT unless ``auth=False``)."""
        return ApiCall(method, self.endpoint(name), parse, json=body, **flags)

    def _received(self, model: type[M], names: tuple[str, ...], rotated: str) -> Callable[[Any], M]:
        """Parse a regenerated key: masked in logs before anything else, then used by this hook's
        later open API calls as its ``rotated`` key."""

        def parse(data: Any) -> M:
            value = next((data[n] for n in names if isinstance(data, Mapping) and data.get(n)), None)
            if value is None:
                raise ResponseError(self.platform, f"the answer carries no new key ({'/'.join(names)})")
            mask(str(value))
            self._rotated[rotated] = str(value)
            return model.model_validate(data)

        return parse
