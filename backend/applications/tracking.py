"""Tracking numbers and public tracking (跟踪办): anyone with the number and the phone digits sees the progress."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from auth import service as identity
from auth.errors import TooManyRequests
from backend.applications.flows import APPLICATION, STATUS_TEXT, timeline_text
from backend.applications.models import Application
from backend.applications.schemas import TrackOut, TrackStep
from backend.kit import errors
from backend.kit.resources import current
from backend.kit.workflow import events as workflow_events

RANDOM_DIGITS = 13  # + 1 check digit: 10^13 numbers, so knowing one case's number says nothing about another's
# The phone digits are one of 10,000 values. Wrong guesses are counted per tracking number,
# whoever sends them (rotating addresses do not help), and per client network.
GUESSES_PER_NUMBER = ((3600, 10), (86400, 20))
GUESSES_PER_NETWORK = ((3600, 30), (86400, 100))


class TrackingNotFound(errors.NotFound, code="application.tracking_not_found"):
    zh = "查不到该办件|办件编号或手机号后四位不正确，请核对后再查。"
    en = "No such tracking number|The tracking number or the last four phone digits are wrong."


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def new_tracking_number() -> str:
    """13 random digits + a Luhn check digit: one mistyped digit is caught before any lookup."""
    body = f"{secrets.randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
    return body + _luhn_digit(body)


def tracking_number_valid(value: str) -> bool:
    return bool(re.fullmatch(rf"\d{{{RANDOM_DIGITS + 1}}}", value)) and _luhn_digit(value[:-1]) == value[-1]


async def unused_tracking_number(*, candidates: Iterable[str] | None = None) -> str:
    """A fresh number that no case has yet (the unique index still guards the moment before the write)."""
    for number in candidates if candidates is not None else (new_tracking_number() for _ in range(5)):
        if not await Application.exists(tracking_no=number):
            return number
    raise RuntimeError("no unused tracking number found")


async def _counted(counters: list[tuple[str, int, int]]) -> list[tuple[str, int]]:
    """Count one guess on every counter before the answer is checked, so parallel guesses cannot slip past."""
    broker = current().broker
    counted: list[tuple[str, int]] = []
    for key, window, allowed in counters:
        counted.append((key, window))
        if await broker.incr(key, ttl=window) > allowed:
            await _give_back(counted)  # refused unchecked: it was no guess
            raise TooManyRequests(retry_after=min(window, 3600))
    return counted


async def _give_back(counted: list[tuple[str, int]]) -> None:
    for key, window in counted:
        await current().broker.incr(key, ttl=window, amount=-1)


async def _matching(tracking_no: str, phone_last4: str) -> Application | None:
    application = await Application.get_or_none(tracking_no=tracking_no) if tracking_number_valid(tracking_no) else None
    if application is None:
        return None
    phone = (await identity.personal_details(person_id=application.person_id)).get("phone", "")
    return application if phone and hmac.compare_digest(phone[-4:], phone_last4) else None


async def track(*, tracking_no: str, phone_last4: str, network: str) -> TrackOut:
    """Status, step names and dates of a case: no notes, no free text, nothing about the person.

    A wrong number and wrong digits get the same answer; only right answers give their count back.
    """
    number_key = hashlib.sha256(tracking_no.encode()).hexdigest()[:32]  # any string a client sends, kept short
    counted = await _counted(
        [(f"track-guess:net:{network}:{w}", w, n) for w, n in GUESSES_PER_NETWORK]
        + [(f"track-guess:no:{number_key}:{w}", w, n) for w, n in GUESSES_PER_NUMBER]
    )
    application = await _matching(tracking_no, phone_last4)
    if application is None:
        raise TrackingNotFound()
    await _give_back(counted)
    steps = await workflow_events(APPLICATION, application.id)
    return TrackOut(
        tracking_no=tracking_no,
        service_name=application.service_name,
        status=application.status,
        status_label=STATUS_TEXT.get(application.status, application.status),
        due_date=application.due_date,
        timeline=[TrackStep(at=e.at, status=e.status_to, text=timeline_text(e.action, e.status_from)) for e in steps],
    )
