"""Tables owned by the kit: the audit chain and idempotency records."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditEntry(Model):
    """One audit row (全过程留痕), written in the transaction of the change it records.

    Append-only: database triggers refuse UPDATE and DELETE. Its place in the hash chain is
    an ``AuditLink`` row the chainer adds after it commits, so appenders never share a hot row.
    On PostgreSQL the table also has an ``xid`` column (not a model field: the database fills it
    with the writing transaction's id) that lets the chainer find every committed row exactly once.
    """

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=64)
    subject = fields.CharField(max_length=64, null=True)
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=64)
    object_id = fields.CharField(max_length=64, null=True)
    result = fields.CharField(max_length=16)
    request_id = fields.CharField(max_length=64, null=True)
    detail: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        table = "audit_entry"
        # The auditors' search (backend/auditlog): by person as actor or subject, and by object, newest first.
        indexes = (("actor", "id"), ("subject", "id"), ("object_type", "object_id", "id"))


class AuditLink(Model):
    """An entry's place in the hash chain: append-only like the entries, written only by the chainer."""

    seq = fields.BigIntField(primary_key=True, generated=False)
    entry_id = fields.BigIntField(unique=True)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_link"


class AuditHead(Model):
    """The single row holding the chain's last sequence number and hash.

    Only the chainer updates it (in the transaction that adds links), so it is off the request
    path. ``yiwang audit verify`` compares it with the chain's end to find cut-off rows.
    """

    id = fields.IntField(primary_key=True)
    seq = fields.BigIntField()
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_head"


class IdempotencyRecord(Model):
    """The first response to a request made with an Idempotency-Key, replayed for retries."""

    id = fields.BigIntField(primary_key=True)
    scope = fields.CharField(max_length=200)
    key = fields.CharField(max_length=255)
    request_hash = fields.CharField(max_length=64)
    state = fields.CharField(max_length=16)  # in_progress | done
    locked_until = fields.DatetimeField()
    status_code = fields.IntField(null=True)
    response_body = fields.BinaryField(null=True)
    content_type = fields.CharField(max_length=100, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("scope", "key"),)


class WorkflowEvent(Model):
    """One step of any workflow (办件, 预约, 寄递 …): what happened, who acted, for whom, under which authorisation.

    Written by ``backend.kit.workflow.transition`` only. It is the timeline people read and the
    source of the reform's indicators.
    """

    id = fields.BigIntField(primary_key=True)
    object_type = fields.CharField(max_length=32)
    object_id = fields.BigIntField()
    action = fields.CharField(max_length=32)
    status_from = fields.CharField(max_length=24, null=True)
    status_to = fields.CharField(max_length=24)
    actor = fields.CharField(max_length=64)
    on_behalf_of = fields.CharField(max_length=64, null=True)
    authorisation = fields.CharField(max_length=64, null=True)
    at = fields.DatetimeField()
    note = fields.TextField(default="")

    class Meta:
        table = "workflow_event"
        indexes = (("object_type", "object_id"),)
