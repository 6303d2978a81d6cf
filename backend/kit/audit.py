"""Append-only, hash-chained audit log (全过程留痕), written inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F

from backend.kit.context import current_request_id
from backend.kit.models import AuditEntry, AuditHead
from backend.kit.transactions import transaction

GENESIS_HASH = "0" * 64
SYSTEM = "system"


def _canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    subject: str | None,
    action: str,
    object_type: str,
    object_id: str | None,
    result: str,
    request_id: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON form of the row, including the previous row's hash."""
    payload = json.dumps(
        [seq, _canonical_time(at), actor, subject, action, object_type, object_id, result, request_id, detail, prev_hash],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


async def record(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    subject: str | None = None,
    result: str = "ok",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one audit row. Call it inside the transaction of the change it records.

    ``actor`` is who acted (``person:12``, ``system``), ``subject`` whose data it concerns;
    ``detail`` must hold no personal data in clear (ids and masked values only).
    """
    detail = detail or {}
    async with transaction():
        # Taking the head row's lock first serialises appenders across processes.
        updated = await AuditHead.filter(id=1).update(seq=F("seq") + 1)
        if updated != 1:
            raise RuntimeError("audit_head row missing: run `yiwang migrate`")
        head = await AuditHead.get(id=1)
        fields = dict(
            seq=head.seq,
            at=datetime.now(UTC),
            actor=actor,
            subject=subject,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            result=result,
            request_id=current_request_id(),
            detail=detail,
            prev_hash=head.hash,
        )
        digest = entry_hash(**fields)
        entry = await AuditEntry.create(**fields, hash=digest)
        await AuditHead.filter(id=1).update(hash=digest)
    return entry


@dataclass(frozen=True)
class VerifyReport:
    rows: int
    head_seq: int
    head_hash: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(*, batch: int = 2000) -> VerifyReport:
    """Walk the chain and report every edited, inserted or deleted row."""
    problems: list[str] = []
    expected_seq, prev_hash, rows = 1, GENESIS_HASH, 0
    last_seq = 0
    while True:
        chunk = await AuditEntry.filter(seq__gt=last_seq).order_by("seq").limit(batch)
        if not chunk:
            break
        for row in chunk:
            rows += 1
            if row.seq != expected_seq:
                problems.append(f"seq {expected_seq}..{row.seq - 1}: rows missing (deleted?)")
            if row.prev_hash != prev_hash:
                problems.append(f"seq {row.seq}: prev_hash does not match the row before (inserted or deleted row)")
            digest = entry_hash(
                seq=row.seq,
                at=row.at,
                actor=row.actor,
                subject=row.subject,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                result=row.result,
                request_id=row.request_id,
                detail=row.detail,
                prev_hash=row.prev_hash,
            )
            if digest != row.hash:
                problems.append(f"seq {row.seq}: content does not match its hash (edited)")
            expected_seq, prev_hash, last_seq = row.seq + 1, row.hash, row.seq
    head = await AuditHead.get_or_none(id=1)
    if head is None:
        problems.append("audit_head row missing")
        return VerifyReport(rows, 0, GENESIS_HASH, problems)
    if head.seq != last_seq or head.hash != prev_hash:
        problems.append(
            f"chain ends at seq {last_seq} but the head says seq {head.seq}: rows at the end were deleted or the head was edited"
        )
    return VerifyReport(rows, head.seq, head.hash, problems)
