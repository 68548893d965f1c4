"""Secrets registered with Airflow's log masking (names go by value, so every secret is registered)."""

from __future__ import annotations


async def amask(value: str) -> None:
    """Async :func:`mask` (``amask_secret`` where the Airflow version has it, since 3.3)."""
    if not value:
        return
    try:
        from airflow.sdk.log import amask_secret
    except ImportError:
        mask(value)
        return
    await amask_secret(value)


def mask(value: str) -> None:
    """Register ``value`` with Airflow's log masking (a no-op for empty values)."""
    if not value:
        return
    from airflow.sdk.log import mask_secret

    mask_secret(value)
