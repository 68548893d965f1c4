"""
A bulk run's per-item results (:class:`ItemResult`), its report (:class:`BulkReport`) and
where the results go.

- Small batches: inline in the XCom report (``"results": [...]``).
- With ``results_path`` (or at scale, see :class:`~airflow_provider.common.operator_bases.
  BulkOperator`): a JSON-lines file (local or any ``ObjectStoragePath``) written **as the run
  goes** by a :class:`ResultSink`, which keeps only the counts, the first
  :data:`MAX_FAILURES_IN_XCOM` failures and the total in memory. The XCom report keeps the
  same keys (``"results": None``, ``"results_file": path``) and stays bounded whatever the size.

:func:`~airflow_provider.common.report_reader.read_report` (and
:func:`~airflow_provider.common.inputs.ids_from`) read either form, so downstream tasks,
operators and sensors do not care which one they were given.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airflow_provider.common.errors import ApiError

#: outcomes of a result whose order exists on the platform after the run
PRESENT_OUTCOMES = frozenset({"created", "existed", "updated", "synced", "ok"})
#: outcomes that count as a failure of the item
FAILURE_OUTCOMES = frozenset({"failed", "unknown", "invalid"})
Outcome = Literal["created", "existed", "updated", "synced", "ok", "failed", "unknown", "skipped", "invalid"]

#: failures listed in an XCom report that points to a results file
MAX_FAILURES_IN_XCOM = 100
#: an id list of a report extra longer than this leaves XCom for the results file
MAX_IDS_IN_XCOM = 1000
#: results kept inline in XCom at most when no ``results_path`` is given (≈ 0.45 MB)
MAX_INLINE_RESULTS = 2000


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_results(path: str, results: Iterable[Mapping[str, Any]]) -> str:
    """Write one JSON object per line to ``path`` (parent folders created); returns the path."""
    from airflow.sdk import ObjectStoragePath

    target = ObjectStoragePath(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as handle:
        batch: list[str] = []
        for result in results:
            batch.append(_dumps(result))
            if len(batch) >= 1000:  # one write per batch: each write call records lineage
                handle.write("".join(batch))
                batch.clear()
        handle.write("".join(batch))
    return str(target)


def iter_results_file(path: str) -> Iterator[dict[str, Any]]:
    """The results of a JSON-lines file written by :func:`write_results`, one at a time."""
    from airflow.sdk import ObjectStoragePath

    with ObjectStoragePath(path).open("r", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


class ResultsView:
    """
    The results of a streamed run, read back from its file one at a time (never all in memory).

    What :attr:`BulkReport.results <airflow_provider.common.results.BulkReport.results>` is in
    streaming mode: iterable any number of times, with a ``len``; not indexable.
    """

    def __init__(self, path: str, total: int) -> None:
        self.path = path
        self.total = total

    def __iter__(self) -> Iterator[ItemResult]:
        for row in iter_results_file(self.path):
            yield ItemResult.model_validate(row)

    def __len__(self) -> int:
        return self.total

    def __repr__(self) -> str:
        return f"ResultsView({self.path!r}, total={self.total})"


class ItemResult(BaseModel):
    """
    What happened to one item of a bulk call (compact: ids, status, counts; no personal data).

    :param key: the caller's own id of the item (``thirdOrderId``, ``soc``, ``orderNo``, ...).
    :param outcome: created / existed / updated / synced / ok / failed / unknown / skipped / invalid.
    :param id: the platform's id of the object, when known.
    :param status: the platform's status of the object, when known.
    :param error: for failed/unknown/invalid items: ``{kind, message, code, http_status, ...}``.
    :param data: a few more compact fields the platform operator adds.
    """

    key: str
    outcome: Outcome
    id: str | None = None
    status: str | None = None
    error: dict[str, Any] | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURE_OUTCOMES


class BulkReport(BaseModel):
    """
    Every item's result, in input order (items not sent, such as invalid ones, first in their
    chunk), and the counts per outcome.

    :param results: one result per item: a list (inline runs) or, in streaming mode, a
        :class:`~airflow_provider.common.results.ResultsView` reading them back from
        ``results_file`` one at a time (iterable, with a ``len``; not indexable).
    :param results_file: where the full results were written (JSON lines).
    :param tally: the counts per outcome when the results were streamed to the file.
    :param failure_sample: the first failures when the results were streamed to the file.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    # ResultsView first, left to right: a smart-mode union would also try to validate the view
    # as a list, reading every result of the file into memory (100,000 orders: ~170 MB)
    results: ResultsView | list[ItemResult] = Field(union_mode="left_to_right")
    results_file: str | None = None
    tally: dict[str, int] | None = None
    failure_sample: list[ItemResult] | None = None

    @property
    def counts(self) -> dict[str, int]:
        if self.tally is not None:
            return dict(self.tally)
        return dict(Counter(result.outcome for result in self.results))

    @property
    def total(self) -> int:
        return len(self.results)

    def failed_count(self, *, allow_invalid: bool = False) -> int:
        failing = FAILURE_OUTCOMES - {"invalid"} if allow_invalid else FAILURE_OUTCOMES
        return sum(n for outcome, n in self.counts.items() if outcome in failing)

    @property
    def failures(self) -> list[ItemResult]:
        """The failed items (only the first ``MAX_FAILURES_IN_XCOM`` when streamed)."""
        if self.failure_sample is not None:
            return list(self.failure_sample)
        return [result for result in self.results if result.failed]

    def to_xcom(self) -> dict[str, Any]:
        """One shape with or without a results file: read it with ``read_report``."""
        inline = None if self.results_file else [r.model_dump(mode="json") for r in self.results]
        return {
            "counts": self.counts,
            "total": self.total,
            "results": inline,
            "results_file": self.results_file,
            "failures": [r.model_dump(mode="json") for r in self.failures[:MAX_FAILURES_IN_XCOM]],
        }


