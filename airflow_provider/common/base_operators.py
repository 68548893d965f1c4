"""
The one operator core every platform builds on.

- :class:`PlatformOperator`: the connection, the hook (created with the operator's
  ``max_concurrency``, which also sizes the connection pool), and errors translated into what
  Airflow must do (bad credentials, configuration and input fail without retries).
- :class:`BulkOperator`: validate every item before any request, skip an empty day, get the
  token once, run the items with bounded concurrency over one async client, log progress,
  close the clients, build one report and push it before failing.
- :class:`BulkCreateOperator`: the same for creates, each at most once across task attempts:
  an attempt that is not the first (or ``lookup_first=True``) looks every order up by the
  caller's id before sending any create; an order found is ``existed``, never ``created``.

A platform supplies only what differs: its models (``validate_items``), its calls (``run_item``,
or ``create`` / ``lookup`` / ``describe``) and named extra report keys (``report_extra``).

Imported on every DAG parse: only Airflow's SDK at module level; the rest inside ``execute``.
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.hooks import ApiHook
    from airflow_provider.common.operators import BulkReport, IdempotentCreate, ItemResult
    from airflow_provider.common.progress import Progress

ItemT = TypeVar("ItemT")
OperatorT = TypeVar("OperatorT", bound=BaseOperator)
OnResult = Callable[["ItemResult"], None]


class PlatformOperator(BaseOperator):
    """
    Base of every operator of this provider: one connection, one hook, errors Airflow acts on.

    :param conn_id: the connection id (platform operators expose it as ``<platform>_conn_id``).
    :param max_concurrency: calls in flight at once; wins over the connection's
        ``max_concurrency`` extra and sizes the HTTP connection pool too.
    """

    #: dotted path of the platform's hook class (imported when a task runs, not at parse time)
    hook_class_path: ClassVar[str] = ""

    def __init__(self, *, conn_id: str, max_concurrency: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_concurrency is not None and int(max_concurrency) < 1:
            raise ValueError(f"max_concurrency must be at least 1, not {max_concurrency!r}")
        self.conn_id = conn_id
        self.max_concurrency = max_concurrency

    @cached_property
    def hook(self) -> ApiHook:
        from airflow.sdk.module_loading import import_string

        hook_class = import_string(self.hook_class_path)
        return hook_class(self.conn_id, max_concurrency=self.max_concurrency)  # type: ignore[no-any-return]

    def concurrency(self) -> int:
        """
        Calls in flight at once: this operator's ``max_concurrency``, else the connection's
        ``max_concurrency`` extra, and never more than the connection's ``max_concurrency_cap``
        extra when set (a per-connection ceiling no task can raise; see docs/connections.md).
        """
        wanted = self.hook.concurrency(self.max_concurrency)
        cap = self.hook.extra.get("max_concurrency_cap")
        if cap not in (None, ""):
            try:
                wanted = min(wanted, max(1, int(cap)))
            except (TypeError, ValueError) as err:
                from airflow_provider.common.errors import ConfigurationError

                raise ConfigurationError(
                    self.hook.platform,
                    f"connection extra 'max_concurrency_cap' must be an integer, not {cap!r}",
                ) from err
        return wanted

    @contextmanager
    def fail_fast(self) -> Iterator[None]:
        """Errors a retry cannot fix (credentials, configuration, input) fail without retries."""
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider.common.errors import (
            AuthError,
            BadRequestError,
            ConfigurationError,
            NotFoundError,
        )

        try:
            yield
        except (ConfigurationError, AuthError, BadRequestError, NotFoundError, ValueError) as err:
            raise AirflowFailException(f"{self.task_id}: {err}") from err

    @contextmanager
    def session(self) -> Iterator[ApiHook]:
        """The hook for one ``execute``; both its clients are closed however the block ends."""
        hook = self.hook
        try:
            yield hook
        finally:
            hook.close()
            self.__dict__.pop("hook", None)

    def ids_or_skip(self, value: Any, *, param: str, **how: Any) -> list[str]:
        """Ids read with :func:`~airflow_provider.common.inputs.ids_from`: none skips the task,
        bad ones fail it (no retries) naming ``param``."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.inputs import ids_from
        from airflow_provider.common.models import InputError

        try:
            ids = ids_from(value, param=param, **how)
        except InputError as err:
            raise AirflowFailException(f"{self.task_id}: {err}") from err
        if not ids:
            raise AirflowSkipException(f"{param}: nothing to do (no ids in the input)")
        return ids

    def prime_token(self, hook: ApiHook) -> None:
        """Get the token once, before any item runs (every item then reuses it)."""
        if hook.needs_token():
            hook.get_token()


