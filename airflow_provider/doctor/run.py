"""
The doctor's run over one connection: authenticate, then every read of the platform's catalogue.

Each operation becomes one :class:`~airflow_provider.doctor.rows.Row`. A path the platform does
not know is looked for under a few usual variants (a version suffix, another case style); the
one that answers is proposed as the connection's ``endpoints`` override, checked by calling it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from airflow_provider.common import drift
from airflow_provider.common.connection_settings import host_of
from airflow_provider.common.errors import ApiError, NotFoundError
from airflow_provider.common.retry import RetryPolicy
from airflow_provider.doctor.catalogue import PROBE_ID, MissingInput, Probe, probes_for
from airflow_provider.doctor.rows import NOT_CHECKED, Row, describe, kind_of

#: calls slower than this are reported ``slow``
DEFAULT_SLOW_SECONDS = 5.0
#: the doctor reports a fault rather than waiting through the hook's whole retry budget
DOCTOR_RETRIES = RetryPolicy(max_attempts=2, base_delay=0.2, max_total=15)
NOT_FOUND_WORDS = re.compile(r"not found|not exist|no such|不存在|未找到", re.IGNORECASE)
#: envelope keys whose (scalar) value the doctor shows: codes and flags, never data
CODE_KEYS = ("status", "code", "errcode", "errCode", "error_code", "ret", "success", "rel", "meta")


@dataclass
class Report:
    """The doctor's findings for one connection."""

    conn_id: str
    platform: str
    host: str
    auth: Row
    rows: list[Row] = field(default_factory=list)
    #: values that must never be printed (password, secret extras, tokens): the CLI redacts them
    secrets: set[str] = field(default_factory=set, repr=False)

    @property
    def failed_for_examples(self) -> list[Row]:
        """Rows of operations an example DAG uses that did not pass (and a refused login)."""
        failed = [row for row in self.rows if row.used_by_examples and not row.passed]
        return ([self.auth] if not self.auth.passed else []) + failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "conn_id": self.conn_id,
            "platform": self.platform,
            "host": self.host,
            "auth": self.auth.to_dict(),
            "operations": [row.to_dict() for row in self.rows],
            "ok": not self.failed_for_examples,
        }


class _LastAnswer:
    """Keeps the shape (top-level keys, code values) of the last answer: never its data."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.codes: dict[str, Any] = {}

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        try:
            body = response.json()
        except ValueError:
            self.keys, self.codes = [], {}
            return
        self.keys = sorted(body) if isinstance(body, dict) else []
        self.codes = {
            key: body[key]
            for key in CODE_KEYS
            if isinstance(body, dict) and isinstance(body.get(key), str | int | float | bool)
        }

    def shape(self) -> str:
        if not self.keys:
            return ""
        codes = ", ".join(f"{key}={value!r}" for key, value in self.codes.items())
        return f"got keys {', '.join(self.keys)}" + (f"; {codes}" if codes else "")


def open_hook(conn_id: str, hook_class: type[Any], **hook_kwargs: Any) -> Any:
    """A hook with the doctor's short retry budget and a token kept in this process only."""
    from airflow_provider.common.auth import MemoryTokenStore

    hook_kwargs.setdefault("retry_policy", DOCTOR_RETRIES)
    hook_kwargs.setdefault("token_store", MemoryTokenStore())
    return hook_class(conn_id, **hook_kwargs)


def check_auth(hook: Any) -> Row:
    """
    The auth part (what the connection form's Test button runs): read the connection, get a
    token. A failure's detail names the failing step. Never writes the shared token store.
    """
    step = "reading the connection"
    try:
        hook.settings  # noqa: B018 - reads and checks the extras
        if hook.needs_token():
            step = "the token call"
            existing = hook.token_manager.peek()
            token = existing if existing is not None else hook.fetch_token()
            hook.token_manager.remember(token)
    except Exception as err:
        return Row("authenticate", kind_of(err), f"{step} failed: {describe(err)}")
    return Row("authenticate", drift.OK, "credentials accepted")


def diagnose(
    conn_id: str,
    hook_class: type[Any],
    platform: str,
    *,
    include_writes: bool = False,
    slow_seconds: float = DEFAULT_SLOW_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    **hook_kwargs: Any,
) -> Report:
    """Run every probe of ``platform`` over the connection ``conn_id``."""
    hook = open_hook(conn_id, hook_class, **hook_kwargs)
    last = _LastAnswer()
    try:
        host = host_of(hook.settings.base_url)
    except Exception:
        host = "?"
    report = Report(conn_id, platform, host, Row("authenticate", NOT_CHECKED))
    try:
        hook.client.event_hooks["response"].append(last)
        report.auth = check_auth(hook)
        if not report.auth.passed:
            return report
        found: dict[str, Any] = {"run_id": f"{int(time.time())}"}
        for probe in probes_for(platform, hook):
            if probe.writes and not include_writes:
                report.rows.append(
                    _not_checked(hook, probe, "changes data: not called (see --include-writes)")
                )
                continue
            row = _check(hook, probe, found, last, slow_seconds, clock)
            if row.kind == drift.PATH_NOT_FOUND:
                row.fix = _find_path(conn_id, hook_class, hook, probe, found, hook_kwargs)
            report.rows.append(row)
        return report
    finally:
        report.secrets |= _secrets_of(hook)
        hook.close()


def _secrets_of(hook: Any) -> set[str]:
    """The connection's password and secret extras, and the token the run used."""
    found: set[str] = set()
    try:
        conn = hook.connection
        extra = hook.extra
    except Exception:
        return found
    names = (*getattr(hook, "secret_extras", ()), "proxy")
    for value in [conn.password, *(extra.get(name) for name in names)]:
        if value:
            found.add(str(value))
    try:
        token = hook.token_manager.cached()
    except Exception:
        token = None
    if token is not None:
        found.add(token.value)
    return found


