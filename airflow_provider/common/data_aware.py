"""
What every operator of the provider tells Airflow about the data it changes.

:class:`DataAwareOperator` (a base of
:class:`~airflow_provider.common.operator_bases.PlatformOperator`) holds the class attributes an
operator declares (``asset_changes``, ``asset_exports``), gives mapped tasks the same defaults
as plain ones, and implements the OpenLineage methods; the work is in
:mod:`airflow_provider.common.assets`, :mod:`airflow_provider.common.lineage` and
:mod:`airflow_provider.common.retry_policy`.

Imported on every DAG parse: ``airflow.sdk`` only at module level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport


def operator_defaults(cls: type[DataAwareOperator], conn_id: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with the default outlets and (Airflow >= 3.3) retry policy, unless given."""
    from airflow_provider.common.assets import with_default_outlets
    from airflow_provider.common.retry_policy import with_default_retry_policy

    kwargs = with_default_outlets(kwargs, cls.registry_key, conn_id, cls.asset_changes, cls.asset_exports)
    return with_default_retry_policy(kwargs)


class DataAwareOperator(BaseOperator):
    """
    Default outlets, asset event extras and OpenLineage for the provider's operators.

    An operator that changes a platform's data names the datasets in :attr:`asset_changes`
    (its default outlets: ``<conn type>://<conn id>/<dataset>``); one that writes files names
    them in :attr:`asset_exports` (an ``AssetAlias`` each written file's asset is added to).
    A user's own ``outlets=`` replaces them.
    """

    #: the platform's key in :mod:`airflow_provider.platforms` (which names its hook class)
    registry_key: ClassVar[str] = ""
    #: datasets this operator changes: its default outlets (see :mod:`airflow_provider.common.assets`)
    asset_changes: ClassVar[tuple[str, ...]] = ()
    #: datasets this operator exports to files: an ``AssetAlias`` the file's asset is added to
    asset_exports: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:  # type: ignore[override]
        """Mapped tasks get the defaults too: Airflow builds a mapped task's outlets from these
        arguments, not from ``__init__``."""
        conn_id = kwargs.get(
            f"{cls.registry_key}_conn_id", kwargs.get("conn_id", f"{cls.registry_key}_default")
        )
        return super().partial(**operator_defaults(cls, str(conn_id), kwargs))

    def announce(self, context: Context, report: BulkReport, extra: dict[str, Any]) -> None:
        """A bulk run is done: its counts, results file and ids go on the event of every asset in
        the outlets and to the OpenLineage methods."""
        from airflow_provider.common.assets import emit_report_event, event_extra
        from airflow_provider.common.lineage import record_run

        happened = event_extra(report, extra)
        emit_report_event(context, self.outlets, happened)
        record_run(
            self,
            extra=happened,
            output_file=report.results_file,
            input_file=self.input_file(),
            failed_keys=[result.key for result in report.failures],
        )

    def exported(self, context: Context, path: str, **extra: Any) -> None:
        """An export wrote ``path``: the file's asset joins the operator's alias outlets, the event
        and the lineage name it (``extra``: plain values such as ``rows``)."""
        from airflow_provider.common.assets import emit_file_event
        from airflow_provider.common.lineage import record_run

        emit_file_event(context, self.outlets, path, extra)
        record_run(self, extra=extra, output_file=path)

    def input_file(self) -> str | None:
        """The JSON-lines file the items were read from, if any (for lineage)."""
        from airflow_provider.common.inputs import jsonl_source

        items_param = getattr(self, "items_param", "")
        return jsonl_source(getattr(self, items_param, None)) if items_param else None

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage of the run: the platform datasets changed, counts, files (optional import)."""
        from airflow_provider.common.lineage import operator_lineage

        return operator_lineage(self, failed=False)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """OpenLineage of a failed run: as on completion, with the failed orders in a run facet."""
        from airflow_provider.common.lineage import operator_lineage

        return operator_lineage(self, failed=True)
