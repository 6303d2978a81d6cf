"""Requests and answers of the audit chain API (审计日志)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_MAX_ID = 10**18 - 1


class AuditQuery(BaseModel):
    """A search by object (type, optionally id) or by person (as actor or as subject); at least one of them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    object_type: str | None = Field(
        None, max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$", description="e.g. application, person, role_grant, window_group"
    )
    object_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description="needs object_type")
    person_id: int | None = Field(None, ge=1, le=_MAX_ID, description="rows where this person acted or whose data they concern")
    action: str | None = Field(None, max_length=64, pattern=r"^[a-z][a-z0-9_.]{0,63}$", description="e.g. role.granted")
    cursor: str | None = Field(None, pattern=r"^[0-9]{1,18}$", description="next_cursor of the previous page")
    limit: int = Field(50, ge=1, le=100)

    @model_validator(mode="after")
    def _one_criterion(self) -> AuditQuery:
        if self.object_type is None and self.person_id is None:
            raise ValueError("请按办件等对象或按人员查询|Search by object_type (and object_id) or by person_id")
        if self.object_id is not None and self.object_type is None:
            raise ValueError("按编号查询时请同时选择对象类型|object_id needs object_type")
        return self


class AuditRow(BaseModel):
    """One audit entry as an auditor sees it: personal data in ``detail`` masked."""

    id: int
    seq: int | None = Field(description="its place in the hash chain; null while not linked yet (normally under a second)")
    at: datetime
    actor: str = Field(description="who acted: person:12, account:3, system, cli")
    actor_name: str | None = Field(description="the acting person's name, masked")
    subject: str | None = Field(description="whose data it concerns: person:12")
    subject_name: str | None = Field(description="that person's name, masked")
    action: str
    object_type: str
    object_id: str | None
    result: str = Field(description="ok, denied, failed …")
    request_id: str | None
    detail: dict[str, Any] = Field(description="ids and masked values; phone and ID numbers in free text masked")


class AuditPage(BaseModel):
    items: list[AuditRow] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as cursor for older rows; null on the last page")


VerifyState = Literal["running", "passed", "failed", "interrupted", "error"]


class VerificationOut(BaseModel):
    """A walk of the hash chain (链校验), run in the background; poll it until ``state`` is not running."""

    id: str
    state: VerifyState = Field(
        description="running; passed (no problem); failed (problems listed); interrupted (its process ended); error (could not finish)"
    )
    started_at: datetime
    started_by: str
    started_by_name: str | None
    updated_at: datetime
    finished_at: datetime | None
    checked: int = Field(description="chain rows checked so far")
    total: int = Field(description="chain rows when it started (the head's seq)")
    head_seq: int | None = Field(description="the head's seq when it finished")
    unlinked: int | None = Field(description="entries not in the chain yet when it finished (normally the last second's)")
    problem_count: int
    problems: list[str] = Field(description="the first 50 problems, technical wording (seq numbers and entry ids)")


class LatestVerification(BaseModel):
    verification: VerificationOut | None = Field(description="the running or most recent verification; null if none was run")