class BulkOperator(PlatformOperator, Generic[ItemT]):
    """
    One call per item, many items, each reported on its own.

    Subclasses set :attr:`action` and :attr:`items_param`, and implement
    :meth:`validate_items`, :meth:`item_key` and :meth:`run_item` (or :meth:`run_items`).

    Pushes to XCom ``{"counts": {outcome: n}, "results": [{key, outcome, id, status, error,
    data}], ...named extra keys}``; with ``results_path`` the results go to that JSON-lines file
    as they complete and XCom carries ``{"counts", "total", "failures", "results_file", ...}``
    (the first 100 failures; extra id lists longer than 1,000 are left to the results file and
    named under ``in_results_file``: ``ids_from`` and the sensors read them from there). The
    report is pushed before the task fails on any failed item. An empty input skips the task.

    **Any size, flat memory.** The items parameter may name a JSON-lines file (one item per
    line): ``"file:///data/orders.jsonl"``, ``"s3://bucket/{{ ds }}/orders.jsonl"``, an
    absolute local path or an ``ObjectStoragePath`` ending in ``.jsonl`` / ``.ndjson``. The
    run then streams it in two passes: the first validates every item (errors name the order
    or line and the field, duplicate caller ids across the whole file included; nothing is
    sent), the second runs the items :attr:`stream_chunk_size` at a time, writing each result
    to the results file as it completes. Only the counts, the first failures and the caller
    ids (for the duplicate check) stay in memory. The results file defaults to one beside the
    input (``orders.jsonl`` -> ``orders.results.jsonl``).

    A list (or XCom) input is validated and run as one batch. Without ``results_path`` its
    results stay inline up to :data:`~airflow_provider.common.results.MAX_INLINE_RESULTS`
    items; a larger list fails at validation (nothing sent) asking for ``results_path``: an
    XCom of many MB burdens the metadata database, and a worker-local default (the log folder)
    would be invisible to downstream tasks on other workers.

    :param results_path: write every item's result to this JSON-lines file (local path or any
        ``ObjectStoragePath`` URL; templated) and keep XCom small.
    """

    #: what the run does, in messages and progress lines ("HyperSKU cancel orders")
    action: ClassVar[str] = ""
    #: the operator attribute holding the items (a template field)
    items_param: ClassVar[str] = "orders"
    #: seconds between progress lines at the most (tests lower it)
    progress_seconds: ClassVar[float] = 10.0
    #: items validated and run together when streaming a JSON-lines input
    stream_chunk_size: ClassVar[int] = 1000
    #: whether caller ids must be unique across the input (creates)
    unique_keys: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "results_path" not in cls.template_fields:
            cls.template_fields = (*cls.template_fields, "results_path")

    def __init__(self, *, results_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.results_path = results_path

    # ------------------------------------------------------------- what a platform supplies
    @abstractmethod
    def validate_items(self, raw: Any) -> list[ItemT]:
        """Every item as the platform's model; raise ``InputError`` naming each order and field."""

    @abstractmethod
    def item_key(self, item: ItemT) -> str:
        """The id naming an item in results and errors (the caller's order id)."""

    @abstractmethod
    async def run_item(self, hook: Any, item: ItemT) -> ItemResult:
        """Do the work for one item; exceptions become a ``failed`` result naming the error."""

    def prepare(self, hook: Any, items: list[ItemT], context: Context) -> list[ItemT]:
        """Before any item runs (inside :meth:`fail_fast`): get the token; may amend items.

        When a JSON-lines input is streamed, this runs once per chunk of
        :attr:`stream_chunk_size` items, just before that chunk is sent.
        """
        self.prime_token(hook)
        return items

    def stop_when(self, result: ItemResult) -> bool:
        """Whether this result stops the batch (items not started yet are ``skipped``)."""
        return False

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        """Named top-level keys added to the XCom report (ids downstream tasks need).

        When the results went to a file, ``report.results`` is a
        :class:`~airflow_provider.common.results.ResultsView` reading them back one at a time
        (iterate it, do not index it; ``report.counts`` and ``report.total`` are exact,
        ``report.failures`` holds the first 100). Lists longer than 1,000 in the returned dict
        are left out of XCom (named under ``in_results_file``): return ids that downstream can
        also derive from each result's ``id`` or ``key``.
        """
        return {}

    # ------------------------------------------------------------- the core
    def validated(self, raw: Any) -> list[ItemT]:
        """The items, validated; skips the task when there are none, fails it on bad input."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.models import InputError

        try:
            items = self.validate_items(raw)
        except (InputError, ValueError) as err:
            raise AirflowFailException(f"{self.task_id}: {self.items_param}: {err}") from err
        if not items:
            raise AirflowSkipException(f"{self.items_param}: nothing to do (no items in the input)")
        return items

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider.common.inputs import jsonl_source

        raw = getattr(self, self.items_param)
        source = jsonl_source(raw)
        if source is not None:
            return self.execute_stream(context, source)
        items = self.validated(raw)
        self._results_file_pending = self.results_target(len(items))
        with self.session() as hook:
            with self.fail_fast():
                items = self.prepare(hook, items, context)
            self.log.info("%s: %d item(s), %d at a time", self.action, len(items), self.concurrency())
            report = hook.run_async(self._run_with_progress(hook, items, context))
        return self.finish(context, report)

    def results_target(self, total: int, source: str | None = None) -> str | None:
        """Where the results go: ``results_path``, beside a streamed input, or inline (small).

        A large list input without ``results_path`` fails here, before anything is sent.
        """
        from airflow_provider.common.results import MAX_INLINE_RESULTS, default_results_path

        if self.results_path:
            return str(self.results_path)
        if source is not None:
            return default_results_path(source)
        if total > MAX_INLINE_RESULTS:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(
                f"{self.task_id}: {self.items_param}: {total} items would put a report of several MB in "
                f"XCom: give results_path= (a JSON-lines file, local or object storage) for more than "
                f"{MAX_INLINE_RESULTS}, or a JSON-lines file as {self.items_param}; nothing was sent"
            )
        return None

    # ------------------------------------------------------------- streaming (JSON-lines input)
    def stream_chunks(
        self, source: str
    ) -> Iterator[tuple[list[int], list[ItemT], list[tuple[str, str, str]]]]:
        """``(line numbers, validated items, problems)`` of a JSON-lines input, a chunk at a time;
        a chunk with problems (named by line or order id, and field) has no items."""
        from airflow_provider.common.inputs import BadLine, jsonl_chunks
        from airflow_provider.common.models import InputError

        for lines, values in jsonl_chunks(source, self.stream_chunk_size, param=self.items_param):
            bad = [
                (f"line {line}", self.items_param, f"not JSON: {value.message}")
                for line, value in zip(lines, values, strict=True)
                if isinstance(value, BadLine)
            ]
            if bad:
                yield lines, [], bad
                continue
            try:
                items = self.validate_items(values)
            except InputError as err:
                yield lines, [], [(_line_label(order, lines), f, m) for order, f, m in err.errors]
                continue
            except ValueError as err:
                yield lines, [], [(f"lines {lines[0]}-{lines[-1]}", self.items_param, str(err))]
                continue
            yield lines, items, []

    def validate_stream(self, source: str) -> int:
        """First pass over a JSON-lines input: every item valid, caller ids unique (when
        :attr:`unique_keys`); returns the item count. Nothing is sent."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.models import InputError

        problems: list[tuple[str, str, str]] = []
        hashes = array("Q")  # 8 bytes per caller id, not a dict of 100,000 strings
        total = 0
        try:
            for _lines, items, bad in self.stream_chunks(source):
                problems.extend(bad)
                total += len(items) + len(bad)
                if self.unique_keys:
                    hashes.extend(_key_hash(self.item_key(item)) for item in items)
            reused = self._reused_keys(source, hashes) if self.unique_keys else {}
        except OSError as err:
            raise AirflowFailException(
                f"{self.task_id}: {self.items_param}: cannot read {source}: {err}"
            ) from err
        for key, where in reused.items():
            lines_text = ", ".join(map(str, where))
            problems.append(
                (key, self.items_param, f"used by {len(where)} orders of this file (lines {lines_text})")
            )
        if problems:
            more = f"\n  ... and {len(problems) - 100} more" if len(problems) > 100 else ""
            raise AirflowFailException(
                f"{self.task_id}: {self.items_param}: {InputError(problems[:100])}{more}"
            )
        if not total:
            raise AirflowSkipException(f"{self.items_param}: nothing to do (no items in {source})")
        return total

    def _reused_keys(self, source: str, hashes: array[int]) -> dict[str, list[int]]:
        """Caller ids used more than once in the file, with their lines: a sort of the 64-bit
        hashes finds the candidates; only when there are any is the file read again for them."""
        ordered = sorted(hashes)
        twice = {a for a, b in pairwise(ordered) if a == b}
        del ordered
        if not twice:
            return {}
        where: dict[str, list[int]] = {}
        for lines, items, _bad in self.stream_chunks(source):
            for line, item in zip(lines, items, strict=False):
                key = self.item_key(item)
                if _key_hash(key) in twice:
                    where.setdefault(key, []).append(line)
        return {key: at for key, at in where.items() if len(at) > 1}

    def execute_stream(self, context: Context, source: str) -> dict[str, Any]:
        """Validate the whole file first (nothing sent on any error), then run it chunk by
        chunk, streaming each result to the results file; memory stays flat at any size."""
        from airflow_provider.common.operators import ItemResult
        from airflow_provider.common.results import ResultSink

        total = self.validate_stream(source)
        results_path = self.results_target(total, source)
        progress = self.progress(total)
        stopped = False
        with self.session() as hook, ResultSink(results_path) as sink:
            self.log.info(
                "%s: %d item(s) from %s, %d at a time, results to %s",
                self.action,
                total,
                source,
                self.concurrency(),
                results_path,
            )
            for _lines, items, bad in self.stream_chunks(source):
                if bad:
                    from airflow.sdk.exceptions import AirflowFailException

                    from airflow_provider.common.models import InputError

                    raise AirflowFailException(
                        f"{self.task_id}: {self.items_param}: {source} changed while it ran: {InputError(bad)}"
                    )
                if stopped:
                    for item in items:
                        skipped = ItemResult(
                            key=self.item_key(item),
                            outcome="skipped",
                            error={"kind": "skipped", "message": "batch stopped"},
                        )
                        sink.add(skipped)
                        progress.record_result(skipped)
                    continue
                with self.fail_fast():
                    items = self.prepare(hook, items, context)
                chunk = hook.run_async(self._run_with_progress(hook, items, context, progress))
                for result in chunk.results:
                    sink.add(result)
                    stopped = stopped or self.stop_when(result)
                sink.flush()
                del chunk, items
        progress.finish()
        return self.finish(context, sink.report())

    def progress(self, total: int) -> Progress:
        from airflow_provider.common.progress import Progress

        return Progress(self.action, total, logger=self.log, every_seconds=self.progress_seconds)

    async def _run_with_progress(
        self, hook: Any, items: list[ItemT], context: Context, progress: Progress | None = None
    ) -> BulkReport:
        import asyncio

        own = progress is None
        progress = progress or self.progress(len(items))
        heartbeat = asyncio.ensure_future(progress.heartbeat())
        try:
            report = await self.run_items(hook, items, context, progress.record_result)
        finally:
            heartbeat.cancel()
        if own:
            progress.finish()
        return report

    async def run_items(
        self, hook: Any, items: list[ItemT], context: Context, on_result: OnResult
    ) -> BulkReport:
        """Every item through :meth:`run_item`, at most :meth:`concurrency` at a time."""
        from airflow_provider.common.operators import run_bulk

        return await run_bulk(
            items,
            lambda item: self.run_item(hook, item),
            key=self.item_key,
            concurrency=self.concurrency(),
            stop_when=self.stop_when,
            on_result=on_result,
        )

    def finish(self, context: Context, report: BulkReport) -> dict[str, Any]:
        """The XCom report (results file written first when asked); fails after pushing it."""
        from airflow_provider.common.operators import finish_bulk

        pending = getattr(self, "_results_file_pending", None)
        if pending and report.results_file is None:
            # a list input's results (as a platform's finish() may have completed them)
            from airflow_provider.common.results import ResultSink

            with ResultSink(pending) as sink:
                sink.add_all(report.results)
            report = sink.report()
        extra = self.report_extra(report)
        if report.results_file:
            from airflow_provider.common.results import bound_extra

            extra = bound_extra(extra)
        return finish_bulk(context, report, action=self.action, extra=extra)


class BulkCreateOperator(BulkOperator[ItemT]):
    """
    Creates, each at most once across task attempts, keyed by the caller's own order id.

    Subclasses implement :meth:`create`, :meth:`lookup` (or the batched :meth:`lookup_many`) and
    :meth:`describe`, and :meth:`matches` where an existing order can be compared.

    :param lookup_first: look every order up by its caller id before sending any create.
        Default: on for an attempt that is not the first (an Airflow retry or a cleared task),
        off for the first; set ``True`` for a new run that replays orders already sent.
    """

    #: orders per batched look-up (platforms with :meth:`lookup_many`)
    lookup_batch_size: ClassVar[int] = 50
    unique_keys: ClassVar[bool] = True

    def __init__(self, *, lookup_first: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookup_first = lookup_first

    # ------------------------------------------------------------- what a platform supplies
    @abstractmethod
    async def create(self, hook: Any, item: ItemT) -> Any:
        """Send one create, once (the hook must not resend it when the answer is lost)."""

    @abstractmethod
    async def lookup(self, hook: Any, item: ItemT) -> Any | None:
        """The order with this item's caller id, or ``None`` (absent; ``NotFoundError`` too)."""

    async def lookup_many(self, hook: Any, items: Sequence[ItemT]) -> Mapping[str, Any] | None:
        """Batched look-up: ``{caller id: order}`` of those found; ``None`` = not supported."""
        return None

    @abstractmethod
    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]:
        """``(platform id, status, compact data)`` of a created or found order (no personal data)."""

    def matches(self, item: ItemT, value: Any) -> bool:
        """Whether the order found under this caller id is the one ``item`` asks for."""
        return True

    # ------------------------------------------------------------- the core
    async def run_item(self, hook: Any, item: ItemT) -> ItemResult:
        """One order created at most once (its lost answer settled by a look-up)."""
        return await self.creator(hook)(self.item_key(item), item)

    def validated(self, raw: Any) -> list[ItemT]:
        from airflow.sdk.exceptions import AirflowFailException

        items = super().validated(raw)
        positions: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            positions.setdefault(self.item_key(item), []).append(index)
        reused = {key: where for key, where in positions.items() if len(where) > 1}
        if reused:
            named = "; ".join(
                f"order {key}: used by {len(where)} orders of this batch (#{', #'.join(map(str, where))})"
                for key, where in reused.items()
            )
            raise AirflowFailException(f"{self.task_id}: {self.items_param}: {named}; nothing was sent")
        return items

    def creator(self, hook: Any) -> IdempotentCreate[ItemT, Any]:
        from dataclasses import replace

        from airflow_provider.common.operators import IdempotentCreate

        return IdempotentCreate(
            create=lambda item: self.create(hook, item),
            lookup=lambda item: self.lookup(hook, item),
            describe=self.describe,
            matches=self.matches,
            key=self.item_key,
            # looking a lost create up follows the connection's retry settings
            policy=replace(hook.retry_policy, max_attempts=max(2, min(hook.retry_policy.max_attempts, 4))),
        )

    def looks_up_first(self, context: Context) -> bool:
        """``lookup_first`` when set, else whether this attempt is a retry (try_number > 1)."""
        if self.lookup_first is not None:
            return bool(self.lookup_first)
        return int(getattr(context.get("ti"), "try_number", 1) or 1) > 1

    async def run_items(
        self, hook: Any, items: list[ItemT], context: Context, on_result: OnResult
    ) -> BulkReport:
        from airflow_provider.common.operators import BulkReport

        creator = self.creator(hook)
        settled: dict[str, ItemResult] = {}
        to_create = items
        if self.looks_up_first(context):
            try_number = getattr(context.get("ti"), "try_number", 1)
            self.log.info(
                "%s: attempt %s looks up all %d order(s) by their own id before creating any",
                self.action,
                try_number,
                len(items),
            )
            settled = await self._look_up_first(hook, creator, items, on_result)
            to_create = [item for item in items if self.item_key(item) not in settled]
            self.log.info(
                "%s: %d found (not created again), %d to create", self.action, len(settled), len(to_create)
            )
        created = await creator.create_all(
            to_create, concurrency=self.concurrency(), stop_when=self.stop_when, on_result=on_result
        )
        settled.update((result.key, result) for result in created.results)
        return BulkReport(results=[settled[self.item_key(item)] for item in items])

    async def _look_up_first(
        self, hook: Any, creator: IdempotentCreate[ItemT, Any], items: list[ItemT], on_result: OnResult
    ) -> dict[str, ItemResult]:
        """Results of the orders that exist already (or cannot be told); absent ones are left out."""
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.operators import UNKNOWN, Found, ItemResult, error_dict

        settled: dict[str, ItemResult] = {}

        def settle(result: ItemResult) -> None:
            settled[result.key] = result
            on_result(result)

        def unknown(key: str, err: BaseException) -> ItemResult:
            return ItemResult(
                key=key,
                outcome="unknown",
                error={**error_dict(err), "message": f"look-up before create failed, not sent: {err}"},
            )

        size = max(1, self.lookup_batch_size)
        batches = [items[start : start + size] for start in range(0, len(items), size)]
        batched = True

        async def look_up_batch(batch: list[ItemT]) -> None:
            nonlocal batched
            try:
                found = await self.lookup_many(hook, batch)
            except ApiError as err:
                for item in batch:
                    settle(unknown(self.item_key(item), err))
                return
            if found is None:
                batched = False
                return
            for item in batch:
                key = self.item_key(item)
                if key in found:
                    settle(creator.existing(key, item, found[key], platform=hook.platform))

        await look_up_batch(batches[0])
        if batched:
            await hook.gather_limited(batches[1:], look_up_batch, limit=self.concurrency())
            return settled

        async def look_up_one(item: ItemT) -> None:
            key = self.item_key(item)
            outcome = await creator.find(item)
            if isinstance(outcome, Found):
                settle(creator.existing(key, item, outcome.value, platform=hook.platform))
            elif outcome is UNKNOWN:
                settle(unknown(key, RuntimeError("the look-up kept failing")))

        await hook.gather_limited(items, look_up_one, limit=self.concurrency())
        return settled


def _key_hash(key: str) -> int:
    """A 64-bit hash of a caller id (stable across processes, unlike ``hash``)."""
    from hashlib import blake2b

    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little")


def _line_label(order: str, lines: list[int]) -> str:
    """``#3`` (a position in a chunk) as ``line 57`` of the file; an order id stays as it is."""
    if order.startswith("#") and order[1:].isdigit() and int(order[1:]) < len(lines):
        return f"line {lines[int(order[1:])]}"
    return order


def deprecated_alias(cls: type[OperatorT], old_name: str) -> type[OperatorT]:
    """``cls`` under its former public name, warning on use (kept so existing DAGs still parse)."""

    class Alias(cls):  # type: ignore[valid-type,misc]
        def __init__(self, **kwargs: Any) -> None:
            from airflow.exceptions import AirflowProviderDeprecationWarning

            warnings.warn(
                f"{old_name} is deprecated: use {cls.__name__} (same arguments)",
                AirflowProviderDeprecationWarning,
                stacklevel=3,
            )
            super().__init__(**kwargs)

    Alias.__name__ = Alias.__qualname__ = old_name
    Alias.__doc__ = f"Deprecated alias of :class:`{cls.__name__}` (same arguments)."
    Alias.__module__ = cls.__module__
    return Alias
