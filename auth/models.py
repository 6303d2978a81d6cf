"""Persons, their login channels, sessions, one-time codes and roles.

Personal fields are stored AES-GCM encrypted with an HMAC blind index beside them.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ROLES = ("resident", "staff", "approver", "courier", "admin", "auditor")

# How a login channel was proven to belong to its person (NIST SP 800-63A IAL in spirit).
NONE, CLAIMED, REAL_NAME, IN_PERSON = 0, 1, 2, 3
ASSURANCE_NAMES = {NONE: "none", CLAIMED: "claimed", REAL_NAME: "real_name", IN_PERSON: "in_person"}
# auditor (审计员): reads the audit chain and verifies it, nothing else; everywhere, like admin.
STAFF_ROLES = ("staff", "approver", "courier", "admin", "auditor")


class Person(Model):
    """One human (自然人), whichever channel they come through."""

    id = fields.BigIntField(primary_key=True)
    name_enc = fields.TextField(null=True)
    name_idx = fields.CharField(max_length=64, null=True, db_index=True)
    phone_enc = fields.TextField(null=True)
    phone_idx = fields.CharField(max_length=64, null=True, db_index=True)
    id_number_enc = fields.TextField(null=True)
    # The owner of an ID number. A later claimant without enough proof gets a person of their own
    # whose number is kept only as a claim (claim_idx), so knowing a number opens nothing.
    id_number_idx = fields.CharField(max_length=64, null=True, unique=True)
    claim_idx = fields.CharField(max_length=64, null=True, db_index=True)
    verified_at = fields.DatetimeField(null=True)
    password_hash = fields.CharField(max_length=200, null=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    disabled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "person"


class Account(Model):
    """A login channel: a WeChat mini-program openid or a phone number, bound to a person once verified."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)  # wechat_mp | phone
    subject_idx = fields.CharField(max_length=64)
    subject_enc = fields.TextField()
    unionid_idx = fields.CharField(max_length=64, null=True, db_index=True)
    session_key_enc = fields.TextField(null=True)
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "auth.Person", related_name="accounts", null=True, on_delete=fields.SET_NULL
    )
    person_id: int | None  # the column tortoise adds for the relation, declared for the type checker
    assurance = fields.IntField(default=NONE, db_default=NONE)  # NONE | CLAIMED | REAL_NAME | IN_PERSON
    assurance_source = fields.CharField(max_length=16, null=True)  # claim | carrier3 | face | clerk | confirmed | phone_on_record
    bound_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_account"
        unique_together = (("kind", "subject_idx"),)


class Session(Model):
    """A server-side session. The client holds only the random token, we keep its SHA-256."""

    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    transport = fields.CharField(max_length=8)  # cookie | bearer
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "auth.Account", related_name="sessions", null=True, on_delete=fields.CASCADE
    )
    account_id: int | None  # the column tortoise adds for the relation, declared for the type checker
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "auth.Person", related_name="sessions", null=True, on_delete=fields.CASCADE
    )
    person_id: int | None  # the column tortoise adds for the relation, declared for the type checker
    mfa = fields.BooleanField(default=False)
    assurance = fields.IntField(default=0, db_default=0)  # the account's assurance level when the session last learnt it
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    idle_seconds = fields.IntField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    # Why it ended (sessions.end): a device signed out from another one is told so, not "log in".
    revoked_reason = fields.CharField(max_length=32, default="", db_default="")
    # Room for the long in-app browser strings (WeChat's names itself after 200 characters).
    user_agent = fields.CharField(max_length=512, default="")
    ip = fields.CharField(max_length=64, default="")

    class Meta:
        table = "auth_session"


class OneTimeCode(Model):
    """An SMS code (stored hashed): 5-minute life, 5 tries, used once."""

    id = fields.BigIntField(primary_key=True)
    phone_idx = fields.CharField(max_length=64, db_index=True)
    purpose = fields.CharField(max_length=16)  # login | staff
    code_hash = fields.CharField(max_length=64)
    attempts = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    consumed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "auth_one_time_code"


class RoleGrant(Model):
    """A role held by a person, optionally limited to a scope (``hall:3``, ``township:12``)."""

    id = fields.BigIntField(primary_key=True)
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField("auth.Person", related_name="roles", on_delete=fields.CASCADE)
    person_id: int  # the column tortoise adds for the relation, declared for the type checker
    role = fields.CharField(max_length=16)
    scope = fields.CharField(max_length=64, default="")
    granted_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "role_grant"
        unique_together = (("person", "role", "scope"),)


class JoinRequest(Model):
    """A new channel asking to join the person who owns an ID number (加入已有实名账号).

    It joins only when confirmed through a channel the person already has: a code sent to their
    phone on record, or their approval in a session of theirs. The person may say "不是我本人".
    """

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "auth.Account", related_name="join_requests", on_delete=fields.CASCADE
    )
    account_id: int  # the column tortoise adds for the relation, declared for the type checker
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "auth.Person", related_name="join_requests", on_delete=fields.CASCADE
    )
    person_id: int  # the column tortoise adds for the relation, declared for the type checker
    status = fields.CharField(max_length=16)  # claimed | pending | joined | denied (auth.identity.JOIN); expires_at ends it
    code_hash = fields.CharField(max_length=64, null=True)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_join_request"


class Consent(Model):
    """One agreement (知情同意) to one version of a document (auth/consent.py), kept as evidence."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "auth.Account", related_name="consents", null=True, on_delete=fields.SET_NULL
    )
    account_id: int | None  # the column tortoise adds for the relation, declared for the type checker
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "auth.Person", related_name="consents", null=True, on_delete=fields.SET_NULL
    )
    person_id: int | None  # the column tortoise adds for the relation, declared for the type checker
    document = fields.CharField(max_length=16)  # terms | privacy | id_number
    version = fields.CharField(max_length=16)
    accepted_at = fields.DatetimeField()

    class Meta:
        table = "auth_consent"
        indexes = (("account_id",), ("person_id",))  # a session looks up its channel's and person's agreements