class ResultSink:
    """
    Takes every item result as it completes (in input order) and keeps the run's memory flat.

    With ``path``, each result is written to that JSON-lines file at once and only the counts,
    the total and the first ``max_failures`` failures stay in memory; without one, the results
    are kept (inline report: small batches only).

    :param path: the JSON-lines file (local path or ``ObjectStoragePath`` URL), or ``None``.
    :param max_failures: failures kept for the XCom report and the task's error message.
    """

    #: results buffered before one write (the operator also flushes after every chunk)
    flush_every = 1000

    def __init__(self, path: str | None, *, max_failures: int = MAX_FAILURES_IN_XCOM) -> None:
        self.path = path
        self.max_failures = max_failures
        self.counts: Counter[str] = Counter()
        self.failures: list[ItemResult] = []
        self.kept: list[ItemResult] = []
        self.total = 0
        self._handle: Any = None
        self._target: str | None = None
        self._pending: list[str] = []

    def __enter__(self) -> ResultSink:
        if self.path:
            from airflow.sdk import ObjectStoragePath

            target = ObjectStoragePath(self.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            self._target = str(target)
            self._handle = target.open("w", encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self.flush()
            self._handle.close()
            self._handle = None

    def add(self, result: ItemResult) -> None:
        self.total += 1
        self.counts[result.outcome] += 1
        if result.failed and len(self.failures) < self.max_failures:
            self.failures.append(result)
        if self._handle is not None:
            # pydantic-core writes the line itself: a fifth of json.dumps over model_dump's dict
            self._pending.append(result.model_dump_json() + "\n")
            if len(self._pending) >= self.flush_every:
                self.flush()
        else:
            self.kept.append(result)

    def flush(self) -> None:
        """Write the results taken since the last flush, in one call.

        One ``write`` per batch, not per result: ``ObjectStoragePath`` files record lineage on
        every ``write`` call (and object stores prefer large writes).
        """
        if self._handle is not None and self._pending:
            self._handle.write("".join(self._pending))
            self._handle.flush()
            self._pending.clear()

    def add_all(self, results: Iterable[ItemResult]) -> None:
        for result in results:
            self.add(result)

    def report(self) -> BulkReport:
        """The run's report: inline results, or the file's :class:`ResultsView` and the tallies."""
        self.__exit__()
        if self._target is None:
            return BulkReport(results=self.kept)
        return BulkReport.model_construct(  # no validation: nothing to check, nothing to read
            results=ResultsView(self._target, self.total),
            results_file=self._target,
            tally=dict(self.counts),
            failure_sample=self.failures,
        )


def error_dict(err: BaseException) -> dict[str, Any]:
    if isinstance(err, ApiError):
        return err.to_dict()
    return {"kind": type(err).__name__, "message": str(err)}


def bound_extra(extra: Mapping[str, Any], *, limit: int = MAX_IDS_IN_XCOM) -> dict[str, Any]:
    """
    A report's extra keys with every list longer than ``limit`` left out (named under
    ``in_results_file``): :func:`~airflow_provider.common.inputs.ids_from` then reads the ids
    (the ``id`` or ``key`` of every present item) from the results file instead.
    """
    kept: dict[str, Any] = {}
    moved: list[str] = []
    for name, value in extra.items():
        if isinstance(value, list | tuple) and len(value) > limit:
            moved.append(name)
        else:
            kept[name] = value
    if moved:
        kept["in_results_file"] = moved
    return kept


def default_results_path(source: str) -> str:
    """Beside a JSON-lines input ``orders.jsonl``: ``orders.results.jsonl`` (same storage)."""
    for suffix in (".jsonl", ".ndjson"):
        if source.endswith(suffix):
            return source[: -len(suffix)] + ".results.jsonl"
    return source + ".results.jsonl"


def results_target(op: Any, total: int, source: str | None = None) -> str | None:
    """Where a bulk operator's results go: its ``results_path``, beside a streamed input, or
    inline (small). A large list input without ``results_path`` fails here, before anything is
    sent."""
    if op.results_path:
        return str(op.results_path)
    if source is not None:
        return default_results_path(source)
    if total > MAX_INLINE_RESULTS:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            f"{op.task_id}: {op.items_param}: {total} items would put a report of several MB in "
            f"XCom: give results_path= (a JSON-lines file, local or object storage) for more than "
            f"{MAX_INLINE_RESULTS}, or a JSON-lines file as {op.items_param}; nothing was sent"
        )
    return None
