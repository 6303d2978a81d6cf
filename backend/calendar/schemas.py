"""Request and answer bodies of the calendar endpoints."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REGION = r"^(\d{2}|\d{4}|\d{6})?$"  # "" national, or a province (2), prefecture (4) or county (6) division-code prefix


class CalendarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int = Field(ge=2000, le=2100)
    region: str | None = Field(default=None, pattern=REGION, description="只看适用于该地区的设置（6 位区划代码或其前缀）；不填为全部")


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: int | None = Field(default=None, ge=2000, le=2100, description="another year to report besides this year and next")


class CalendarDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    kind: Literal["holiday", "workday"]
    name: str = Field(min_length=1, max_length=60)
    region: str = Field(default="", pattern=REGION)


class CalendarDayOut(BaseModel):
    id: int | None
    date: date
    kind: Literal["holiday", "workday"]
    name: str
    source: Literal["statutory", "official", "regional"]
    region: str


class CalendarYearOut(BaseModel):
    year: int
    region: str | None
    known: bool
    warning: str | None
    days: list[CalendarDayOut]


class YearStatus(BaseModel):
    year: int
    known: bool
    warning: str | None


class CalendarStatusOut(BaseModel):
    years: list[YearStatus]
