"""
The platforms' data as Airflow assets: ``<conn type>://<account>/<dataset>``.

- The scheme is the platform's connection type (``hypersku``, ``supership``, ``chao8``,
  ``hishopping``, and any platform registered later).
- ``<account>`` is the Airflow **connection id** the operator uses (``hypersku_default``):
  known when the DAG is parsed without reading the connection (a parse never reads
  connections or secrets), the same on every worker, and what a DAG author writes by hand.
- ``<dataset>`` names what changed, one of the platform's
  :attr:`~airflow_provider.platforms.Platform.asset_datasets` (``orders``, ``parcels``, ...).

Registered in provider info under ``asset-uris``: :func:`normalize_uri` (the handler Airflow
calls on every ``Asset(uri)`` of these schemes, so a bad URI fails the DAG's parse naming what
is wrong), :func:`create_asset` (the factory hook-level lineage uses) and
:func:`convert_asset_to_openlineage` (namespace ``<scheme>://<account>``, name ``<dataset>``).

Operators declare what they change with the class attribute ``asset_changes`` (dataset names) and,
for exports written to files, ``asset_exports`` (an :class:`~airflow.sdk.AssetAlias` the file's own
asset is added to); :func:`default_outlets` turns them into outlets unless the user passed
``outlets=``. Each run puts :func:`event_extra` (counts, results file, ids when few) on the
event of every asset in its outlets (:func:`emit_report_event`, :func:`emit_file_event`).

Imported when an operator is constructed (DAG parse): standard library and ``airflow.sdk`` only.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from urllib.parse import SplitResult

    from airflow.sdk import Asset, AssetAlias, Context

    from airflow_provider.common.results import BulkReport

#: events name the platform's ids (and the caller's ids) of a run of at most this many items
MAX_IDS_IN_EVENT = 100
#: an account: the characters of an Airflow connection id (others are percent-encoded)
_ACCOUNT = re.compile(r"^(?:[A-Za-z0-9_.~-]|%[0-9A-Fa-f]{2})+$")
#: outcomes that mean the platform now holds the item as asked (its id is worth naming)
PRESENT_OUTCOMES = frozenset(
    {"created", "existed", "updated", "synced", "ok", "completed", "cancelled", "deleted", "reset"}
)


class AssetUriError(ValueError):
    """A URI of one of the platforms' schemes that does not name a platform dataset."""


#: the dataset of an account's order status changes, on every platform: what an ``AssetWatcher``
#: with the platform's order event trigger watches (distinct from what operators change, so a
#: DAG scheduled on it runs only on the watcher's events)
STATUS_CHANGES = "status-changes"


def _datasets(scheme: str) -> tuple[str, ...]:
    from airflow_provider.platforms import get_platform

    try:
        return (*get_platform(scheme).asset_datasets, STATUS_CHANGES)
    except KeyError as err:
        raise AssetUriError(f"asset URI scheme {scheme!r} is no platform of this provider") from err


def registered_scheme(uri: str) -> str | None:
    """The scheme of ``uri`` when it is a platform's (with asset datasets), else ``None``."""
    from airflow_provider.platforms import platforms

    scheme = urllib.parse.urlsplit(uri).scheme.lower()
    return scheme if any(p.conn_type == scheme and p.asset_datasets for p in platforms()) else None


def normalize_uri(parts: SplitResult) -> SplitResult:
    """
    Validate and normalise ``<scheme>://<account>/<dataset>`` (the ``asset-uris`` handler).

    Airflow has already lower-cased the scheme, dropped a password, sorted the query and removed
    trailing slashes. Here the dataset is lower-cased and must be one of the platform's; the
    account must be present, without user or port; a query or a deeper path is refused.

    :raises AssetUriError: naming what is wrong, when the DAG is parsed.
    """
    scheme = parts.scheme
    known = _datasets(scheme)
    uri = urllib.parse.urlunsplit(parts)
    example = f"{scheme}://{scheme}_default/{known[0] if known else '<dataset>'}"
    if not parts.netloc:
        raise AssetUriError(f"asset URI {uri!r}: no account (the connection id), e.g. {example!r}")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise AssetUriError(
            f"asset URI {uri!r}: the account is a connection id ({parts.netloc!r} has a user or port), "
            f"e.g. {example!r}"
        )
    if not _ACCOUNT.match(parts.netloc):
        raise AssetUriError(
            f"asset URI {uri!r}: account {parts.netloc!r} may hold only letters, digits, '_', '.', '-', "
            "'~' (percent-encode anything else)"
        )
    if parts.query:
        raise AssetUriError(f"asset URI {uri!r}: a platform dataset takes no query ({parts.query!r})")
    dataset = parts.path.strip("/").lower()
    if not dataset:
        raise AssetUriError(
            f"asset URI {uri!r}: no dataset after the account; {scheme} has: {', '.join(known)}"
        )
    if dataset not in known:
        raise AssetUriError(
            f"asset URI {uri!r}: {scheme} has no dataset {dataset!r}; it has: {', '.join(known)}"
        )
    return parts._replace(path=f"/{dataset}", query="", fragment="")


