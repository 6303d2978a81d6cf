"""Field encryption with key ids, blind index, masking."""

from __future__ import annotations

import pytest

from backend.kit.config import ConfigError
from backend.kit.pii import DecryptionError, Keyring, generate_key, mask_address, mask_id_number, mask_name, mask_phone

ID = "11010519491231002X"


def ring(data_key: str | None = None, index_key: str | None = None) -> Keyring:
    return Keyring.parse(data_key or f"k1:{generate_key()}", index_key or generate_key())


def test_round_trip_and_ciphertext_hides_the_value():
    keyring = ring()
    token = keyring.encrypt(ID, purpose="person.id_number")
    assert ID not in token and token.startswith("v1.k1.")
    assert keyring.decrypt(token, purpose="person.id_number") == ID


def test_same_value_encrypts_differently_each_time():
    keyring = ring()
    assert keyring.encrypt(ID, purpose="p") != keyring.encrypt(ID, purpose="p")


def test_ciphertext_moved_to_another_column_does_not_open():
    keyring = ring()
    token = keyring.encrypt("13812345678", purpose="person.phone")
    with pytest.raises(DecryptionError):
        keyring.decrypt(token, purpose="person.id_number")


def test_tampered_ciphertext_is_rejected():
    keyring = ring()
    token = keyring.encrypt(ID, purpose="p")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionError):
        keyring.decrypt(flipped, purpose="p")
    with pytest.raises(DecryptionError):
        keyring.decrypt("garbage", purpose="p")


def test_rotation_new_key_encrypts_old_key_still_decrypts():
    old_key, new_key, index = generate_key(), generate_key(), generate_key()
    before = Keyring.parse(f"k1:{old_key}", index)
    old_token = before.encrypt(ID, purpose="p")
    after = Keyring.parse(f"k2:{new_key},k1:{old_key}", index)
    assert after.decrypt(old_token, purpose="p") == ID
    assert after.needs_rotation(old_token)
    new_token = after.encrypt(ID, purpose="p")
    assert new_token.startswith("v1.k2.") and not after.needs_rotation(new_token)
    retired = Keyring.parse(f"k2:{new_key}", index)
    with pytest.raises(DecryptionError):
        retired.decrypt(old_token, purpose="p")


def test_blind_index_is_stable_across_data_key_rotation_and_separated_by_purpose():
    index = generate_key()
    a, b = ring(index_key=index), ring(index_key=index)
    assert a.blind_index(ID, purpose="person.id_number") == b.blind_index(ID, purpose="person.id_number")
    assert a.blind_index(ID, purpose="person.id_number") != a.blind_index(ID, purpose="person.phone")
    assert ring().blind_index(ID, purpose="person.id_number") != a.blind_index(ID, purpose="person.id_number")


@pytest.mark.parametrize(
    "data_key, index_key",
    [
        ("", generate_key()),
        ("k1:" + generate_key(), ""),
        ("nokid", generate_key()),
        ("k1:short", generate_key()),
        ("k-1:" + generate_key(), generate_key()),
    ],
    ids=["no data key", "no index key", "data key without kid", "short data key", "bad kid"],  # the keys are random
)
def test_bad_keys_fail_at_start_up(data_key, index_key):
    with pytest.raises(ConfigError):
        Keyring.parse(data_key, index_key)


def test_masks():
    assert mask_id_number(ID) == "110***********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_address("浙江省杭州市西湖区文三路100号") == "浙江省杭州市****"
