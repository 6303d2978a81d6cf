"""Append-only, hash-chained audit log (全过程留痕).

An entry is written in the caller's transaction, so a change and its audit row commit or roll
back together, and appenders share no row: requests never wait for each other here. One
chainer per deployment then links committed entries into the hash chain (``AuditLink``: seq,
prev_hash, hash), within a second. On PostgreSQL the chainer is whichever process holds a
session-level advisory lock (every ``yiwang serve`` process and ``yiwang worker`` tries; if the
holder dies its connection closes, the lock is freed and another process takes over); on
SQLite the one process does it.

Order: a row with a lower id can commit after one with a higher id, so the chain is not built
in id order. On PostgreSQL each entry carries the id of the transaction that wrote it (``xid``,
filled by the database); the chainer takes only rows whose transaction id is below every
transaction still running in this database (those rows are all visible or rolled back, and every
row written later gets a higher xid), in (xid, id) order, so no row is ever passed over; a long
transaction delays linking until it ends. On SQLite a writer holds the write lock from its first
write to its commit, so ids are assigned in commit order.

Both tables refuse UPDATE and DELETE (database triggers) with no exception, so the chain is
never rewritten in place; ``verify()`` walks it and also reports rows left unlinked too long.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import connections

from backend.kit.context import current_request_id
from backend.kit.models import AuditEntry, AuditHead, AuditLink
from backend.kit.transactions import transaction

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger("yiwang.audit")

GENESIS_HASH = "0" * 64
SYSTEM = "system"
# pg_try_advisory_lock key of the chainer (advisory locks are per database).
CHAINER_LOCK = int.from_bytes(hashlib.sha256(b"yiwang.audit.chainer").digest()[:8], "big", signed=True)
CHAINER_APPLICATION_NAME = "yiwang-audit-chainer"
UNLINKED_LIMIT = timedelta(seconds=60)


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
    """Write one audit row. Call it inside the transaction of the change it records.

    ``actor`` is who acted (``person:12``, ``system``), ``subject`` whose data it concerns;
    ``detail`` must hold no personal data in clear (ids and masked values only). The row joins
    the hash chain shortly after the transaction commits.
    """
    return await AuditEntry.create(
        at=datetime.now(UTC),
        actor=actor,
        subject=subject,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        request_id=current_request_id(),
        detail=detail or {},
    )


def _hash_of(row: AuditEntry, *, seq: int, prev_hash: str) -> str:
    return entry_hash(
        seq=seq,
        at=row.at,
        actor=row.actor,
        subject=row.subject,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        result=row.result,
        request_id=row.request_id,
        detail=row.detail,
        prev_hash=prev_hash,
    )


def _postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class _Cursor(NamedTuple):
    """The chain's end: its seq, and the (xid, id) of the entry linked there (xid 0 on SQLite)."""

    seq: int
    xid: int
    entry_id: int


