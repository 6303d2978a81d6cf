"""Conditions of an item that the applicant's ID number answers: age (周岁) and region.

The catalog declares them (``ServiceItemIn.eligibility``); applying and submitting check them.
The explanation says which condition failed and why, in plain words, and never repeats the
ID number itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.catalog.schemas import Eligibility


def birth_date(id_number: str) -> date:
    """The birth date written in a (valid, normalized) 18-digit ID number."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def age_on(born: date, today: date) -> int:
    """Full years (周岁) on ``today``: one more on each birthday (29 February counts from 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class Unmet:
    """Why a person does not meet a condition, in Chinese and English."""

    condition: str  # min_age, max_age or region
    zh: str
    en: str


def describe(eligibility: Eligibility) -> list[str]:
    """The checked conditions in words, for the guide."""
    lines = []
    if eligibility.min_age is not None and eligibility.max_age is not None:
        lines.append(f"申请人年龄在{eligibility.min_age}周岁至{eligibility.max_age}周岁之间")
    elif eligibility.min_age is not None:
        lines.append(f"申请人年满{eligibility.min_age}周岁")
    elif eligibility.max_age is not None:
        lines.append(f"申请人不超过{eligibility.max_age}周岁")
    if eligibility.regions:
        lines.append(f"申请人身份证号码所属地区为{'、'.join(r.name for r in eligibility.regions)}")
    return lines


def check(eligibility: Eligibility, id_number: str, today: date) -> Unmet | None:
    """The first condition the holder of ``id_number`` does not meet on ``today``, or None."""
    age = age_on(birth_date(id_number), today)
    if eligibility.min_age is not None and age < eligibility.min_age:
        return Unmet(
            "min_age",
            f"本事项需申请人年满{eligibility.min_age}周岁。按您实名登记的身份证号码中的出生日期，您现在{age}周岁，"
            f"还不能申请；满{eligibility.min_age}周岁后（生日当天起）即可申请。",
            f"Applicants must be at least {eligibility.min_age}. By the birth date in your registered ID number you are {age}; "
            f"you can apply from your {eligibility.min_age}th birthday.",
        )
    if eligibility.max_age is not None and age > eligibility.max_age:
        return Unmet(
            "max_age",
            f"本事项只受理{eligibility.max_age}周岁及以下的申请人。按您实名登记的身份证号码中的出生日期，您现在{age}周岁，不符合条件。",
            f"Applicants must be {eligibility.max_age} or younger. By the birth date in your registered ID number you are {age}.",
        )
    if eligibility.regions and not any(id_number.startswith(r.prefix) for r in eligibility.regions):
        names = "、".join(r.name for r in eligibility.regions)
        return Unmet(
            "region",
            f"本事项只受理身份证号码属于{names}的居民在网上申请，您实名登记的身份证号码不属于该地区。"
            "如您的户籍已迁入本地，请携带户口簿到办理地点的窗口办理。",
            f"Online applications are taken from residents whose ID number belongs to {names}; yours does not. "
            "If your household registration moved here, bring your 户口簿 to the hall.",
        )
    return None
