"""GB 11643 ID numbers: vectors from the reference, every single-digit mutation rejected."""

from __future__ import annotations

from datetime import date

import pytest

from auth.idnumber import InvalidIdNumber, check_character, normalize

VALID = ["11010519491231002X", "440524188001010014", "360426199101010071"]


@pytest.mark.parametrize("number", VALID)
def test_reference_vectors_are_valid(number):
    assert normalize(number) == number


def test_lower_case_x_and_spaces_are_normalized():
    assert normalize(" 11010519491231002x ") == "11010519491231002X"


def test_every_single_character_substitution_is_rejected():
    number = "11010519491231002X"
    for i in range(18):
        for c in "0123456789X":
            if c == number[i] or (i < 17 and c == "X"):
                continue
            mutated = number[:i] + c + number[i + 1 :]
            with pytest.raises(InvalidIdNumber):
                normalize(mutated)


@pytest.mark.parametrize(
    "number, reason",
    [
        ("110105194912310021", "checksum"),
        ("11010519990230002X", "birth_date"),
        ("1101051949123100", "format"),
        ("110105491231002", "format"),
        ("11010519491231002Y", "format"),
        ("99010519491231002X", "region"),
    ],
)
def test_invalid_numbers_say_why(number, reason):
    with pytest.raises(InvalidIdNumber) as info:
        normalize(number)
    assert info.value.reason == reason


def test_future_birth_date_is_rejected():
    first17 = "11010520990101001"
    with pytest.raises(InvalidIdNumber) as info:
        normalize(first17 + check_character(first17), today=date(2026, 11, 21))
    assert info.value.reason == "birth_date"
