"""Citizen ID numbers (居民身份证号码, GB 11643-1999): format, birth date and check character."""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# First two digits: province-level codes of GB/T 2260 (11 北京 … 82 澳门).
_PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}


class InvalidIdNumber(ValueError):
    """Why a string is not a valid 18-digit citizen ID number, in Chinese and English."""

    def __init__(self, reason: str, zh: str, en: str) -> None:
        super().__init__(f"{zh}|{en}")
        self.reason = reason
        self.zh = zh
        self.en = en


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(value: str, *, today: date | None = None) -> str:
    """The canonical form (upper-case X) of a valid ID number, or InvalidIdNumber."""
    candidate = value.strip().upper()
    if len(candidate) != 18 or not candidate[:17].isdigit() or not (candidate[17].isdigit() or candidate[17] == "X"):
        raise InvalidIdNumber("format", "身份证号码应为 18 位，最后一位可以是 X", "An ID number has 18 characters; the last may be X")
    if candidate[:2] not in _PROVINCES:
        raise InvalidIdNumber("region", "身份证号码的地区码不正确", "The region code of the ID number is not valid")
    try:
        born = date(int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date", "身份证号码中的出生日期不存在", "The birth date in the ID number does not exist") from None
    if born > (today or date.today()) or born.year < 1800:
        raise InvalidIdNumber("birth_date", "身份证号码中的出生日期不正确", "The birth date in the ID number is not possible")
    if check_character(candidate[:17]) != candidate[17]:
        raise InvalidIdNumber("checksum", "身份证号码校验位不正确，请核对后重新输入", "The check character of the ID number is wrong")
    return candidate
