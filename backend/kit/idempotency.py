"""Idempotency-Key for unsafe requests (draft-ietf-httpapi-idempotency-key-header).

Same key + same body replays the first response; same key + another body is 422; a retry
while the first is still running is 409. The first request's work and its stored response
commit in one transaction, so a crash never leaves work done without a stored answer.

Only a success is stored (Stripe's rule). A request that fails — a 4xx from validation or a
conflict, a 5xx, a dropped database connection — has rolled back all its work, so its key is
released at once and a retry with the same key runs the request again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from backend.kit import errors, transactions
from backend.kit.api import Documented, Handler, Operation, render
from backend.kit.models import IdempotencyRecord
from backend.kit.transactions import transaction

HEADER = "Idempotency-Key"
# Visible ASCII, spaces allowed inside only: HTTP strips them at the ends, so they could not round-trip.
KEY_PATTERN = r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$"
_KEY = re.compile(KEY_PATTERN)
LEASE = timedelta(seconds=60)
# Releasing a failed request's key: a few quick tries, since a dropped connection is usually
# replaced by the pool within milliseconds; after that the lease frees it.
RELEASE_DELAYS = (0.0, 0.05, 0.2, 0.5)
log = logging.getLogger("yiwang.idempotency")


class KeyMissing(errors.BadRequest, code="idempotency.key_missing"):
    zh = "缺少请求编号|这个操作需要 Idempotency-Key 请求头，以免重复提交。请刷新页面后重试。"
    en = "Idempotency-Key header required|Send an Idempotency-Key header so a retry cannot submit twice."


class KeyInvalid(errors.BadRequest, code="idempotency.key_invalid"):
    zh = "请求编号格式有误|Idempotency-Key 应为 1 到 255 个可见字符。"
    en = "Idempotency-Key is malformed|The Idempotency-Key must be 1 to 255 visible ASCII characters."


class KeyReused(errors.Invalid, code="idempotency.key_reused"):
    zh = "请求编号已用于其他内容|同一个请求编号已经提交过不同的内容。如需提交新的内容，请刷新页面后再提交。"
    en = "Idempotency-Key reused with a different request|This Idempotency-Key was already used for a different request body."


class InFlight(errors.Conflict, code="idempotency.in_flight"):
    zh = "正在处理上一次提交|您的上一次提交还在处理中，请稍候几秒再查看结果，不要重复提交。"
    en = "The original request is still being processed|The first request with this key is still running; retry in a moment."


def _principal(request: Request) -> str:
    return str(request.scope.get("yiwang.principal") or "anonymous")


# A route whose body is not a JSON model (a multipart form with a photo) puts a digest of it here
# before this wrapper runs, so a key reused with another form is refused like a reused JSON body.
BODY_DIGEST = "yiwang.body_digest"


def _request_hash(request: Request, kwargs: dict[str, Any]) -> str:
    payload = {
        "method": request.method,
        "path": request.url.path,
        "body_digest": request.scope.get(BODY_DIGEST),
        **{k: v.model_dump(mode="json") for k, v in kwargs.items() if isinstance(v, BaseModel)},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _in_flight(locked_until: datetime | None, now: datetime) -> InFlight:
    """409 with the time left on the first attempt's lease, when it would be taken over at the latest."""
    left = 1 if locked_until is None else max(1, math.ceil((locked_until - now).total_seconds()))
    return InFlight(headers={"Retry-After": str(left)})


def _replay(record: IdempotencyRecord) -> Response:
    return Response(
        content=bytes(record.response_body or b""),
        status_code=record.status_code or 200,
        media_type=record.content_type,
        headers={"Idempotent-Replayed": "true"},
    )


async def _claim(scope: str, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """Take the key for this request, or answer with the replay / the reason it can't be taken."""
    now = datetime.now(UTC)
    try:
        # One INSERT commits on its own: no BEGIN/COMMIT round trips (a savepoint only when a
        # caller has a transaction open, so that a taken key does not abort it).
        async with transaction() if transactions.is_open() else nullcontext():
            return await IdempotencyRecord.create(
                scope=scope, key=key, request_hash=request_hash, state="in_progress", locked_until=now + LEASE
            )
    except IntegrityError:
        pass
    existing = await IdempotencyRecord.get_or_none(scope=scope, key=key)
    if existing is None:  # released by a failed first attempt between our insert and this read
        raise _in_flight(None, now)
    if existing.request_hash != request_hash:
        raise KeyReused()
    if existing.state == "done":
        return _replay(existing)
    if existing.locked_until > now:
        raise _in_flight(existing.locked_until, now)
    # The first attempt's process died: take over its lease, once.
    taken = await IdempotencyRecord.filter(id=existing.id, state="in_progress", locked_until=existing.locked_until).update(
        locked_until=now + LEASE
    )
    if taken != 1:
        raise _in_flight(now + LEASE, now)
    existing.locked_until = now + LEASE
    return existing


def idempotent(op: Operation, call: Handler) -> Handler:
    """Route wrapper (``wrappers=[idempotent]``) requiring and honouring Idempotency-Key."""

    async def run(request: Request, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            raise KeyMissing()
        if not _KEY.match(key):
            raise KeyInvalid()
        scope = f"{_principal(request)}:{op.method}:{op.path}"[:200]
        # The pool's own client, captured before any transaction: the clean-up must not run on
        # the transaction's connection, which is gone when the failure was a dropped connection.
        pool = connections.get("default")
        claimed = await _claim(scope, key, _request_hash(request, kwargs))
        if isinstance(claimed, Response):
            return claimed
        try:
            async with transaction():
                result = await call(request, **kwargs)
                response = render(op, result)
                updated = await IdempotencyRecord.filter(id=claimed.id, state="in_progress", locked_until=claimed.locked_until).update(
                    state="done",
                    status_code=response.status_code,
                    response_body=bytes(response.body),
                    content_type=response.headers.get("content-type"),
                )
                if updated != 1:  # our lease ran out and a retry took the key over: it answers
                    raise _in_flight(None, datetime.now(UTC))
        except BaseException:
            # Nothing was committed: free the key so the client's retry runs the request again.
            await _release(pool, claimed)
            raise
        return response

    run.__name__ = call.__name__
    return run


async def _release(pool: BaseDBAsyncClient, claimed: IdempotencyRecord) -> None:
    """Delete our claim (only ours: a retry may have taken an expired lease over) on a fresh pool connection."""
    for delay in RELEASE_DELAYS:
        await asyncio.sleep(delay)
        try:
            await IdempotencyRecord.filter(id=claimed.id, state="in_progress", locked_until=claimed.locked_until).using_db(pool).delete()
            return
        except Exception:
            log.warning("releasing Idempotency-Key %s failed, trying again", claimed.id, exc_info=True)
    log.error("Idempotency-Key %s stays locked until its lease ends at %s", claimed.id, claimed.locked_until.isoformat())


HEADER_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": True,
    "description": "A fresh random key per user action; retries of the same action reuse it.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
}


def _document(op: Operation) -> Documented:
    return Documented(errors=(KeyMissing, KeyInvalid, InFlight, KeyReused), parameters=(HEADER_PARAMETER,))


idempotent.document = _document  # type: ignore[attr-defined]
