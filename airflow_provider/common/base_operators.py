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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
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
        """Calls in flight at once: this operator's ``max_concurrency``, else the connection's."""
        return self.hook.concurrency(self.max_concurrency)

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
    and XCom carries ``{"counts", "total", "failures", "results_file", ...}``. The report is pushed
    before the task fails on any failed item. An empty input skips the task.

    :param results_path: write every item's result to this JSON-lines file (local path or any
        ``ObjectStoragePath`` URL; templated) and keep XCom small.
    """

    #: what the run does, in messages and progress lines ("HyperSKU cancel orders")
    action: ClassVar[str] = ""
    #: the operator attribute holding the items (a template field)
    items_param: ClassVar[str] = "orders"
    #: seconds between progress lines at the most (tests lower it)
    progress_seconds: ClassVar[float] = 10.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "results_path" not in cls.template_fields:
            cls.template_fields = (*cls.template_fields, "results_path")

    def __init__(self, *, results_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.results_path = results_path

    # ------------------------------------------------------------- what a platform supplies
    def validate_items(self, raw: Any) -> list[ItemT]:
        """Every item as the platform's model; raise ``InputError`` naming each order and field."""
        raise NotImplementedError

    def item_key(self, item: ItemT) -> str:
        """The id naming an item in results and errors (the caller's order id)."""
        raise NotImplementedError

    async def run_item(self, hook: Any, item: ItemT) -> ItemResult:
        """Do the work for one item; exceptions become a ``failed`` result naming the error."""
        raise NotImplementedError

    def prepare(self, hook: Any, items: list[ItemT], context: Context) -> list[ItemT]:
        """Before any item runs (inside :meth:`fail_fast`): get the token; may amend items."""
        self.prime_token(hook)
        return items

    def stop_when(self, result: ItemResult) -> bool:
        """Whether this result stops the batch (items not started yet are ``skipped``)."""
        return False

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        """Named top-level keys added to the XCom report (ids downstream tasks need)."""
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
        items = self.validated(getattr(self, self.items_param))
        with self.session() as hook:
            with self.fail_fast():
                items = self.prepare(hook, items, context)
            self.log.info("%s: %d item(s), %d at a time", self.action, len(items), self.concurrency())
            report = hook.run_async(self._run_with_progress(hook, items, context))
        return self.finish(context, report)

    def progress(self, total: int) -> Progress:
        from airflow_provider.common.progress import Progress

        return Progress(self.action, total, logger=self.log, every_seconds=self.progress_seconds)

    async def _run_with_progress(self, hook: Any, items: list[ItemT], context: Context) -> BulkReport:
        import asyncio

        progress = self.progress(len(items))
        heartbeat = asyncio.ensure_future(progress.heartbeat())
        try:
            report = await self.run_items(hook, items, context, progress.record_result)
        finally:
            heartbeat.cancel()
        progress.emit()
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

        if self.results_path:
            from airflow_provider.common.results import write_results

            report.results_file = write_results(
                self.results_path, (result.model_dump(mode="json") for result in report.results)
            )
        return finish_bulk(context, report, action=self.action, extra=self.report_extra(report))


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

    def __init__(self, *, lookup_first: bool | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookup_first = lookup_first

    # ------------------------------------------------------------- what a platform supplies
    async def create(self, hook: Any, item: ItemT) -> Any:
        """Send one create, once (the hook must not resend it when the answer is lost)."""
        raise NotImplementedError

    async def lookup(self, hook: Any, item: ItemT) -> Any | None:
        """The order with this item's caller id, or ``None`` (absent; ``NotFoundError`` too)."""
        raise NotImplementedError

    async def lookup_many(self, hook: Any, items: Sequence[ItemT]) -> Mapping[str, Any] | None:
        """Batched look-up: ``{caller id: order}`` of those found; ``None`` = not supported."""
        return None

    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]:
        """``(platform id, status, compact data)`` of a created or found order (no personal data)."""
        raise NotImplementedError

    def matches(self, item: ItemT, value: Any) -> bool:
        """Whether the order found under this caller id is the one ``item`` asks for."""
        return True

    # ------------------------------------------------------------- the core
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