def asset_uri(platform: str, account: str, dataset: str) -> str:
    """``<platform>://<account>/<dataset>``, the account percent-encoded where needed."""
    return f"{platform}://{urllib.parse.quote(account, safe='~')}/{dataset}"


def create_asset(*, platform: str, account: str, dataset: str, extra: dict[str, Any] | None = None) -> Asset:
    """The asset of ``dataset`` of one account (the ``asset-uris`` factory).

    :param platform: the platform's connection type (the URI scheme).
    :param account: the connection id.
    :param dataset: one of the platform's datasets (``orders``, ``parcels``...).
    :param extra: the asset's own extra (not an event's).
    """
    from airflow.sdk import Asset

    return Asset(uri=asset_uri(platform, account, dataset), extra=extra or {})


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any = None) -> Any:
    """The OpenLineage dataset of a platform asset: namespace ``<scheme>://<account>``, name
    ``<dataset>`` (the ``asset-uris`` converter; imports the OpenLineage facets when called)."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urllib.parse.urlsplit(asset.uri)
    return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path.lstrip("/"))


def export_alias_name(platform: str, account: str, dataset: str) -> str:
    """Name of the :class:`~airflow.sdk.AssetAlias` the files of an export are added to:
    ``<platform>://<account>/<dataset> files`` (write it by hand to schedule on the files)."""
    return f"{asset_uri(platform, account, dataset)} files"


def default_outlets(
    platform: str, account: str, changes: Iterable[str], exports: Iterable[str] = ()
) -> list[Asset | AssetAlias]:
    """The outlets an operator declares unless the user passes ``outlets=``: one asset per
    dataset it changes, one alias per dataset it exports to files."""
    from airflow.sdk import AssetAlias

    outlets: list[Asset | AssetAlias] = [
        create_asset(platform=platform, account=account, dataset=dataset) for dataset in changes
    ]
    outlets += [AssetAlias(name=export_alias_name(platform, account, dataset)) for dataset in exports]
    return outlets


def with_default_outlets(
    kwargs: dict[str, Any], platform: str, conn_id: str, changes: Iterable[str], exports: Iterable[str] = ()
) -> dict[str, Any]:
    """``kwargs`` with the default outlets added when the user gave none (``outlets`` absent)."""
    changes, exports = tuple(changes), tuple(exports)
    if "outlets" in kwargs or not (changes or exports) or not platform:
        return kwargs
    return {**kwargs, "outlets": default_outlets(platform, conn_id, changes, exports)}


# ----------------------------------------------------------------------------- events


def event_extra(report: BulkReport, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """
    What a downstream DAG reads from ``triggering_asset_events``: ``{"counts": {outcome: n},
    "total", "results_file": path or None, "ids": {caller id: platform id}}`` and the report's
    plain named values (a print URL or a secret is never one: lists and dicts are left out).

    ``ids`` names the items the platform holds after the run (created, existed, updated, ...)
    and is there only when the run had at most :data:`MAX_IDS_IN_EVENT` items; with more, read
    them from ``results_file`` (``read_report(extra)``). No personal data: ids only.
    """
    total = report.total
    payload: dict[str, Any] = {
        "counts": report.counts,
        "total": total,
        "results_file": report.results_file,
    }
    if total <= MAX_IDS_IN_EVENT:
        payload["ids"] = {
            result.key: None if result.id in (None, "") else str(result.id)
            for result in report.results
            if result.outcome in PRESENT_OUTCOMES
        }
    for name, value in (extra or {}).items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            payload.setdefault(name, value)
    return payload


def _outlet_assets(outlets: Iterable[Any]) -> list[Asset]:
    from airflow.sdk import Asset

    return [outlet for outlet in outlets if isinstance(outlet, Asset)]


def emit_report_event(context: Context, outlets: Iterable[Any], extra: Mapping[str, Any]) -> None:
    """Put ``extra`` on the event of every asset in ``outlets`` (Airflow records the events
    when the task succeeds)."""
    events = context.get("outlet_events")
    if events is None:
        return
    for asset in _outlet_assets(outlets):
        events[asset].extra.update(extra)


def file_asset(path: str) -> Asset:
    """The asset of a written file: its ``ObjectStoragePath`` URI (``file:///...`` for a local path)."""
    from airflow.sdk import Asset, ObjectStoragePath

    target = ObjectStoragePath(path)
    uri = str(target) if target.protocol not in ("", "file", "local") else f"file://{target.path}"
    return Asset(uri=uri)


def emit_file_event(context: Context, outlets: Iterable[Any], path: str, extra: Mapping[str, Any]) -> None:
    """An export wrote ``path``: the file's own asset is added to every alias in ``outlets``,
    and ``extra`` (with ``file``) goes on the event of every asset in ``outlets``."""
    from airflow.sdk import AssetAlias

    events = context.get("outlet_events")
    if events is None:
        return
    payload = {"file": path, **extra}
    outlets = list(outlets)
    for alias in (outlet for outlet in outlets if isinstance(outlet, AssetAlias)):
        events[alias].add(file_asset(path), extra=payload)
    emit_report_event(context, outlets, payload)
