"""Publishes decisions that are stored but not yet on the broker (after a broker outage or a crash)."""

from __future__ import annotations

import asyncio
import logging

from services.errors import WijkbrugError
from services.escalations.service import TaskforceService

log = logging.getLogger(__name__)


async def relay_decisions(service: TaskforceService, interval_s: float) -> None:
    """Every `interval_s`, produce what the journal still holds of the taskforce's decisions."""
    while True:
        try:
            sent = await service.publish_pending()
            if sent:
                log.info("published %d decision(s) that waited in the journal", sent)
        except WijkbrugError as exc:  # the database away for a moment: try again next round
            log.warning("decision relay: %s", exc)
        await asyncio.sleep(interval_s)
