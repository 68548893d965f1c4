"""
OpenLineage for the provider's bulk, sync and export operators (optional).

:class:`~airflow_provider.common.operator_bases.PlatformOperator` has
``get_openlineage_facets_on_complete`` / ``_on_failure``; they call :func:`operator_lineage`,
which imports the OpenLineage provider only then: without ``apache-airflow-providers-openlineage``
nothing here is ever imported and the provider runs as before.

What a run reports:

- **outputs**: every platform asset in the task's outlets as an OpenLineage dataset (namespace
  ``<scheme>://<conn id>``, name ``<dataset>``, the ``asset-uris`` converter) with the items the
  platform holds after the run as ``outputStatistics.rowCount``, and the results or exported file
  (namespace ``file``) with its row count;
- **inputs**: the JSON-lines input file when the items came from one, or the platform dataset
  an export read;
- **run facets**: ``fulfillment`` (counts per outcome, total, the first failed caller ids:
  ids only, never names, phones or addresses) and, on failure, ``errorMessage`` (the
  OpenLineage provider puts the task's own exception there when it has it).

An operator records what its run did with :func:`record_run` (the bulk core does it for every
bulk, create and sync operator; the exports when they write their file).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from functools import cache
from typing import Any

#: failed caller ids named in the run facet at the most
MAX_FAILED_IN_FACET = 20
#: attribute of the operator holding what its last run did (a plain dict)
RUN_ATTRIBUTE = "_fulfillment_run"


def record_run(
    operator: Any,
    *,
    extra: Mapping[str, Any],
    input_file: str | None = None,
    output_file: str | None = None,
    failed_keys: list[str] | None = None,
) -> None:
    """Keep what this run did on the operator for the OpenLineage methods (same process)."""
    setattr(
        operator,
        RUN_ATTRIBUTE,
        {
            "extra": dict(extra),
            "input_file": input_file,
            "output_file": output_file,
            "failed_keys": list(failed_keys or [])[:MAX_FAILED_IN_FACET],
        },
    )


def file_dataset_name(path: str) -> tuple[str, str]:
    """``(namespace, name)`` of a file: ``("file", "/abs/path")`` or ``("s3://bucket", "key")``."""
    parts = urllib.parse.urlsplit(str(path))
    if parts.scheme in ("", "file", "local"):
        return "file", parts.path or str(path)
    return f"{parts.scheme}://{parts.netloc}", parts.path.lstrip("/")


def _present_count(counts: Mapping[str, int]) -> int:
    from airflow_provider.common.assets import PRESENT_OUTCOMES

    return sum(n for outcome, n in counts.items() if outcome in PRESENT_OUTCOMES)


def operator_lineage(operator: Any, *, failed: bool) -> Any:
    """The ``OperatorLineage`` of the operator's last run (``None`` if it declares no dataset, or
    without the optional OpenLineage provider: Airflow calls this only when it is installed)."""
    try:
        from airflow.providers.common.compat.openlineage.facet import (
            Dataset,
            ErrorMessageRunFacet,
            OutputDataset,
            OutputStatisticsOutputDatasetFacet,
        )
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        return None
    from airflow.sdk import Asset

    from airflow_provider.common.assets import (
        PRESENT_OUTCOMES,
        convert_asset_to_openlineage,
        registered_scheme,
    )

    platform_assets = [
        outlet
        for outlet in (operator.outlets or [])
        if isinstance(outlet, Asset) and registered_scheme(outlet.uri)
    ]
    run = getattr(operator, RUN_ATTRIBUTE, None) or {}
    if not platform_assets and not run.get("output_file") and not getattr(operator, "asset_exports", ()):
        return None
    extra = run.get("extra") or {}
    counts: dict[str, int] = dict(extra.get("counts") or {})
    written = _present_count(counts) if counts else extra.get("rows")
    statistics: dict[str, Any] = (
        {"outputStatistics": OutputStatisticsOutputDatasetFacet(rowCount=int(written))}
        if written is not None
        else {}
    )
    outputs = []
    for asset in platform_assets:
        dataset = convert_asset_to_openlineage(asset)
        outputs.append(OutputDataset(namespace=dataset.namespace, name=dataset.name, outputFacets=statistics))
    if run.get("output_file"):
        namespace, name = file_dataset_name(run["output_file"])
        outputs.append(OutputDataset(namespace=namespace, name=name, outputFacets=statistics))
    inputs = []
    if run.get("input_file"):
        namespace, name = file_dataset_name(run["input_file"])
        inputs.append(Dataset(namespace=namespace, name=name))
    run_facets: dict[str, Any] = {
        "fulfillment": _run_facet_class()(
            counts=counts,
            total=extra.get("total", extra.get("rows")),
            failed=list(run.get("failed_keys") or []),
        )
    }
    if failed:
        failing = ", ".join(
            f"{n} {outcome}" for outcome, n in sorted(counts.items()) if outcome not in PRESENT_OUTCOMES
        )
        failed_keys = ", ".join(run.get("failed_keys") or [])
        message = f"{failing}: {failed_keys}" if failing and failed_keys else failing
        run_facets["errorMessage"] = ErrorMessageRunFacet(
            message=message or "the task failed", programmingLanguage="python"
        )
    return OperatorLineage(inputs=inputs, outputs=outputs, run_facets=run_facets)


@cache
def _run_facet_class() -> type:
    """The ``fulfillment`` run facet (an attrs class on OpenLineage's ``RunFacet``)."""
    import attr
    from airflow.providers.common.compat.openlineage.facet import RunFacet

    @attr.define
    class FulfillmentRunFacet(RunFacet):  # type: ignore[misc]
        """Outcomes of a bulk run: counts per outcome, total, the first failed caller ids."""

        counts: dict[str, int] = attr.field(factory=dict)
        total: int | None = attr.field(default=None)
        failed: list[str] = attr.field(factory=list)

        @staticmethod
        def _get_schema() -> str:
            return "https://github.com/airflow-provider-fulfillment/facets/FulfillmentRunFacet.json"

    return FulfillmentRunFacet
