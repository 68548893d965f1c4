"""
The one operator core every platform builds on.

- :class:`PlatformOperator`: the connection, the hook (created with the operator's
  ``max_concurrency``, which also sizes the connection pool), and errors translated into what
  Airflow must do (bad credentials, configuration and input fail without retries).
- :class:`BulkOperator`: validate every item before any request (or report the invalid ones),
  skip an empty day, get the token once, run the items with bounded concurrency over one async
  client (a list as one chunk, a JSON-lines file chunk by chunk), log progress, close the
  clients, build one report and push it before failing.
- :class:`BulkCreateOperator`: the same for creates, each at most once across task attempts
  and DAG runs: :class:`~airflow_provider.common.bulk.CreateOnce` looks orders up by the
  caller's id before creating them wherever the platform would accept a reused id.

A platform supplies only what differs: its models (``validate_items``), its calls (``run_item``,
or ``create`` / ``lookup`` / ``describe``) and named extra report keys (``report_extra``).

Imported on every DAG parse: only Airflow's SDK at module level; the rest inside ``execute``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow_provider.common import bulk_execute  # stdlib imports only: light at parse time
from airflow_provider.common.data_aware import DataAwareOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.bulk import CreateOnce, RunOptions, StopSignal
    from airflow_provider.common.checkpoint import ChunkPlan
    from airflow_provider.common.hooks import ApiHook
    from airflow_provider.common.models import InputError
    from airflow_provider.common.progress import Progress
    from airflow_provider.common.results import BulkReport, ItemResult

ItemT = TypeVar("ItemT")
OnResult = Callable[["ItemResult"], None]


class PlatformOperator(DataAwareOperator):
    """
    Base of every operator of this provider: one connection, one hook, errors Airflow acts on.

    :param conn_id: the connection id (platform operators expose it as ``<platform>_conn_id``).
    :param max_concurrency: calls in flight at once; wins over the connection's
        ``max_concurrency`` extra and sizes the HTTP connection pool too.
    """

    @property
    def hook_class_path(self) -> str:
        """Dotted path of the platform's hook class, from the registry (imported when a task
        runs, not at parse time)."""
        from airflow_provider.platforms import get_platform

        return get_platform(self.registry_key).hook_class

    def __init__(self, *, conn_id: str, max_concurrency: int | None = None, **kwargs: Any) -> None:
        from airflow_provider.common.data_aware import operator_defaults

        super().__init__(**operator_defaults(type(self), conn_id, kwargs))
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
        from airflow_provider.common.metrics import operator_span

        hook = self.hook
        try:
            with operator_span(self):
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

    Pushes to XCom one report shape, with or without a results file: ``{"counts": {outcome:
    n}, "total", "results": [{key, outcome, id, status, error, data}] or None, "results_file":
    path or None, "failures": [the first 100], ...named extra keys}``. With ``results_path`` the
    results go to that JSON-lines file as they complete and ``results`` is ``None`` (extra id
    lists longer than 1,000 are left to the file and named under ``in_results_file``). Read any
    report with :func:`airflow_provider.common.read_report`. The report is pushed before the
    task fails on any failed item. An empty input skips the task.

    **Invalid items.** By default (``on_invalid="stop"``) every item is validated before any
    request and one invalid item fails the task with nothing sent, naming each bad order and
    field. With ``on_invalid="report"`` the valid items are sent and each invalid one is
    reported (outcome ``invalid``, with its order and fields) and the task ends failed after
    the report is pushed; ``on_invalid="allow"`` does the same and lets the task succeed.

    **Any size, flat memory.** The items parameter may name a JSON-lines file (one item per
    line): ``"file:///data/orders.jsonl"``, ``"s3://bucket/{{ ds }}/orders.jsonl"``, an
    absolute local path or an ``ObjectStoragePath`` ending in ``.jsonl`` / ``.ndjson``. The
    run then streams it in two passes: the first validates every item (errors name the line or
    order and the field, duplicate caller ids across the whole file included), the second runs
    the items :attr:`stream_chunk_size` at a time, writing each result to the results file as
    it completes. The results file defaults to one beside the input (``orders.jsonl`` ->
    ``orders.results.jsonl``). A list input runs as one chunk; without ``results_path`` its
    results stay inline up to :data:`~airflow_provider.common.results.MAX_INLINE_RESULTS`
    items (a larger list fails before anything is sent, asking for ``results_path``).

    **Told to stop** (:meth:`on_kill`: SIGTERM, ``execution_timeout``): nothing new is sent,
    the calls in flight get up to :attr:`stop_grace_seconds`, every result known is written
    (the items not sent are ``skipped``), the report is pushed and the task fails, so that its
    retry resumes (from the checkpoint, with :attr:`resumes_from_checkpoint`).

    :param results_path: write every item's result to this JSON-lines file (local path or any
        ``ObjectStoragePath`` URL; templated) and keep XCom small.
    :param on_invalid: ``"stop"`` (default: send nothing if any item is invalid), ``"report"``
        (send the valid items, report the invalid ones, fail the task) or ``"allow"`` (the same,
        the task succeeds).
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
    #: seconds the calls in flight get to finish once the task is told to stop
    stop_grace_seconds: ClassVar[float] = 10.0
    #: whether a retried attempt carries over what an earlier one confirmed instead of sending
    #: it again (:mod:`~airflow_provider.common.checkpoint`: creates, and changes)
    resumes_from_checkpoint: ClassVar[bool] = False
    _stop_signal: StopSignal | None = None
    #: what a retried attempt's checkpoint says about the chunk being sent (creates)
    chunk_plan: ChunkPlan | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "results_path" not in cls.template_fields:
            cls.template_fields = (*cls.template_fields, "results_path")

    def __init__(self, *, results_path: str | None = None, on_invalid: str = "stop", **kwargs: Any) -> None:
        from airflow_provider.common.invalid_items import check_on_invalid

        super().__init__(**kwargs)
        self.results_path = results_path
        self.on_invalid = check_on_invalid(on_invalid)

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

    def items_per_call(self) -> int:
        """Items one call carries: 1 (:meth:`run_item` for each), or a batch (:meth:`run_batch`)."""
        return 1

    async def run_batch(self, hook: Any, items: list[ItemT]) -> list[ItemResult]:
        """One call for up to :meth:`items_per_call` items: one result per item, in order."""
        raise NotImplementedError(f"{type(self).__name__} sends one item per call")

    def prepare(self, hook: Any, items: list[ItemT], context: Context) -> list[ItemT]:
        """Once per chunk (a list input is one chunk), just before it is sent: gets the token;
        may amend items. An ``InputError`` naming orders fails the task (``on_invalid="stop"``)
        or reports those orders ``invalid`` and goes on with the others."""
        self.prime_token(hook)
        return items

    def stop_when(self, result: ItemResult) -> bool:
        """Whether this result stops the batch (items not started yet are ``skipped``)."""
        return False

    def stops_batch(self, result: ItemResult) -> bool:
        """:meth:`stop_when`, or the platform did not answer after the hook's retries: then
        nothing more is sent and the task fails, so Airflow's retries take over."""
        from airflow_provider.common.bulk import platform_unreachable

        if self.stop_when(result):
            return True
        if not platform_unreachable(result):
            return False
        if not getattr(self, "_unreachable_logged", False):
            self._unreachable_logged = True
            self.log.warning(
                "%s: the platform did not answer (%s): the items not started are not sent (skipped); "
                "the task fails so that Airflow retries it",
                self.action,
                (result.error or {}).get("message", ""),
            )
        return True

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        """Named top-level keys added to the XCom report (ids downstream tasks need).

        When the results went to a file, ``report.results`` reads them back one at a time
        (iterate it once, do not index it). Lists longer than 1,000 in the returned dict are
        left out of XCom (named under ``in_results_file``).
        """
        return {}

    # ------------------------------------------------------------- the core
    #: validate, send chunk by chunk, report (:func:`airflow_provider.common.bulk_execute.execute`)
    execute = bulk_execute.execute

    @property
    def stop_signal(self) -> StopSignal:
        """Set by :meth:`on_kill`: read by the run before every item it starts."""
        if self._stop_signal is None:
            from airflow_provider.common.bulk import StopSignal

            self._stop_signal = StopSignal()
        return self._stop_signal

    def on_kill(self) -> None:
        """Told to stop (SIGTERM, ``execution_timeout``): nothing new is sent, the
        calls in flight get up to :attr:`stop_grace_seconds`, the results and the report are
        written, and the task fails (a retry resumes, from the checkpoint where there is one)."""
        self.log.warning("%s: told to stop: sending nothing more, finishing the calls in flight", self.action)
        self.stop_signal.request()

    def validated(self, raw: Any) -> tuple[list[ItemT], list[ItemResult]]:
        """The valid items and, with ``on_invalid`` other than ``"stop"``, the invalid ones as
        results; skips the task when there are none, fails it on bad input (``"stop"``)."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.models import InputError

        invalid: list[ItemResult] = []
        try:
            items = self.validate_items(raw)
        except (InputError, ValueError) as err:
            if self.on_invalid == "stop" or not isinstance(err, InputError):
                from airflow_provider.common.invalid_items import STOP_HINT

                hint = STOP_HINT if isinstance(err, InputError) else ""
                raise AirflowFailException(f"{self.task_id}: {self.items_param}: {err}{hint}") from err
            items, invalid = self.validate_one_by_one(raw, err)
        if self.unique_keys:
            items, reused = self.without_reused_keys(items)
            invalid += reused
        if not items and not invalid:
            raise AirflowSkipException(f"{self.items_param}: nothing to do (no items in the input)")
        if invalid:
            self.log.warning(
                "%s: %d invalid item(s) not sent (on_invalid=%r)", self.action, len(invalid), self.on_invalid
            )
        return items, invalid

    def validate_one_by_one(
        self, raw: Any, err: InputError, labels: Sequence[str] | None = None
    ) -> tuple[list[ItemT], list[ItemResult]]:
        """Each item of a list validated alone: the valid ones, and the others as ``invalid``
        results (named by their order id, else ``labels[i]`` or ``#i``)."""
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider.common.invalid_items import results_by_order, split_elements
        from airflow_provider.common.models import InputError

        elements = split_elements(raw)
        if elements is None:
            raise AirflowFailException(f"{self.task_id}: {self.items_param}: {err}") from err
        items: list[ItemT] = []
        invalid: list[ItemResult] = []
        for index, element in enumerate(elements):
            label = labels[index] if labels else f"#{index}"
            try:
                items.extend(self.validate_items([element]))
            except InputError as one:
                named = [(label if order.startswith("#") else order, f, m) for order, f, m in one.errors]
                invalid.extend(results_by_order(named).values())
            except ValueError as one:
                invalid.extend(results_by_order([(label, self.items_param, str(one))]).values())
        return items, invalid

    def without_reused_keys(self, items: list[ItemT]) -> tuple[list[ItemT], list[ItemResult]]:
        """Caller ids used twice in one input: fails the task (``"stop"``) or reports them."""
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider.common.invalid_items import invalid_result

        positions: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            positions.setdefault(self.item_key(item), []).append(index)
        reused = {key: where for key, where in positions.items() if len(where) > 1}
        if not reused:
            return items, []
        if self.on_invalid == "stop":
            named = "; ".join(
                f"order {key}: used by {len(where)} orders of this batch (#{', #'.join(map(str, where))})"
                for key, where in reused.items()
            )
            raise AirflowFailException(f"{self.task_id}: {self.items_param}: {named}; nothing was sent")
        kept = [item for item in items if self.item_key(item) not in reused]
        return kept, [
            invalid_result(key, [(self.items_param, f"id used by {len(where)} orders of this batch")])
            for key, where in reused.items()
            for _ in where
        ]

    def prepared(
        self, hook: Any, items: list[ItemT], context: Context
    ) -> tuple[list[ItemT], list[ItemResult]]:
        """:meth:`prepare`; with ``on_invalid`` other than ``"stop"`` the orders it names as
        invalid are reported and the others prepared again without them."""
        from airflow_provider.common.invalid_items import results_by_order
        from airflow_provider.common.models import InputError

        try:
            return self.prepare(hook, items, context), []
        except InputError as err:
            if self.on_invalid == "stop":
                raise
            rejected = results_by_order(err.errors)
            kept = [item for item in items if self.item_key(item) not in rejected]
            if len(kept) == len(items):
                raise
            self.log.warning("%s: %d order(s) refused before sending: %s", self.action, len(rejected), err)
            return (self.prepare(hook, kept, context) if kept else []), list(rejected.values())

    def results_target(self, total: int, source: str | None = None) -> str | None:
        """Where the results go (:func:`~airflow_provider.common.results.results_target`)."""
        from airflow_provider.common.results import results_target

        return results_target(self, total, source)

    def progress(self, total: int) -> Progress:
        from airflow_provider.common.progress import Progress

        return Progress(self.action, total, logger=self.log, every_seconds=self.progress_seconds)

    async def run_chunk(
        self, hook: Any, items: list[ItemT], context: Context, progress: Progress
    ) -> BulkReport:
        """One chunk through :meth:`run_items`, with a progress line at least every
        :attr:`progress_seconds` while it runs."""
        import asyncio

        from airflow_provider.common.metrics import chunk_span

        heartbeat = asyncio.ensure_future(progress.heartbeat())
        try:
            with chunk_span(self, len(items)):
                return await self.run_items(hook, items, context, progress.record_result)
        finally:
            heartbeat.cancel()

    async def run_items(
        self, hook: Any, items: list[ItemT], context: Context, on_result: OnResult
    ) -> BulkReport:
        """Every item through :meth:`run_item` (or batches through :meth:`run_batch`), at most
        :meth:`concurrency` calls at a time, stopping as :meth:`on_kill` says."""
        from functools import partial

        from airflow_provider.common.bulk import run_batched, run_bulk

        size, how = self.items_per_call(), self.run_options(on_result)
        if size > 1:
            return await run_batched(
                items, partial(self.run_batch, hook), key=self.item_key, size=size, **how
            )
        return await run_bulk(items, partial(self.run_item, hook), key=self.item_key, **how)

    def run_options(self, on_result: OnResult) -> RunOptions:
        """How this operator's calls run: its concurrency, what stops the batch, the graceful stop."""
        return {
            "concurrency": self.concurrency(),
            "stop_when": self.stops_batch,
            "on_result": on_result,
            "stop": self.stop_signal,
            "grace_seconds": self.stop_grace_seconds,
        }

    def finish(self, context: Context, report: BulkReport) -> dict[str, Any]:
        """The XCom report, pushed before the task fails on any failed item."""
        from airflow_provider.common.bulk import push_report
        from airflow_provider.common.metrics import record_bulk_report

        record_bulk_report(self, context, report)
        extra = self.report_extra(report)
        if report.results_file:
            from airflow_provider.common.results import bound_extra

            extra = bound_extra(extra)
        self.announce(context, report, extra)
        return push_report(
            context, report, action=self.action, extra=extra, allow_invalid=self.on_invalid == "allow"
        )


class BulkCreateOperator(BulkOperator[ItemT]):
    """
    Creates, each at most once across task attempts and DAG runs, keyed by the caller's own id.

    Subclasses implement :meth:`create`, :meth:`lookup` (or also the batched
    :meth:`lookup_many`) and :meth:`describe`, and :meth:`matches` where an existing order can
    be compared; :meth:`result_data` adds what a platform decided per order to its result.

    **A retried attempt resumes** from the run's checkpoint (:mod:`~airflow_provider.common.
    checkpoint`: the frontier in ``task_state_store`` on Airflow 3.3, else beside the results
    file): orders an earlier attempt confirmed are carried into the report as recorded (with
    ``data["confirmed_by_earlier_try"]``), only those it may have sent without confirming are
    looked up, and the rest are sent as a first attempt sends them.

    :param lookup_first: look every order up by its caller id before sending its create.
        Default: always on a platform that does not refuse a reused caller id (HyperSKU,
        SuperShip: a re-run, backfill or re-trigger would otherwise buy again); on a platform
        that refuses one (超8, HiShopping) only for an attempt that is not the first, since the
        refusal is read back as ``existed``. ``False`` declares every id fresh: nothing is looked
        up first (faster; a reused id then makes a second order on HyperSKU and SuperShip).
    """

    #: orders per batched look-up (platforms with :meth:`lookup_many`)
    lookup_batch_size: ClassVar[int] = 50
    unique_keys: ClassVar[bool] = True
    resumes_from_checkpoint: ClassVar[bool] = True
    #: whether the platform refuses a create that reuses a caller id (a "duplicate" answer)
    refuses_reused_ids: ClassVar[bool] = False

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

    def matches(self, item: ItemT, value: Any) -> bool | None:
        """Whether the order found under this caller id is the one ``item`` asks for
        (``None``: cannot tell; the order is then ``existed``, marked unverified)."""
        return True

    def result_data(self, item: ItemT) -> dict[str, Any]:
        """Compact fields this run decided for ``item`` (e.g. a chosen channel), added to its result."""
        return {}

    # ------------------------------------------------------------- the core
    def looks_up_first(self, context: Context | None) -> bool:
        """``lookup_first`` when set; else always where the platform accepts a reused caller id,
        and on an attempt that is not the first (try_number > 1) everywhere."""
        if self.lookup_first is not None:
            return bool(self.lookup_first)
        if not self.refuses_reused_ids:
            return True
        ti = None if context is None else context.get("ti")
        return int(getattr(ti, "try_number", 1) or 1) > 1

    def creator(self, hook: Any, context: Context | None) -> CreateOnce:
        """The :class:`CreateOnce` of a chunk. With a retried attempt's checkpoint
        (:attr:`chunk_plan`), the orders an earlier attempt may have sent are looked up and the
        others treated as a first attempt treats them."""
        from dataclasses import replace

        from airflow_provider.common.bulk import CreateOnce

        plan = self.chunk_plan
        return CreateOnce(
            self,
            hook,
            look_up_first=self.looks_up_first(None if plan is not None else context),
            # looking a lost create up follows the connection's retry settings
            policy=replace(hook.retry_policy, max_attempts=max(2, min(hook.retry_policy.max_attempts, 4))),
            look_up_keys=frozenset(plan.look_up) if plan is not None else frozenset(),
        )

    async def run_item(self, hook: Any, item: ItemT) -> ItemResult:
        """One order created at most once (looked up first unless the platform refuses reused ids)."""
        return await self.creator(hook, None)(item)

    async def run_items(
        self, hook: Any, items: list[ItemT], context: Context, on_result: OnResult
    ) -> BulkReport:
        from airflow_provider.common.bulk import run_bulk
        from airflow_provider.common.results import BulkReport

        creator = self.creator(hook, context)
        settled: dict[str, ItemResult] = {}
        key = self.item_key
        to_look_up = items if creator.look_up_first else [i for i in items if key(i) in creator.look_up_keys]
        if to_look_up:
            batched = await creator.look_up_batches(
                to_look_up, size=self.lookup_batch_size, concurrency=self.concurrency(), on_result=on_result
            )
            if batched is not None:
                settled = batched
                creator.look_up_first, creator.look_up_keys = False, frozenset()  # the rest are absent
            self.log.info(
                "%s: looking up %d order(s) by their own id before creating (%d found so far)",
                self.action,
                len(to_look_up),
                len(settled),
            )
        to_create = [item for item in items if key(item) not in settled]
        created = await run_bulk(to_create, creator, key=key, **self.run_options(on_result))
        settled.update((result.key, result) for result in created.results)
        return BulkReport(results=[settled[key(item)] for item in items])
