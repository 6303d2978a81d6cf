"""The administrator-editable calendar: official 调休 notices and regional holidays over the statutory calendar."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

KINDS = ("holiday", "workday")
SOURCES = ("official", "regional")


class CalendarDay(Model):
    """One day an administrator set: a holiday or a working day, nationally or for a region (division-code prefix)."""

    id = fields.BigIntField(primary_key=True)
    date = fields.DateField()
    kind = fields.CharField(max_length=8)  # holiday | workday
    name = fields.CharField(max_length=60)
    region = fields.CharField(max_length=6, default="", db_default="")  # "" national, else a prefix such as 65 or 2224
    source = fields.CharField(max_length=10)  # official (national notice) | regional
    created_by = fields.CharField(max_length=40)  # person:N, or built-in for the shipped regional holidays
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "calendar_day"
        unique_together = (("date", "region"),)
