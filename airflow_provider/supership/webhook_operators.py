"""
SuperShip's status webhook: :class:`SuperShipRegisterWebhookOperator` registers the URL
SuperShip POSTs order status changes to, once (the same URL again is success).

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider.supership.base_operator import SuperShipOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.supership.hooks import SuperShipHook


def _redacted_url(url: str) -> str:
    """A URL without its user info and query (where a webhook secret would sit) for logs and XCom."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


class SuperShipRegisterWebhookOperator(SuperShipOperator):
    """
    Register the URL SuperShip POSTs order status changes to (``POST /v1/partner/webhooks/create``).

    Idempotent: the registered webhook is read first (``GET /v1/partner/webhooks``); the same
    URL already registered is success without a second call. Another URL is replaced (SuperShip
    keeps one per account), or fails the task with ``replace_existing=False``. The URL is
    checked (``http(s)://...``) before any request; an empty ``url`` skips. SuperShip signs
    nothing: a secret in the URL's query is the only way to authenticate its calls, so logs and
    XCom show the URL without its query.

    Pushes to XCom ``{"url": the URL without its query, "outcome": created (none was
    registered) | updated (another URL was replaced) | existed (already registered),
    "previous_url": the replaced URL without its query, or None}``.

    :param url: the webhook URL (templated).
    :param supership_conn_id: the SuperShip connection id.
    :param replace_existing: replace another registered URL (default) instead of failing.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("webhooks",)

    template_fields: Sequence[str] = ("url",)
    ui_color = "#e2fdf5"

    def __init__(self, *, url: str | None, replace_existing: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.replace_existing = replace_existing

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
        from pydantic import ValidationError

        from airflow_provider.supership.models import WebhookCreateRequest

        if self.url is None or not str(self.url).strip():
            raise AirflowSkipException("url: nothing to do (no webhook URL)")
        try:
            url = WebhookCreateRequest(url=str(self.url).strip()).url
        except ValidationError as err:
            raise AirflowFailException(
                f"{self.task_id}: url: must be an http(s):// URL without spaces, not {_redacted_url(str(self.url))!r}"
            ) from err
        shown = _redacted_url(url)
        with self.session() as session, self.fail_fast():
            hook = cast("SuperShipHook", session)
            current = hook.get_webhook()
            previous = current.url if current else None
            if previous == url:
                self.log.info("SuperShip webhook %s is already registered", shown)
                return {"url": shown, "outcome": "existed", "previous_url": None}
            if previous and not self.replace_existing:
                raise AirflowFailException(
                    f"{self.task_id}: another webhook is registered ({_redacted_url(previous)}) "
                    "and replace_existing=False"
                )
            hook.register_webhook(url)
        outcome = "updated" if previous else "created"
        self.log.info("SuperShip webhook %s registered (%s)", shown, outcome)
        return {
            "url": shown,
            "outcome": outcome,
            "previous_url": _redacted_url(previous) if previous else None,
        }
