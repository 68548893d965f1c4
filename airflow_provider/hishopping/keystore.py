"""
Where rotated HiShopping open API keys live: an Airflow Variable the user names.

A task cannot write its connection in Airflow 3: the Task SDK (``airflow.sdk``) reads
connections (``GetConnection``) but has no call that writes one (it writes Variables:
``PutVariable``), and a worker has no metadata DB session or REST API credentials. So
:class:`~airflow_provider.hishopping.operators.HiShoppingRotateKeysOperator` writes the new keys
to a Variable, as JSON ``{"app_id", "secret_key", "sign_secret", "rotated_at"}``, and the hook
reads that Variable when the connection's extra ``keys_variable`` names it: the stored keys win
over the connection's own ``secret_key`` / ``sign_secret``.

The Variable's name must contain a word Airflow masks by (``secret``, ``password``, ...), so its
value is hidden in the UI and the REST API. Every key read or written is registered with
Airflow's log masking first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from airflow_provider.common.auth import VariableTokenStore

log = logging.getLogger(__name__)

#: a Variable whose name contains one of these has its value hidden by Airflow (UI, REST API)
SENSITIVE_WORDS = ("secret", "password", "passwd", "token", "api_key", "apikey", "private_key", "passphrase")
#: the key names a Variable may hold
KEY_NAMES = ("app_id", "secret_key", "sign_secret", "rotated_at")
SECRET_NAMES = ("secret_key", "sign_secret")
DESCRIPTION = (
    "HiShopping open API keys rotated by HiShoppingRotateKeysOperator; the connection whose extra "
    "keys_variable names this Variable uses them. The only copy of the current keys: do not delete."
)


class KeyVariableStore(VariableTokenStore):
    """The Variables store of the token cache, writing a description that says what the value is."""

    @property
    def backend(self) -> str:
        """``sdk`` (inside a task), ``db`` (a metadata DB is reachable) or ``memory`` (neither)."""
        return self._backend()

    def set(self, key: str, value: str) -> None:
        backend = self._backend()
        if backend == "sdk":
            from airflow.sdk import Variable

            Variable.set(key, value, description=DESCRIPTION)
        elif backend == "db":
            from airflow.models import Variable as DbVariable

            DbVariable.set(key, value, description=DESCRIPTION)
        else:
            super().set(key, value)


def check_variable_name(name: str) -> str | None:
    """Why ``name`` cannot hold keys (empty, or Airflow would show its value), else ``None``."""
    if not name or not name.strip():
        return "a Variable name is required"
    if not any(word in name.lower() for word in SENSITIVE_WORDS):
        return (
            f"Variable {name!r} would be shown in clear in the UI and the REST API: its name must "
            f"contain one of {', '.join(SENSITIVE_WORDS)} (e.g. 'hishopping_keys_secret')"
        )
    return None


def _mask(value: str) -> None:
    from airflow_provider.common.masking import mask

    mask(value)


def read_stored_keys(name: str, store: KeyVariableStore | None = None) -> dict[str, str]:
    """The keys stored in Variable ``name`` (masked first); ``{}`` when there is none.

    A value that is not a JSON object is ignored with a warning (never quoted: it may be a key).
    """
    raw = (store or KeyVariableStore()).get(name)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, Mapping):
        log.warning("Variable %s does not hold a JSON object of HiShopping keys: ignored", name)
        return {}
    keys = {key: str(data[key]) for key in KEY_NAMES if data.get(key)}
    for secret in SECRET_NAMES:
        if keys.get(secret):
            _mask(keys[secret])
    return keys


def write_stored_keys(name: str, keys: Mapping[str, str], store: KeyVariableStore | None = None) -> None:
    """Merge ``keys`` into Variable ``name`` (the keys not given stay as stored)."""
    store = store or KeyVariableStore()
    for secret in SECRET_NAMES:
        if keys.get(secret):
            _mask(str(keys[secret]))
    merged = read_stored_keys(name, store) | {key: str(value) for key, value in keys.items() if value}
    store.set(name, json.dumps(merged, sort_keys=True))
