"""A fake Web Push service (like Mozilla autopush or FCM) speaking RFC 8030, see protocols.md §3.

It plays both sides a real deployment splits between a push service and a browser:

* ``subscribe()`` is what ``PushManager.subscribe()`` does in the browser: it makes the P-256 key
  pair and auth secret (kept here) and hands back the ``PushSubscription`` JSON the app stores.
* ``POST /push/{token}`` is the push service: it checks the RFC 8030 headers, the RFC 8292 VAPID
  ``Authorization: vapid t=<JWT>, k=<key>`` header (the only form pywebpush 2.5.0 sends, because
  ``py_vapid.Vapid`` is ``Vapid02``; the older ``WebPush <JWT>`` + ``Crypto-Key: p256ecdsa=`` form
  is refused with 401) and then *decrypts* the RFC 8291 ``aes128gcm`` body with the subscriber's
  private key, so a test reads the exact text the resident would see.

Decryption is written here with ``cryptography`` primitives (not ``http_ece``) so it is an
independent check of what the sender produced.

Choices where the RFCs leave room (all documented so tests can rely on them):

* A wrong ``Content-Encoding`` is a 400 (errno 110), like autopush. A request with no body and
  no ``Content-Encoding`` is a payload-less push (RFC 8030 allows it) and is recorded with
  ``plaintext == b""``.
* Injected failures (``fail()``) are applied after the request validated and decrypted, right
  before the push would be accepted; the ``delay`` sleep happens just before that too.
* Every accepted push is kept in ``messages``; ``inbox()`` shows what a device coming online
  would get (a later message with the same ``Topic`` replaces an earlier one).

Control endpoints (JSON) make it usable from another process, see ``app()``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MAX_BODY = 4096
MAX_TTL = 2_592_000  # autopush caps TTL at 30 days
MAX_EXP_AHEAD = 24 * 3600  # RFC 8292 §2: exp no more than 24 hours ahead
URGENCIES = ("very-low", "low", "normal", "high")
_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_HEADER_LEN = 16 + 4 + 1 + 65  # salt, rs, idlen, keyid (sender's ephemeral public key)
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    410: "Gone",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_ERRNOS = {404: 102, 410: 106, 413: 104, 401: 109, 503: 201}  # autopush errno per status (999: unknown)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


class DecryptError(ValueError):
    """The body is not a valid single-record RFC 8291 aes128gcm message for this subscription."""


def decrypt_aes128gcm(body: bytes, private_key: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """Decrypt an RFC 8291 Web Push message (RFC 8188 aes128gcm, exactly one record) as the browser would."""
    if len(body) < _HEADER_LEN + 17:
        raise DecryptError("body shorter than header + tag + delimiter")
    salt = body[:16]
    (rs,) = struct.unpack("!I", body[16:20])
    idlen = body[20]
    if idlen != 65:
        raise DecryptError(f"keyid must be the 65-byte sender public key, idlen={idlen}")
    if rs < 18:
        raise DecryptError(f"record size {rs} below 18")
    sender_public = body[21:86]
    record = body[86:]
    if len(record) > rs:
        raise DecryptError("more than one record")
    try:
        sender_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
    except ValueError as exc:
        raise DecryptError("keyid is not a P-256 point") from exc
    ecdh_secret = private_key.exchange(ec.ECDH(), sender_key)
    ua_public = _public_bytes(private_key.public_key())
    # RFC 8291 §3.3-3.4: the auth secret and both public keys go into the IKM.
    prk_key = _hmac(auth_secret, ecdh_secret)
    ikm = _hmac(prk_key, b"WebPush: info\x00" + ua_public + sender_public + b"\x01")
    # RFC 8188 §2.2-2.3: content-encryption key and nonce from the salt.
    prk = _hmac(salt, ikm)
    cek = _hmac(prk, b"Content-Encoding: aes128gcm\x00\x01")[:16]
    nonce = _hmac(prk, b"Content-Encoding: nonce\x00\x01")[:12]  # record 0: nonce XOR 0
    try:
        padded = AESGCM(cek).decrypt(nonce, record, None)
    except InvalidTag as exc:
        raise DecryptError("authentication tag mismatch") from exc
    end = len(padded.rstrip(b"\x00"))
    if end == 0 or padded[end - 1] != 0x02:
        raise DecryptError("last record must end with delimiter 0x02 followed by zero padding")
    return padded[: end - 1]


@dataclass
class PushMessage:
    token: str  # subscription token (last path segment of the endpoint)
    plaintext: bytes
    ttl: int  # the TTL the service applied (after capping)
    urgency: str  # "normal" if absent
    topic: str | None
    received_at: float  # time.time() when the 201 was sent
    message_id: str = ""  # last segment of the Location header

    @property
    def text(self) -> str:
        return self.plaintext.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.plaintext)

    def as_dict(self) -> dict:
        return {
            "token": self.token,
            "text": self.plaintext.decode("utf-8", "replace"),
            "ttl": self.ttl,
            "urgency": self.urgency,
            "topic": self.topic,
            "received_at": self.received_at,
            "message_id": self.message_id,
        }


@dataclass
class Subscription:
    """The browser side of one PushSubscription."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: bytes  # raw 65-byte uncompressed point
    revoked: bool = False

    def json(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(_public_bytes(self.private_key.public_key())), "auth": b64url(self.auth)},
        }


