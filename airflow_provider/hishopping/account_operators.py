"""
HiShopping account operators (web API): the merchant profile, the open API app, and rotating
the open API keys.

Imported on every DAG parse (through :mod:`airflow_provider.hishopping.operators`): only
operator bases at module level; the hook, the models and the trigger are imported when a task
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.hishopping.base_operator import HiShoppingOperator, task_failure

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.hishopping.hooks import HiShoppingHook


class HiShoppingGetMerchantOperator(HiShoppingOperator):
    """
    Read the merchant profile (web API ``GET /api/v1/web/merchant``).

    Pushes to XCom ``{"exists": true, "merchant_id", "merchant_name", "status", "country",
    "updated_at"}`` (no contact or bank data), or ``{"exists": false}`` when the account has no
    profile and ``fail_if_missing=False``.

    :param fail_if_missing: fail the task (no retries) when the account has no profile yet.
    :param hishopping_conn_id: the connection (web login + password).
    """

    def __init__(self, *, fail_if_missing: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_if_missing = fail_if_missing

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.errors import NotFoundError

        with self.hishopping() as hook:
            try:
                merchant = hook.get_merchant()
            except NotFoundError:
                if self.fail_if_missing:
                    raise
                self.log.info("The HiShopping account has no merchant profile yet")
                return {"exists": False}
        self.log.info("HiShopping merchant %s (%s)", merchant.merchant_id, merchant.status)
        return {"exists": True, **merchant.compact()}


class HiShoppingUpdateMerchantOperator(HiShoppingOperator):
    """
    Bring the merchant profile to the values given (web API ``PUT /api/v1/web/merchant``).

    The profile is read first and only the fields that differ are sent, so a re-run changes
    nothing. With ``create_if_missing=True`` an account without a profile gets one
    (``POST /api/v1/web/merchant``; ``merchant_name`` is then required). Bad fields fail the
    task before any request, naming the field; empty ``changes`` skip the task.

    ``changes`` may carry contact and bank data: it is a template field, so Airflow stores and
    shows its rendered value; pass it from a Variable or XCom rather than literally in the DAG
    when that matters. XCom never carries it.

    Pushes to XCom ``{"changed": [field names sent], "created": bool, "merchant_id",
    "merchant_name", "status", "country", "updated_at"}``.

    :param changes: ``{merchant_name?, contact_name?, email?, phone?, country?, address?,
        bank_name?, bank_account?, bank_account_name?}`` (templated; field names [inferred]).
    :param create_if_missing: create the profile when the account has none.
    :param hishopping_conn_id: the connection (web login + password).
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("merchant",)

    template_fields: Sequence[str] = ("changes",)

    def __init__(self, *, changes: Any, create_if_missing: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.changes = changes
        self.create_if_missing = create_if_missing

    def validated(self) -> dict[str, Any]:
        """The fields to set, in wire form; fails (no retries) naming each bad field."""
        from collections.abc import Mapping

        from pydantic import ValidationError

        from airflow_provider.hishopping.models import MerchantRequest

        if self.changes is None or self.changes == {}:
            return {}
        if not isinstance(self.changes, Mapping):
            raise task_failure(f"{self.task_id}: changes must be a mapping of profile fields")
        try:
            return MerchantRequest.model_validate(dict(self.changes)).dump()
        except ValidationError as err:
            problems = [
                f"{'.'.join(str(part) for part in error['loc']) or '(changes)'}: {error['msg']}"
                for error in err.errors()
            ]
            raise task_failure(
                f"{self.task_id}: nothing was sent: changes." + "; changes.".join(problems)
            ) from None

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowSkipException

        from airflow_provider.common.errors import NotFoundError

        wanted = self.validated()
        if not wanted:
            raise AirflowSkipException("changes: nothing to do (no fields given)")
        with self.hishopping() as hook:
            try:
                current = hook.get_merchant()
            except NotFoundError:
                if not self.create_if_missing:
                    raise
                if not wanted.get("merchant_name"):
                    raise task_failure(
                        f"{self.task_id}: changes.merchant_name is required to create the profile"
                    ) from None
                created = hook.create_merchant(wanted)
                self.log.info("HiShopping merchant profile %s created", created.merchant_id)
                return {"changed": sorted(wanted), "created": True, **created.compact()}
            now = current.model_dump(mode="json")
            diff = {name: value for name, value in wanted.items() if now.get(name) != value}
            if not diff:
                self.log.info("HiShopping merchant profile already up to date")
                return {"changed": [], "created": False, **current.compact()}
            updated = hook.update_merchant(diff)
        self.log.info("HiShopping merchant profile: updated %s", ", ".join(sorted(diff)))
        return {"changed": sorted(diff), "created": False, **updated.compact()}


class HiShoppingGetAppOperator(HiShoppingOperator):
    """
    Read the open API app: its App ID, name, status, callback URL and IP whitelist (web API
    ``GET /api/v1/web/app``). The keys are never part of it.

    Pushes to XCom ``{"app_id", "app_name", "status", "callback_url", "ip_whitelist",
    "matches_connection"}`` (``matches_connection``: the connection's ``app_id`` extra is this
    App ID; ``null`` when the connection has none).

    :param hishopping_conn_id: the connection (web login + password).
    """

    def execute(self, context: Context) -> dict[str, Any]:
        with self.hishopping() as hook:
            app = hook.get_app()
            configured = hook.open_keys().get("app_id")
        result = {
            "app_id": app.app_id,
            "app_name": app.app_name,
            "status": app.status,
            "callback_url": app.callback_url,
            "ip_whitelist": list(app.ip_whitelist),
            "matches_connection": None if configured is None else configured == app.app_id,
        }
        self.log.info("HiShopping app %s (%s)", app.app_id, app.status)
        return result


#: what each key is called by the rotate operator -> the connection extra it replaces
ROTATABLE_KEYS = {
    "sign_secret": "sign_secret",
    "sign_key": "sign_secret",
    "secret_key": "secret_key",
    "api_key": "secret_key",
}


class HiShoppingRotateKeysOperator(HiShoppingOperator):
    """
    Regenerate the open API keys and store the new ones where the connection reads them.

    ``sign_secret`` (the Sign Key) through ``PUT /api/v1/web/app/cert``, ``secret_key`` (the
    API Key = the Secret Key [inferred]) through ``POST /api/v1/web/apikey``; the old key stops
    working at once. Each new key is masked in logs the moment it arrives and written at once
    (before the next key is rotated) to the Airflow Variable ``keys_variable`` as JSON
    ``{"app_id", "secret_key", "sign_secret", "rotated_at"}``. A task cannot write its
    connection in Airflow 3 (the Task SDK has no call for it): the hook reads that Variable when
    the connection's extra ``keys_variable`` names it, and the stored keys win over the
    connection's own. Everything is checked before any key is rotated: web credentials, the
    Variable name (it must contain ``secret`` or another word Airflow masks by, so the value is
    hidden), that Variables are reachable, and that the connection's App ID (if any) is the
    account's app. With ``verify=True`` an open API call with the new keys proves them.

    Never pushes a key to XCom. Pushes ``{"app_id", "rotated": [key names], "keys_variable",
    "rotated_at", "verified", "connection_reads_it"}``.

    :param keys: which keys: ``sign_secret`` (alias ``sign_key``) and/or ``secret_key`` (alias
        ``api_key``); default both. Empty skips the task.
    :param keys_variable: the Variable to store the keys in (templated); default the
        connection's ``keys_variable`` extra.
    :param verify: read the credit balance through the open API with the new keys afterwards.
    :param hishopping_conn_id: the connection (web login + password; open API extras for
        ``verify``).
    """

    template_fields: Sequence[str] = ("keys_variable",)

    def __init__(
        self,
        *,
        keys: str | Sequence[str] = ("sign_secret", "secret_key"),
        keys_variable: str | None = None,
        verify: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keys = [keys] if isinstance(keys, str) else list(keys)
        unknown = [key for key in self.keys if key not in ROTATABLE_KEYS]
        if unknown:
            raise ValueError(f"keys: unknown {unknown}; choose from {sorted(ROTATABLE_KEYS)}")
        self.keys_variable = keys_variable
        self.verify = verify

    def execute(self, context: Context) -> dict[str, Any]:
        from datetime import UTC, datetime

        from airflow.sdk.exceptions import AirflowSkipException

        from airflow_provider.hishopping.keystore import KeyVariableStore, check_variable_name

        wanted = list(dict.fromkeys(ROTATABLE_KEYS[key] for key in self.keys))
        if not wanted:
            raise AirflowSkipException("keys: nothing to rotate")
        with self.hishopping() as hook:
            configured = hook.extra.get("keys_variable")
            name = str(self.keys_variable or configured or "")
            problem = check_variable_name(name)
            if problem:
                raise task_failure(
                    f"{self.task_id}: keys_variable: {problem} (or set the connection extra keys_variable)"
                )
            store = KeyVariableStore()
            if store.backend == "memory":
                raise task_failure(
                    f"{self.task_id}: no Airflow Variables reachable (not in a task, no metadata DB): "
                    "a new key would be lost; nothing was rotated"
                )
            if not hook.has_web_credentials:
                raise task_failure(
                    f"{self.task_id}: rotating keys needs the connection's web login and password"
                )
            self.prime_token(hook)
            app = hook.get_app()
            own = hook.open_keys().get("app_id")
            if own and own != app.app_id:
                raise task_failure(
                    f"{self.task_id}: the connection's app_id {own!r} is not the account's app {app.app_id!r}: "
                    "nothing was rotated"
                )
            rotated: list[str] = []
            stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
            for key in wanted:
                self._rotate(hook, key, name, app.app_id, stamp, store, rotated)
            verified = False
            if self.verify and hook.has_open_credentials:
                hook.get_credit_balance()
                verified = True
                self.log.info("The new key(s) work: an open API call with them was answered")
        reads_it = configured == name
        if not reads_it:
            self.log.warning(
                "Set the connection's extra keys_variable to %r so its hooks use the new keys", name
            )
        return {
            "app_id": app.app_id,
            "rotated": rotated,
            "keys_variable": name,
            "rotated_at": stamp,
            "verified": verified,
            "connection_reads_it": reads_it,
        }

    def _rotate(
        self,
        hook: HiShoppingHook,
        key: str,
        name: str,
        app_id: str,
        stamp: str,
        store: Any,
        rotated: list[str],
    ) -> None:
        """Regenerate one key and store it at once; a failed write fails the task naming the key."""
        from airflow_provider.hishopping.keystore import write_stored_keys

        if key == "sign_secret":
            value = hook.regenerate_sign_key().sign_key.get_secret_value()
        else:
            value = hook.regenerate_api_key().api_key.get_secret_value()
        self.log.info("HiShopping %s regenerated for app %s; storing it in Variable %s", key, app_id, name)
        try:
            write_stored_keys(name, {key: value, "app_id": app_id, "rotated_at": stamp}, store)
        except Exception as err:
            # Never the error's text or its chain: a store error can quote the value written.
            raise task_failure(
                f"{self.task_id}: the new {key} was issued but could not be stored in Variable {name} "
                f"({type(err).__name__}); the old {key} no longer works: fix the store and re-run to "
                f"rotate again (already stored: {rotated or 'none'})"
            ) from None
        rotated.append(key)
