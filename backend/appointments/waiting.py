"""The waiting list (候补): placeholder until the waiting-list work replaces this module."""

from __future__ import annotations

from datetime import datetime

from backend.appointments.models import Slot


async def offer_freed_place(slot: Slot, now: datetime) -> bool:
    """Offer a freed place of ``slot`` to the first person waiting for its day, if any.

    This stub offers nothing (returns False), so the place goes back to the counter. The waiting
    list replaces it: it creates a held appointment for the first in line and transitions it
    ``offer`` (the counter stays taken), returning True.
    """
    return False
