"""The audit chain for auditors (审计): its verification run in the background, and a search by object or person.

Reading the log is itself audited (``audit.searched``, ``audit.verify_started``, ``audit.verified``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from auth.admin import masked_names, person_of
from auth.sessions import SessionInfo
from backend.auditlog.schemas import AuditPage, AuditQuery, AuditRow, LatestVerification, VerificationOut
from backend.kit import audit, errors
from backend.kit.models import AuditEntry, AuditHead, AuditLink
from backend.kit.pii import mask_id_number, mask_name, mask_phone
from backend.kit.resources import current
from backend.kit.transactions import transaction

log = logging.getLogger("yiwang.auditlog")

# A verification's record lives in the broker (every app process reads it), kept a week.
STATE_TTL = 7 * 86400
# The one running verification holds this key; it refreshes it while it walks. A process that dies
# stops refreshing: after STALE the key is gone, the record reads "interrupted" and a new run may start.
LOCK_KEY = "auditlog:verify:lock"
LAST_KEY = "auditlog:verify:last"
STALE = timedelta(seconds=60)
HEARTBEAT = 1.0  # seconds between progress writes
MAX_PROBLEMS = 50
_ID = re.compile(r"^[0-9a-f]{32}$")
# Hand-typed numbers in free text (a reason, a note): ID numbers (18 or 15 digits) and mobile numbers.
_ID_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_running: set[asyncio.Task] = set()  # strong references, or the loop may drop a running verification


class VerificationRunning(errors.Conflict, code="auditlog.verify_running"):
    zh = "校验正在进行|已有一次审计链校验正在进行，请等它完成后查看结果。"
    en = "A verification is running|The audit chain is being verified already; wait for its result."


class VerificationNotFound(errors.NotFound, code="auditlog.verification_not_found"):
    zh = "找不到这次校验|校验记录不存在，或已超过 7 天被清除。"
    en = "Verification not found|There is no such verification, or it is older than 7 days."


def _key(verification_id: str) -> str:
    return f"auditlog:verify:{verification_id}"


async def _save(state: VerificationOut) -> None:
    await current().broker.set(_key(state.id), state.model_dump_json().encode(), ttl=STATE_TTL)


async def _load(verification_id: str) -> VerificationOut | None:
    raw = await current().broker.get(_key(verification_id)) if _ID.match(verification_id) else None
    if raw is None:
        return None
    state = VerificationOut.model_validate_json(raw)
    if state.state == "running" and datetime.now(UTC) - state.updated_at > STALE:
        state.state = "interrupted"  # its process ended mid-walk (restart, crash): nothing to show but to run again
    return state


async def start_verification(*, by: SessionInfo) -> VerificationOut:
    """Start walking the hash chain in this process (链校验); one at a time per deployment (409 otherwise)."""
    broker = current().broker
    if await broker.incr(LOCK_KEY, ttl=STALE.total_seconds()) != 1:
        raise VerificationRunning()
    try:
        head = await AuditHead.get_or_none(id=1)
        actor = by.official.actor
        now = datetime.now(UTC)
        state = VerificationOut(
            id=uuid.uuid4().hex,
            state="running",
            started_at=now,
            started_by=actor,
            started_by_name=(await masked_names([by.person_id])).get(by.person_id) if by.person_id else None,
            updated_at=now,
            finished_at=None,
            checked=0,
            total=head.seq if head else 0,
            head_seq=None,
            unlinked=None,
            problem_count=0,
            problems=[],
        )
        async with transaction():
            await audit.record(actor=actor, action="audit.verify_started", object_type="audit_verification", object_id=state.id)
        await _save(state)
        await broker.set(LAST_KEY, state.id.encode(), ttl=STATE_TTL)
    except BaseException:
        await broker.delete(LOCK_KEY)
        raise
    task = asyncio.create_task(_walk(state))
    _running.add(task)
    task.add_done_callback(_running.discard)
    return state


async def _walk(state: VerificationOut) -> None:
    broker = current().broker
    last_beat = asyncio.get_running_loop().time()

    async def progress(rows: int, seq: int) -> None:
        nonlocal last_beat
        state.checked = rows
        now = asyncio.get_running_loop().time()
        if now - last_beat >= HEARTBEAT:
            last_beat = now
            state.updated_at = datetime.now(UTC)
            await _save(state)
            await broker.set(LOCK_KEY, b"1", ttl=STALE.total_seconds())

    try:
        report = await audit.verify(progress=progress)
        state.state = "passed" if report.ok else "failed"
        state.checked, state.head_seq, state.unlinked = report.rows, report.head_seq, report.unlinked
        state.problem_count, state.problems = len(report.problems), report.problems[:MAX_PROBLEMS]
        async with transaction():
            await audit.record(
                actor=state.started_by,
                action="audit.verified",
                object_type="audit_verification",
                object_id=state.id,
                result="ok" if report.ok else "failed",
                detail={"rows": report.rows, "head_seq": report.head_seq, "problems": len(report.problems), "unlinked": report.unlinked},
            )
    except Exception:
        log.exception("audit chain verification failed", extra={"verification": state.id})
        state.state = "error"
    finally:
        state.updated_at = state.finished_at = datetime.now(UTC)
        try:
            await _save(state)
        finally:
            await broker.delete(LOCK_KEY)


async def verification(*, verification_id: str) -> VerificationOut:
    state = await _load(verification_id)
    if state is None:
        raise VerificationNotFound()
    return state


async def latest_verification() -> LatestVerification:
    """The running or most recent verification, if any."""
    last = await current().broker.get(LAST_KEY)
    return LatestVerification(verification=await _load(last.decode()) if last else None)


# ---- search -------------------------------------------------------------------------------------


def _mask_text(text: str) -> str:
    return _PHONE.sub(lambda m: mask_phone(m.group()), _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text))


def masked_detail(value: Any, key: str = "") -> Any:
    """``detail`` as an auditor sees it: names masked by their key, ID and mobile numbers masked wherever they appear."""
    if isinstance(value, dict):
        return {k: masked_detail(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked_detail(v, key) for v in value]
    if isinstance(value, str):
        return mask_name(value) if key == "name" or key.endswith("_name") else _mask_text(value)
    return value


async def search(*, query: AuditQuery, by: SessionInfo) -> AuditPage:
    """Audit rows of an object or of a person (as actor or subject), newest first, a page at a time; the read is audited."""
    before = int(query.cursor) if query.cursor else None
    wanted = query.limit + 1  # one more tells whether there is a next page
    filters: dict[str, Any] = {}
    if query.object_type is not None:
        filters["object_type"] = query.object_type
    if query.object_id is not None:
        filters["object_id"] = query.object_id
    if query.action is not None:
        filters["action"] = query.action
    if before is not None:
        filters["id__lt"] = before
    if query.person_id is None:
        rows = await AuditEntry.filter(**filters).order_by("-id").limit(wanted)
    else:
        # As actor or as subject: two index walks merged here, not one OR that may scan the table.
        who = f"person:{query.person_id}"
        acted = await AuditEntry.filter(actor=who, **filters).order_by("-id").limit(wanted)
        concerned = await AuditEntry.filter(subject=who, **filters).order_by("-id").limit(wanted)
        rows = sorted({r.id: r for r in [*acted, *concerned]}.values(), key=lambda r: r.id, reverse=True)[:wanted]
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    seqs = dict(await AuditLink.filter(entry_id__in=[r.id for r in rows]).values_list("entry_id", "seq"))
    people = {p for r in rows for p in (person_of(r.actor), person_of(r.subject)) if p is not None}
    names = await masked_names(people)
    async with transaction():
        await audit.record(
            actor=by.official.actor,
            subject=f"person:{query.person_id}" if query.person_id else None,
            action="audit.searched",
            object_type=query.object_type or "person",
            object_id=query.object_id if query.object_type else query.person_id,
            detail={k: v for k, v in query.model_dump(exclude={"limit"}).items() if v is not None} | {"rows": len(rows)},
        )
    return AuditPage(
        items=[
            AuditRow(
                id=r.id,
                seq=seqs.get(r.id),
                at=r.at,
                actor=r.actor,
                actor_name=names.get(person_of(r.actor) or 0),
                subject=r.subject,
                subject_name=names.get(person_of(r.subject) or 0),
                action=r.action,
                object_type=r.object_type,
                object_id=r.object_id,
                result=r.result,
                request_id=r.request_id,
                detail=masked_detail(r.detail),
            )
            for r in rows
        ],
        next_cursor=str(rows[-1].id) if more and rows else None,
    )