def _path(hook: Any, probe: Probe) -> str:
    """The path the connection uses for the probe's endpoint (overrides applied)."""
    return str(hook.settings.endpoints.get(probe.endpoint, ""))


def _not_checked(hook: Any, probe: Probe, why: str) -> Row:
    return Row(
        probe.endpoint, NOT_CHECKED, why, path=_path(hook, probe), used_by_examples=probe.used_by_examples
    )


def _check(
    hook: Any,
    probe: Probe,
    found: dict[str, Any],
    last: _LastAnswer,
    slow_seconds: float,
    clock: Callable[[], float],
) -> Row:
    row = Row(probe.endpoint, drift.OK, path=_path(hook, probe), used_by_examples=probe.used_by_examples)
    started = clock()
    with drift.recording() as seen:
        try:
            probe.run(hook, found)
        except ApiError as err:
            if probe.by_probe_id and _says_not_found(err):
                row.detail = "answered 'not found' for the doctor's probe id: path and envelope as documented"
            else:
                _failed(row, err, last)
        except MissingInput as err:  # an input it needs was not found by the reads before it
            row.kind, row.detail = NOT_CHECKED, str(err)
        except Exception as err:  # a probe's own bug must not hide the other rows
            row.kind, row.detail = "error", f"{type(err).__name__}: {err}"
    row.elapsed_ms = round((clock() - started) * 1000, 1)
    row.missing, row.unknown = sorted(seen.missing), sorted(seen.unknown)
    if row.kind == drift.OK and seen.statuses:
        row.kind = drift.UNKNOWN_STATUS
        row.code = ", ".join(sorted(seen.statuses))
        row.detail = f"status {row.code} is in no documented table: reported as '{drift.UNKNOWN}'"
    elif row.kind in (drift.OK, drift.FIELDS_DIFFER) and (seen.missing or seen.unknown):
        row.kind = drift.FIELDS_DIFFER
        row.detail = _fields_detail(row.missing, row.unknown)
    if row.kind == drift.OK and row.elapsed_ms > slow_seconds * 1000:
        row.kind, row.detail = drift.SLOW, f"answered in {row.elapsed_ms / 1000:.1f} s"
    return row


def _says_not_found(err: ApiError) -> bool:
    """A business answer "no such object", not a 404 of the path itself: the answer names the
    doctor's probe id (so something read it), or carries a vendor code saying "not found"."""
    if PROBE_ID in err.message:
        return True
    if kind_of(err) == drift.PATH_NOT_FOUND:
        return False
    return isinstance(err, NotFoundError) or bool(NOT_FOUND_WORDS.search(err.message))


def _fields_detail(missing: list[str], unknown: list[str]) -> str:
    parts = []
    if missing:
        parts.append(f"expected but missing: {', '.join(missing)}")
    if unknown:
        parts.append(f"got and unknown: {', '.join(unknown)}")
    return "; ".join(parts)


def _failed(row: Row, err: ApiError, last: _LastAnswer) -> None:
    row.kind = kind_of(err)
    row.detail = describe(err)
    row.code = None if err.code is None else str(err.code)
    if row.kind == drift.ENVELOPE_DIFFERS and last.shape():
        row.detail = f"{row.detail} ({last.shape()})"


# ----------------------------------------------------------------------------- moved paths


def path_variants(path: str) -> Iterator[str]:
    """Usual places a documented path moves to: a version suffix or segment, another case style."""
    head, _, tail = path.rpartition("/")
    seen = {path}
    kebab = "".join(f"-{c.lower()}" if c.isupper() else c for c in tail).lstrip("-")
    snake = kebab.replace("-", "_")
    candidates = [
        f"{head}/{tail}V2",
        f"{head}/{tail}V3",
        f"{head}/{tail}/v2",
        f"{head}/v2/{tail}",
        f"{head}/{kebab}",
        f"{head}/{snake}",
        f"{head}/{tail.lower()}",
        f"{path}/",
    ]
    for old, new in (("/v1/", "/v2/"), ("/v2/", "/v3/"), ("/v3/", "/v4/")):
        if old in path:
            candidates.append(path.replace(old, new, 1))
    for candidate in candidates:
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


def _find_path(
    conn_id: str,
    hook_class: type[Any],
    hook: Any,
    probe: Probe,
    found: dict[str, Any],
    hook_kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The ``endpoints`` override to paste: a variant that answers, or a placeholder to fill."""
    used = str(hook.settings.endpoints[probe.endpoint])
    documented = str(type(hook).endpoints.get(probe.endpoint, used))
    current = dict(hook.extra.get("endpoints") or {})
    candidates = dict.fromkeys([documented, *path_variants(used), *path_variants(documented)])
    candidates.pop(used, None)
    for candidate in candidates:
        trial = open_hook(conn_id, hook_class, **hook_kwargs)
        trial.__dict__["settings"] = replace(
            hook.settings, endpoints={**hook.settings.endpoints, probe.endpoint: candidate}
        )
        try:
            with drift.recording():
                probe.run(trial, dict(found))
        except ApiError as err:  # only a real answer proves the path: an error must be "no such id"
            if not (probe.by_probe_id and _says_not_found(err)):
                continue
        except Exception:  # noqa: S112 - a candidate path that fails any other way is simply not the fix
            continue
        finally:
            trial.close()
        return {"endpoints": {**current, probe.endpoint: candidate}, "verified": True}
    placeholder = f"<the path of {probe.endpoint} in your platform's documentation>"
    return {"endpoints": {**current, probe.endpoint: placeholder}, "verified": False}