@dataclass
class _Failure:
    status: int
    times: int
    token: str | None
    retry_after: int | None


class _Reject(Exception):
    def __init__(self, status: int, errno: int, message: str) -> None:
        super().__init__(message)
        self.status, self.errno, self.message = status, errno, message


def _origin(url: str) -> str:
    """scheme://host[:port] with the default port dropped, lower-cased."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return url
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass
class FakePushService:
    base_url: str = ""  # set after serve(); endpoints and Location use it (else the request's own base URL)
    messages: list[PushMessage] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)  # tokens whose sender hung up before the answer
    delay: float = 0.0  # "slow": sleep this long before answering each push
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    failures: list[_Failure] = field(default_factory=list)
    rejected: list[tuple[str, int]] = field(default_factory=list)  # (token, status) of every non-201 answer
    _keys: dict[str, ec.EllipticCurvePublicKey] = field(default_factory=dict, repr=False)
    _verified: dict[str, tuple[bytes, dict]] = field(default_factory=dict, repr=False)  # JWT -> (k raw, claims)

    # -- the browser side ---------------------------------------------------------------------
    def subscribe(self, application_server_key: str, base_url: str | None = None) -> dict:
        """Like PushManager.subscribe(): make a new P-256 key pair + 16-byte auth secret (kept here as the
        'browser' side), register a token bound to applicationServerKey (base64url uncompressed P-256 public
        key), and return the PushSubscription JSON:
        ``{"endpoint": f"{base}/push/{token}", "expirationTime": None, "keys": {"p256dh": ..., "auth": ...}}``"""
        base = (base_url or self.base_url).rstrip("/")
        if not base:
            raise ValueError("set FakePushService.base_url (the URL serve() yielded) or pass base_url")
        server_key = b64url_decode(application_server_key)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_key)  # like the browser: must be a P-256 point
        if len(server_key) != 65:
            raise ValueError("applicationServerKey must be an uncompressed P-256 point (65 bytes)")
        token = secrets.token_urlsafe(32)
        sub = Subscription(
            token=token,
            endpoint=f"{base}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            application_server_key=server_key,
        )
        self.subscriptions[token] = sub
        return sub.json()

    def unsubscribe(self, token_or_endpoint: str) -> None:
        """The user revoked the permission: from now on pushes to it get 410 Gone."""
        self.subscriptions[self._token(token_or_endpoint)].revoked = True

    def received(self, token_or_endpoint: str | None = None) -> list[PushMessage]:
        """Accepted pushes, oldest first (all, or for one subscription)."""
        if token_or_endpoint is None:
            return list(self.messages)
        token = self._token(token_or_endpoint)
        return [m for m in self.messages if m.token == token]

    def inbox(self, token_or_endpoint: str) -> list[PushMessage]:
        """What the device gets when it comes online: a later message with the same Topic replaces an earlier one."""
        out: list[PushMessage] = []
        for m in self.received(token_or_endpoint):
            if m.topic is not None:
                out = [o for o in out if o.topic != m.topic]
            out.append(m)
        return out

    # -- failure injection --------------------------------------------------------------------
    def fail(self, status: int, *, times: int = 1, token: str | None = None, retry_after: int | None = None) -> None:
        """Answer the next ``times`` pushes (to ``token``/endpoint, or any) with ``status`` (500, 503, 429, 404, 413...).
        A 429 always carries ``Retry-After`` (``retry_after`` or 1 s)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self.failures.append(_Failure(status, times, self._token(token) if token else None, retry_after))

    def reset(self, *, subscriptions: bool = False) -> None:
        """Forget messages, aborted pushes, rejections, injected failures and the delay (subscriptions too if asked)."""
        self.messages.clear()
        self.aborted.clear()
        self.rejected.clear()
        self.failures.clear()
        self.delay = 0.0
        if subscriptions:
            self.subscriptions.clear()

    @staticmethod
    def _token(token_or_endpoint: str) -> str:
        return token_or_endpoint.rstrip("/").rsplit("/", 1)[-1]

    def _take_failure(self, token: str) -> _Failure | None:
        for f in self.failures:
            if f.token in (None, token) and f.times > 0:
                f.times -= 1
                if f.times <= 0:
                    self.failures.remove(f)
                return f
        return None

    # -- RFC 8292 VAPID -----------------------------------------------------------------------
    def _public_key(self, k: str) -> tuple[bytes, ec.EllipticCurvePublicKey]:
        key = self._keys.get(k)
        raw = b64url_decode(k)
        if key is None:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[k] = key
        return raw, key

    def _check_vapid(self, authorization: str | None, origin: str, sub: Subscription) -> None:
        if not authorization:
            raise _Reject(401, 109, "Missing Authorization header (RFC 8292 vapid t=..., k=...)")
        scheme, _, params = authorization.strip().partition(" ")
        if scheme.lower() != "vapid":
            raise _Reject(401, 109, f"Unsupported authorization scheme {scheme!r}; expected 'vapid t=<JWT>, k=<key>'")
        parts: dict[str, str] = {}
        for item in params.split(","):
            name, eq, value = item.strip().partition("=")
            if eq:
                parts[name.strip().lower()] = value.strip()
        t, k = parts.get("t"), parts.get("k")
        if not t or not k:
            raise _Reject(401, 109, "vapid authorization needs both t= and k=")
        cached = self._verified.get(t)
        if cached is None or cached[0] != b64url_decode(k):
            cached = self._verify_jwt(t, k)
        raw_k, claims = cached
        now = time.time()
        if claims["exp"] <= now:
            self._verified.pop(t, None)
            raise _Reject(403, 109, "VAPID token expired (exp in the past)")
        if claims["exp"] > now + MAX_EXP_AHEAD + 1:
            raise _Reject(403, 109, "VAPID exp is more than 24 hours ahead")
        if _origin(claims["aud"]) != origin:
            raise _Reject(403, 109, f"VAPID aud {claims['aud']!r} is not this push service's origin {origin!r}")
        if raw_k != sub.application_server_key:
            raise _Reject(403, 109, "VAPID key k does not match the subscription's applicationServerKey")

    def _verify_jwt(self, t: str, k: str) -> tuple[bytes, dict]:
        try:
            raw_k, key = self._public_key(k)
        except (ValueError, binascii.Error):
            raise _Reject(403, 109, "k is not a base64url uncompressed P-256 public key") from None
        try:
            header_b64, claims_b64, sig_b64 = t.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            sig = b64url_decode(sig_b64)
        except (ValueError, binascii.Error):
            raise _Reject(403, 109, "t is not a JWS compact serialization") from None
        if not isinstance(header, dict) or header.get("alg") != "ES256":
            raise _Reject(403, 109, "JWT alg must be ES256")
        if len(sig) != 64:
            raise _Reject(403, 109, "ES256 signature must be 64 bytes (r || s)")
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise _Reject(403, 109, "VAPID signature does not verify with k") from None
        if not isinstance(claims, dict):
            raise _Reject(403, 109, "JWT claims must be an object")
        if not isinstance(claims.get("aud"), str):
            raise _Reject(403, 109, "JWT aud missing")
        if not isinstance(claims.get("exp"), int) or isinstance(claims.get("exp"), bool):
            raise _Reject(403, 109, "JWT exp missing or not an integer")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
            raise _Reject(403, 109, "JWT sub must be a mailto: or https: contact")
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[t] = (raw_k, claims)
        return raw_k, claims

    # -- the push service ---------------------------------------------------------------------
    def _base(self, request: Request) -> str:
        return (self.base_url or str(request.base_url)).rstrip("/")

    async def _push(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            return await self._accept(request, token)
        except _Reject as r:
            self.rejected.append((token, r.status))
            return _error(r.status, r.errno, r.message)

    async def _accept(self, request: Request, token: str) -> Response:
        sub = self.subscriptions.get(token)
        if sub is None:
            raise _Reject(404, 102, "Request did not validate: invalid token")
        if sub.revoked:
            raise _Reject(410, 106, "Request did not validate: subscription is no longer valid")
        h = request.headers
        raw_ttl = h.get("ttl")
        if raw_ttl is None:
            raise _Reject(400, 111, "Missing TTL header")
        if not (raw_ttl.strip().isascii() and raw_ttl.strip().isdigit()):
            raise _Reject(400, 112, "Invalid TTL header")
        ttl = min(int(raw_ttl), MAX_TTL)
        urgency = h.get("urgency", "normal")
        if urgency not in URGENCIES:
            raise _Reject(400, 110, f"Invalid Urgency header {urgency!r}")
        topic = h.get("topic")
        if topic is not None and not _TOPIC.match(topic):
            raise _Reject(400, 113, "Topic must be at most 32 characters of the URL-safe base64 alphabet")
        body = await request.body()
        encoding = h.get("content-encoding")
        if body or encoding is not None:
            if encoding != "aes128gcm":
                raise _Reject(400, 110, f"Content-Encoding must be aes128gcm, got {encoding!r}")
        if len(body) > MAX_BODY:
            raise _Reject(413, 104, f"Body of {len(body)} bytes exceeds {MAX_BODY}")
        self._check_vapid(h.get("authorization"), _origin(f"{request.url.scheme}://{h.get('host', '')}"), sub)
        plaintext = b""
        if body:
            try:
                plaintext = decrypt_aes128gcm(body, sub.private_key, sub.auth)
            except DecryptError as exc:
                raise _Reject(400, 110, f"Could not decrypt the aes128gcm payload: {exc}") from None
        if self.delay > 0:
            await asyncio.sleep(self.delay)
            if await request.is_disconnected():
                self.aborted.append(token)  # no 201 reached the sender: the service never took the message
                return Response(status_code=499)
        failure = self._take_failure(token)
        if failure is not None:
            self.rejected.append((token, failure.status))
            extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            return _error(failure.status, _ERRNOS.get(failure.status, 999), "Injected failure", extra)
        message_id = uuid.uuid4().hex
        self.messages.append(
            PushMessage(
                token=token, plaintext=plaintext, ttl=ttl, urgency=urgency, topic=topic, received_at=time.time(), message_id=message_id
            )
        )
        return Response(status_code=201, headers={"Location": f"{self._base(request)}/m/{message_id}", "TTL": str(ttl)})

    def app(self) -> Starlette:
        """``POST /push/{token}`` plus JSON control endpoints for other processes:

        ``POST /_fake/subscriptions`` ``{"application_server_key"}`` → subscription JSON;
        ``GET /_fake/messages?token=`` (token or endpoint, optional) → ``[{token, text, ttl, urgency, topic, received_at, message_id}]``;
        ``GET /_fake/aborted`` → tokens; ``POST /_fake/fail`` ``{status, times, token?, retry_after?}``;
        ``POST /_fake/unsubscribe`` ``{endpoint}``; ``POST /_fake/delay`` ``{seconds}``;
        ``POST /_fake/reset`` ``{subscriptions?: bool}``.
        """

        async def control_subscribe(request: Request) -> JSONResponse:
            body = await request.json()
            try:
                return JSONResponse(self.subscribe(body["application_server_key"], self._base(request)))
            except (KeyError, ValueError, binascii.Error) as exc:
                return JSONResponse({"error": f"bad application_server_key: {exc}"}, status_code=400)

        async def control_messages(request: Request) -> JSONResponse:
            token = request.query_params.get("token") or None
            return JSONResponse([m.as_dict() for m in self.received(token)])

        async def control_aborted(request: Request) -> JSONResponse:
            return JSONResponse(list(self.aborted))

        async def control_fail(request: Request) -> JSONResponse:
            body = await request.json()
            self.fail(int(body["status"]), times=int(body.get("times", 1)), token=body.get("token"), retry_after=body.get("retry_after"))
            return JSONResponse({"ok": True})

        async def control_unsubscribe(request: Request) -> JSONResponse:
            body = await request.json()
            try:
                self.unsubscribe(body.get("endpoint") or body["token"])
            except KeyError:
                return JSONResponse({"error": "unknown subscription"}, status_code=404)
            return JSONResponse({"ok": True})

        async def control_delay(request: Request) -> JSONResponse:
            self.delay = float((await request.json())["seconds"])
            return JSONResponse({"ok": True})

        async def control_reset(request: Request) -> JSONResponse:
            body = await request.json() if await request.body() else {}
            self.reset(subscriptions=bool(body.get("subscriptions")))
            return JSONResponse({"ok": True})

        return Starlette(
            routes=[
                Route("/push/{token}", self._push, methods=["POST"]),
                Route("/_fake/subscriptions", control_subscribe, methods=["POST"]),
                Route("/_fake/messages", control_messages),
                Route("/_fake/aborted", control_aborted),
                Route("/_fake/fail", control_fail, methods=["POST"]),
                Route("/_fake/unsubscribe", control_unsubscribe, methods=["POST"]),
                Route("/_fake/delay", control_delay, methods=["POST"]),
                Route("/_fake/reset", control_reset, methods=["POST"]),
            ]
        )


def _error(status: int, errno: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """autopush-style error body."""
    return JSONResponse(
        {"code": status, "errno": errno, "error": _REASONS.get(status, "Error"), "message": message}, status_code=status, headers=headers
    )
