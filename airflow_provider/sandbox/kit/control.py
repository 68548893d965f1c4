"""The ``/_sandbox`` control API: faults, clock, stats, tokens, the duplicate-id answer, the store."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from airflow_provider.sandbox.kit.backend import DuplicateIds, SandboxBackend
from airflow_provider.sandbox.kit.faults import FAULT_KINDS


class ScriptedFault(BaseModel):
    """Inject ``kind`` into the next ``count`` business calls whose path contains ``path_contains``."""

    kind: Literal["error", "rate_limit", "drop", "lose_answer", "latency"]
    count: int = Field(1, ge=1)
    path_contains: str | None = None


class FaultSettings(BaseModel):
    """Fault rates (probability per business call) and scripted faults; omitted fields are kept."""

    error_rate: float | None = Field(None, ge=0, le=1)
    rate_limit_rate: float | None = Field(None, ge=0, le=1)
    retry_after: float | None = Field(None, ge=0)
    drop_rate: float | None = Field(None, ge=0, le=1)
    lose_answer_rate: float | None = Field(None, ge=0, le=1)
    latency_ms: float | None = Field(None, ge=0)
    include_auth: bool | None = None
    seed: int | None = None
    script: list[ScriptedFault] = Field(default_factory=list)
    clear: bool = Field(False, description="clear every fault before applying these settings")


class ClockChange(BaseModel):
    """Move the sandbox clock: ``advance`` seconds ahead, and/or run at ``speed``."""

    advance: float | None = Field(None, ge=0)
    speed: float | None = Field(None, ge=0, description="0 freezes the clock")


class DriftMode(BaseModel):
    """Whether the simulator answers with its drift plan (see ``GET /_sandbox/drift``)."""

    on: bool


class DuplicateIdsMode(BaseModel):
    """How a create reusing the caller's own order id is answered."""

    mode: DuplicateIds


def control_router(backend: SandboxBackend) -> APIRouter:
    """Routes under ``/_sandbox`` acting on ``backend`` (exempt from fault injection)."""
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    def clock_state() -> dict[str, Any]:
        return {"now": backend.clock.now(), "speed": backend.clock.speed}

    @router.get("/stats")
    def stats() -> dict[str, Any]:
        """Calls per path, token calls, faults injected and the platform's own counters."""
        return backend.stats()

    @router.post("/stats/reset")
    def reset_stats() -> dict[str, Any]:
        """Counters back to zero (orders stay)."""
        backend.reset_stats()
        return backend.stats()

    @router.get("/faults")
    def get_faults() -> dict[str, Any]:
        return backend.faults.settings()

    @router.post("/faults")
    def set_faults(settings: FaultSettings) -> dict[str, Any]:
        """Set fault rates and queue scripted faults (fault kinds: error, rate_limit, drop, lose_answer, latency)."""
        if settings.clear:
            backend.faults.clear()
        rates = settings.model_dump(exclude={"script", "clear"}, exclude_none=True)
        backend.faults.update(**rates)
        for entry in settings.script:
            if entry.kind not in FAULT_KINDS:  # pragma: no cover - the model already checks
                raise HTTPException(422, f"unknown fault {entry.kind}")
            backend.faults.script(entry.kind, entry.count, entry.path_contains)
        return backend.faults.settings()

    @router.delete("/faults")
    def clear_faults() -> dict[str, Any]:
        backend.faults.clear()
        return backend.faults.settings()

    @router.get("/clock")
    def get_clock() -> dict[str, Any]:
        return clock_state()

    @router.post("/clock")
    def change_clock(change: ClockChange) -> dict[str, Any]:
        if change.advance:
            backend.clock.advance(change.advance)
        if change.speed is not None:
            backend.clock.set_speed(change.speed)
        return clock_state()

    @router.post("/expire-tokens")
    def expire_tokens() -> dict[str, Any]:
        """Every token issued so far is refused from now on."""
        backend.expire_tokens()
        return {"ok": True}

    @router.get("/duplicate-ids")
    def get_duplicate_ids() -> dict[str, Any]:
        return {"mode": backend.duplicate_ids}

    @router.put("/duplicate-ids")
    def set_duplicate_ids(body: DuplicateIdsMode) -> dict[str, Any]:
        """``refuse``: a reused caller id is answered "duplicate"; ``accept``: it makes a second order."""
        backend.set_duplicate_ids(body.mode)
        return {"mode": backend.duplicate_ids}

    @router.get("/drift")
    def get_drift() -> dict[str, Any]:
        """Whether drift is on, and what it changes (renamed field, moved path, unknown codes, envelope)."""
        return backend.drift.state()

    @router.put("/drift")
    def set_drift(body: DriftMode) -> dict[str, Any]:
        """Switch drift on or off (off: every answer as documented again)."""
        try:
            backend.drift.set(body.on)
        except ValueError as err:
            raise HTTPException(409, str(err)) from err
        return backend.drift.state()

    @router.get("/store")
    def dump_store() -> dict[str, Any]:
        """Every table of the simulator as JSON."""
        return backend.dump()

    return router
