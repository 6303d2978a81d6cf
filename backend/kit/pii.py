"""Personal data at rest: AES-GCM field encryption with key ids, HMAC blind index, masking.

Keys come from the environment (``YIWANG_DATA_KEY``: ``kid:base64key[,kid:base64key…]``, the
first one encrypts, all of them decrypt, so keys can rotate; ``YIWANG_INDEX_KEY``: base64 key
for the blind index). AES-256-GCM is used now; the ``v1`` prefix leaves room for SM4-GCM
should a 密评 (GB/T 39786) assessment require it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.kit.config import ConfigError

_VERSION = "v1"


class DecryptionError(RuntimeError):
    """A ciphertext could not be opened: unknown key id, wrong column or tampered data."""


def _b64decode_key(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{what} is not valid base64") from None
    if len(raw) != 32:
        raise ConfigError(f"{what} must decode to 32 bytes, got {len(raw)}")
    return raw


@dataclass(frozen=True)
class Keyring:
    active_kid: str
    keys: dict[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    @classmethod
    def parse(cls, data_key: str, index_key: str) -> Keyring:
        if not data_key:
            raise ConfigError("YIWANG_DATA_KEY is not set (make run writes one to var/secrets.env)")
        if not index_key:
            raise ConfigError("YIWANG_INDEX_KEY is not set (make run writes one to var/secrets.env)")
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in data_key.split(","):
            kid, sep, material = item.strip().partition(":")
            if not sep or not kid or not kid.isalnum() or len(kid) > 16:
                raise ConfigError("YIWANG_DATA_KEY entries must look like kid:base64key (kid alphanumeric)")
            keys[kid] = _b64decode_key(material, f"YIWANG_DATA_KEY key {kid!r}")
            order.append(kid)
        return cls(active_kid=order[0], keys=keys, index_key=_b64decode_key(index_key, "YIWANG_INDEX_KEY"))

    def encrypt(self, plaintext: str, *, purpose: str) -> str:
        """Encrypt one value; ``purpose`` (e.g. ``person.id_number``) binds it to its column."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active_kid]).encrypt(nonce, plaintext.encode(), purpose.encode())
        return f"{_VERSION}.{self.active_kid}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, purpose: str) -> str:
        try:
            version, kid, body = token.split(".", 2)
            raw = base64.urlsafe_b64decode(body)
        except (ValueError, binascii.Error):
            raise DecryptionError("malformed ciphertext") from None
        if version != _VERSION or kid not in self.keys:
            raise DecryptionError(f"no key {kid!r} for ciphertext version {version!r}")
        try:
            return AESGCM(self.keys[kid]).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
        except InvalidTag:
            raise DecryptionError("ciphertext failed authentication") from None

    def needs_rotation(self, token: str) -> bool:
        """True when the value was sealed with a key other than the active one."""
        return token.split(".", 2)[1:2] != [self.active_kid]

    def blind_index(self, normalized: str, *, purpose: str) -> str:
        """Deterministic HMAC-SHA256 for exact-match lookups without decrypting."""
        return hmac.new(self.index_key, f"{purpose}\x00{normalized}".encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def mask_id_number(value: str) -> str:
    """110105194912310021 → 110***********0021."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; the family name stays so staff can greet the person."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_address(value: str, *, keep: int = 6) -> str:
    """Keep the administrative part (省市区县), hide the street and house number."""
    if len(value) <= keep:
        return value[:1] + "*" * (len(value) - 1)
    return value[:keep] + "****"
