"""
The run of one bulk task (:meth:`BulkOperator.execute <airflow_provider.common.operator_bases.
BulkOperator.execute>`): items validated, then sent chunk by chunk, every result to the sink.

Around the run: the collector kept off the objects alive before it
(:func:`~airflow_provider.common.bulk.collector_paused`), a create's checkpoint
(:mod:`~airflow_provider.common.checkpoint`) and a graceful stop (``on_kill`` / SIGTERM: nothing
new sent, the calls in flight awaited up to ``stop_grace_seconds``, the results written and the
report pushed, then the task fails so that its retry resumes from the checkpoint).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.checkpoint import Checkpoint
    from airflow_provider.common.operator_bases import BulkOperator
    from airflow_provider.common.results import ItemResult


def execute(op: BulkOperator[Any], context: Context) -> dict[str, Any]:
    """``BulkOperator.execute`` itself: one frame between a DAG and the wire."""
    from airflow_provider.common.bulk import STOP_MESSAGE, collector_paused, skipped
    from airflow_provider.common.inputs import jsonl_source
    from airflow_provider.common.results import ResultSink

    with collector_paused():
        raw = getattr(op, op.items_param)
        source = jsonl_source(raw)
        if source is None:
            items, invalid = op.validated(raw)
            total = len(items) + len(invalid)
            chunks: Iterator[tuple[list[Any], list[ItemResult]]] = iter([(items, invalid)])
        else:
            from airflow_provider.common.jsonl_items import JsonlItems

            stream = JsonlItems(op, source)
            total = stream.validate()
            chunks = stream.chunks()
        results_path = op.results_target(total, source)
        progress = op.progress(total)
        checkpoint = _checkpoint(op, context, results_path)
        stop = op.stop_signal
        stopped = False
        with op.session() as hook, checkpoint or nullcontext(), ResultSink(results_path) as sink:
            where = f" from {source}" if source else ""
            to = f", results to {results_path}" if results_path else ""
            op.log.info("%s: %d item(s)%s, %d at a time%s", op.action, total, where, op.concurrency(), to)
            _log_resume(op, checkpoint)
            for chunk, invalid in chunks:
                settled = list(invalid)
                plan = None
                if checkpoint is not None:
                    keys = [op.item_key(item) for item in chunk] + [result.key for result in invalid]
                    plan = checkpoint.plan(keys, len(chunk) + len(invalid))
                if plan is not None and plan.carried:
                    settled += [
                        plan.carried[op.item_key(item)] for item in chunk if op.item_key(item) in plan.carried
                    ]
                    chunk = [item for item in chunk if op.item_key(item) not in plan.carried]
                if stopped or stop.requested:
                    message = STOP_MESSAGE if stop.requested else "batch stopped"
                    settled += [skipped(op.item_key(item), message) for item in chunk]
                    chunk = []
                elif chunk:
                    with op.fail_fast():
                        chunk, rejected = op.prepared(hook, chunk, context)
                    settled += rejected
                for result in settled:
                    sink.add(result)
                    progress.record_result(result)
                if chunk:
                    if checkpoint is not None:
                        checkpoint.before_sending()
                    op.chunk_plan = plan
                    try:
                        report = hook.run_async(op.run_chunk(hook, chunk, context, progress))
                    finally:
                        op.chunk_plan = None
                    for result in report.results:
                        sink.add(result)
                        stopped = stopped or op.stops_batch(result)
                sink.flush()
        progress.finish()
        report = sink.report()
        if stop.requested:
            return _stopped(op, context, report)
        if checkpoint is not None and not report.failed_count():
            checkpoint.finished()
        return op.finish(context, report)


def _checkpoint(op: BulkOperator[Any], context: Context, results_path: str | None) -> Checkpoint | None:
    """The checkpoint of an operator that resumes from one (reads repeat an item safely: none)."""
    if not op.resumes_from_checkpoint:
        return None
    from airflow_provider.common.checkpoint import Checkpoint

    return Checkpoint(context, results_path)


def _log_resume(op: BulkOperator[Any], checkpoint: Checkpoint | None) -> None:
    if checkpoint is None or not checkpoint.retry:
        return
    if checkpoint.resuming:
        op.log.info(
            "%s: resuming: earlier attempts may have sent the first %d item(s); those they confirmed "
            "are carried over, the others looked up, the rest sent as new",
            op.action,
            checkpoint.earlier_frontier,
        )
    else:
        op.log.info("%s: retried attempt without a checkpoint: every order is looked up first", op.action)


def _stopped(op: BulkOperator[Any], context: Context, report: Any) -> dict[str, Any]:
    """Told to stop: the report pushed (what is known), then the task fails (its retry resumes)."""
    from airflow.sdk.exceptions import AirflowException

    try:
        payload = op.finish(context, report)
    except AirflowException:
        payload = None  # failed items: the report is already pushed
    if payload is not None:
        context["ti"].xcom_push(key="return_value", value=payload)
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts.items()))
    where = f"; results in {report.results_file}" if report.results_file else ""
    resumes = "resumes from the checkpoint" if op.resumes_from_checkpoint else "sends the items again"
    raise AirflowException(
        f"{op.action}: told to stop (on_kill / SIGTERM): {counts}{where}; "
        f"the items not sent are 'skipped' and a retry {resumes}"
    )