_START = _Cursor(0, -1, 0)
# (PostgreSQL, SQLite) forms; PostgreSQL's parameters are (cursor xid, cursor id[, limit]), SQLite's (cursor id[, limit]).
_PENDING = (
    "SELECT EXISTS (SELECT 1 FROM audit_entry WHERE (xid, id) > ($1, $2)) AS pending",
    "SELECT EXISTS (SELECT 1 FROM audit_entry WHERE id > ?) AS pending",
)
_NEXT = (
    "SELECT id, xid FROM audit_entry WHERE (xid, id) > ($1, $2) AND xid < $4 ORDER BY xid, id LIMIT $3",
    "SELECT id, 0 AS xid FROM audit_entry WHERE id > ? ORDER BY id LIMIT ?",
)
_LINKED_AT = (
    "SELECT l.entry_id, e.xid FROM audit_link l JOIN audit_entry e ON e.id = l.entry_id WHERE l.seq = $1",
    "SELECT entry_id, 0 AS xid FROM audit_link WHERE seq = ?",
)
# The transactions of this database still running (their 32-bit ids), and the snapshot's bounds.
_RUNNING = """
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin, pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax,
       array_agg(backend_xid::text::bigint) FILTER (WHERE backend_xid IS NOT NULL) AS xids,
       coalesce(bool_or(query = '<insufficient privilege>'), false) AS hidden
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


async def _horizon(conn) -> int:
    """An xid below which every transaction that could write audit rows here has ended.

    The snapshot's xmin would do, but it counts every database of the server: one long write
    elsewhere would hold the chain back. So take the oldest transaction still running in this
    database (as listed before the rows are read: a transaction that gets its id later gets one
    above the snapshot's xmax), falling back to xmin if some session's transaction is hidden
    from this role.
    """
    found = (await conn.execute_query_dict(_RUNNING))[0]
    horizon = xmax = found["xmax"]
    for xid32 in found["xids"] or ():
        behind = (xmax - xid32) % 2**32  # backend_xid has no epoch: place it just below xmax
        if 0 < behind < 2**31:
            horizon = min(horizon, xmax - behind)
    return min(horizon, found["xmin"]) if found["hidden"] else horizon


def _query(forms: tuple[str, str], cursor: _Cursor, *extra: Any) -> tuple[str, list[Any]]:
    if _postgres():
        return forms[0], [cursor.xid, cursor.entry_id, *extra]
    return forms[1], [cursor.entry_id, *extra]


def _asyncpg_dsn(database_url: str) -> str:
    """The database URL as asyncpg takes it: tortoise's pool options dropped."""
    parts = urlsplit(database_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")]
    return urlunsplit(parts._replace(scheme="postgresql", query=urlencode(query)))


class Chainer:
    """Links committed audit entries into the hash chain; run one per process, one of them links."""

    def __init__(self, database_url: str, *, poll: float = 0.25, retry: float = 1.0, batch: int = 1000) -> None:
        self.database_url = database_url
        self.poll = poll  # how often the holder looks for new rows
        self.retry = retry  # how often the others try to take over
        self.batch = batch
        self.name = f"{CHAINER_APPLICATION_NAME} {socket.gethostname()[:16]}-{os.getpid()}"
        self._lock_conn: asyncpg.Connection | None = None  # PostgreSQL: the connection whose session holds the advisory lock
        self._holding = False
        self._cursor: _Cursor | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: link new rows if this process is the chainer, else try to become it."""
        try:
            while not stop.is_set():
                delay = self.retry
                try:
                    if await self._elect():
                        await self.link_pending()
                        delay = self.poll
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("audit chainer failed; retrying")
                    await self._release()  # let another process try
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except TimeoutError:
                    pass
        finally:
            await self._release()

    async def link_once(self) -> int:
        """One pass for a short-lived command (its own rows linked before it exits), unless another process is the chainer."""
        try:
            return await self.link_pending() if await self._elect() else 0
        finally:
            await self._release()

    async def _elect(self) -> bool:
        if not _postgres():
            return True
        if self._holding and self._lock_conn is not None and not self._lock_conn.is_closed():
            return True
        if self._holding:
            log.warning("audit chainer: lost the database connection holding the chainer lock")
            await self._release()
        if self._lock_conn is None or self._lock_conn.is_closed():
            import asyncpg

            self._lock_conn = await asyncpg.connect(_asyncpg_dsn(self.database_url), server_settings={"application_name": self.name[:63]})
        self._holding = await self._lock_conn.fetchval("SELECT pg_try_advisory_lock($1)", CHAINER_LOCK)
        if self._holding:
            log.info("audit chainer: this process links the audit chain")
            self._cursor = None
        return self._holding

    async def _release(self) -> None:
        conn, self._lock_conn, self._holding = self._lock_conn, None, False
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=2)  # ends the session, and with it the advisory lock
            except Exception:
                conn.terminate()

    async def link_pending(self) -> int:
        """Link every entry committed so far; the number linked."""
        total = 0
        while True:
            linked = await self._link_batch()
            total += linked
            if linked < self.batch:
                return total

    async def _link_batch(self) -> int:
        postgres = _postgres()
        if self._cursor is not None:  # idle: one cheap look, no lock
            found = await connections.get("default").execute_query_dict(*_query(_PENDING, self._cursor))
            if not found[0]["pending"]:
                return 0
        async with transaction() as conn:
            # The head's row lock makes chainers take turns even if two ever believe they hold the
            # advisory lock (a connection lost unnoticed): each starts from the committed end.
            head = await AuditHead.select_for_update().get_or_none(id=1)
            if head is None:
                raise RuntimeError("audit_head row missing: run `yiwang migrate`")
            cursor = self._cursor if self._cursor is not None and self._cursor.seq == head.seq else await self._cursor_at(conn, head.seq)
            sql, params = _query(_NEXT, cursor, self.batch)
            if postgres:  # read before the rows, in a statement of its own (see _horizon)
                params.append(await _horizon(conn))
            found = await conn.execute_query_dict(sql, params)
            if not found:
                self._cursor = cursor
                return 0
            rows = {row.id: row for row in await AuditEntry.filter(id__in=[r["id"] for r in found])}
            seq, prev_hash, links = head.seq, head.hash, []
            for r in found:
                seq += 1
                digest = _hash_of(rows[r["id"]], seq=seq, prev_hash=prev_hash)
                links.append(AuditLink(seq=seq, entry_id=r["id"], prev_hash=prev_hash, hash=digest))
                prev_hash = digest
            await AuditLink.bulk_create(links)
            await AuditHead.filter(id=1).update(seq=seq, hash=prev_hash)
        self._cursor = _Cursor(seq, found[-1]["xid"], found[-1]["id"])
        return len(found)

    @staticmethod
    async def _cursor_at(conn, seq: int) -> _Cursor:
        if seq == 0:
            return _START
        found = await conn.execute_query_dict(_LINKED_AT[0] if _postgres() else _LINKED_AT[1], [seq])
        if not found:
            raise RuntimeError(f"audit chain broken at seq {seq} (its link or entry is gone): run `yiwang audit verify`")
        return _Cursor(seq, found[0]["xid"], found[0]["entry_id"])


@dataclass(frozen=True)
class VerifyReport:
    rows: int
    head_seq: int
    head_hash: str
    problems: list[str]
    unlinked: int = 0  # entries not in the chain yet (normally written in the last second)

    @property
    def ok(self) -> bool:
        return not self.problems


def _utc(value: datetime | str) -> datetime:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def verify(
    *,
    batch: int = 2000,
    unlinked_limit: timedelta = UNLINKED_LIMIT,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
) -> VerifyReport:
    """Walk the chain and report every edited, inserted or deleted row, and rows left unlinked too long.

    ``progress(rows, seq)`` is awaited after each batch (rows checked so far, the last seq checked).
    """
    problems: list[str] = []
    # The chain as it stands now: writes go on during the walk, and the chainer keeps linking them. Rows
    # linked after this read are the next verification's work (or, below, proof of a forged tail).
    conn = connections.get("default")
    head = await AuditHead.get_or_none(id=1)
    walk = _Walk(problems, batch=batch, progress=progress)
    await walk.to(head.seq if head else await _top_seq(conn))
    if head is not None and (walk.last_seq != head.seq or walk.prev_hash != head.hash):
        problems.append(
            f"chain ends at seq {walk.last_seq} but the head says seq {head.seq}: rows at the end were deleted or the head was edited"
        )
    # The chainer commits links and the head that counts them together: a link seen before the head is
    # read again can never be beyond it, unless it was put there by hand.
    top = await _top_seq(conn)
    now = await AuditHead.get_or_none(id=1)
    if now is not None and top > now.seq:
        await walk.to(top)
        problems.append(f"links beyond the head (seq {now.seq + 1}..{top}): inserted rows")
    twice = await conn.execute_query_dict(
        "SELECT entry_id FROM audit_link GROUP BY entry_id HAVING count(*) > 1 ORDER BY entry_id LIMIT 10"
    )
    if twice:
        problems.append(f"entries linked twice (inserted links): {', '.join(str(r['entry_id']) for r in twice)}")
    unlinked = await conn.execute_query_dict(
        "SELECT e.id, e.at FROM audit_entry e WHERE NOT EXISTS (SELECT 1 FROM audit_link l WHERE l.entry_id = e.id) ORDER BY e.id"
    )
    cutoff = datetime.now(UTC) - unlinked_limit
    overdue = [r["id"] for r in unlinked if _utc(r["at"]) < cutoff]
    if overdue:
        problems.append(
            f"{len(overdue)} entries unlinked for over {unlinked_limit.total_seconds():g} s (ids {', '.join(map(str, overdue[:10]))}"
            f"{' …' if len(overdue) > 10 else ''}): inserted rows, or no chainer running (`yiwang serve` or `yiwang worker`)"
        )
    if head is None:
        problems.append("audit_head row missing")
        return VerifyReport(walk.rows, 0, GENESIS_HASH, problems, len(unlinked))
    return VerifyReport(walk.rows, head.seq, head.hash, problems, len(unlinked))


async def _top_seq(conn) -> int:
    found = await conn.execute_query_dict("SELECT max(seq) AS top FROM audit_link")
    return found[0]["top"] or 0


class _Walk:
    """Checks links in seq order, batch by batch, remembering where it stopped."""

    def __init__(self, problems: list[str], *, batch: int, progress: Callable[[int, int], Awaitable[None]] | None) -> None:
        self.problems, self.batch, self.progress = problems, batch, progress
        self.expected_seq, self.prev_hash, self.last_seq, self.rows = 1, GENESIS_HASH, 0, 0

    async def to(self, end: int) -> None:
        """Check every link after the last one checked, up to seq ``end``."""
        problems = self.problems
        while self.last_seq < end:
            chunk = await AuditLink.filter(seq__gt=self.last_seq, seq__lte=end).order_by("seq").limit(self.batch)
            if not chunk:
                return
            entries = {e.id: e for e in await AuditEntry.filter(id__in=[link.entry_id for link in chunk])}
            for link in chunk:
                self.rows += 1
                if link.seq != self.expected_seq:
                    problems.append(f"seq {self.expected_seq}..{link.seq - 1}: rows missing (deleted?)")
                if link.prev_hash != self.prev_hash:
                    problems.append(f"seq {link.seq}: prev_hash does not match the row before (inserted or deleted row)")
                entry = entries.get(link.entry_id)
                if entry is None:
                    problems.append(f"seq {link.seq}: audit entry {link.entry_id} is missing (deleted)")
                elif _hash_of(entry, seq=link.seq, prev_hash=link.prev_hash) != link.hash:
                    problems.append(f"seq {link.seq}: content does not match its hash (edited)")
                self.expected_seq, self.prev_hash, self.last_seq = link.seq + 1, link.hash, link.seq
            if self.progress is not None:
                await self.progress(self.rows, self.last_seq)
