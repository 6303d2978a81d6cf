"""The parcel carrier (EMS 新一代寄递平台) and a second tracking source (Kuaidi100 subscription).

``Carrier`` creates the waybill (下单), fetches its label (面单) and tracking (轨迹) and reads the
tracking pushes EMS sends us; ``Tracker`` subscribes a waybill at Kuaidi100 and reads its signed
callbacks. Both turn what the outside system says into ``TrackEvent`` values of one vocabulary
(``KINDS``); deciding what an event does to a delivery is the delivery domain's business.

What of the EMS protocol is verified and what is assumed (``../shared/reference/protocols.md`` §4):
the specification is handed out under contract only and nothing here has run against EMS itself;
this speaks the shape public integration code shows (unverified). Seen there: the form fields of
a call, ``logitcsInterface = "|$4|" + base64(SM4-ECB(json + signKey))`` with PKCS#7 padding and the
base64-decoded signKey as the SM4 key, the reply ``{retCode "00000", retMsg, retBody}`` with retBody
a JSON string, the apiCodes 020003/010004/040001/040002, the track item fields, a push envelope
``{serialNo, senderNo, method "040002", msgType, timeStamp, version, logitcsInterface}`` carrying one
track item, and the push answer ``{serialNo, code "00000"|"S00001", codeMessage, senderNo}``.
Assumed: the create-order body beyond ``logisticsOrderNo``/``sender``/``receiver``/``cargos``; the
label's retBody being a URL of the PDF (or the PDF in base64); that a pushed plaintext also ends
with the signKey (we refuse one that does not: it is the only proof the push was made with our
key); that retCodes starting with ``S`` are system-side and worth a retry while every other code is
a business refusal; returns told by their opName (``EMS_KINDS``); the 704 signer read from
``opDesc``. The push's timeStamp travels outside the sealed body, so the ±10 minute window stops
naive replays only; the events' dedupe keys make any replay harmless. Kuaidi100 follows its
published API (the per-item ``statusCode`` of resultv2=4 is assumed, with the item's ``status``
word and the waybill's ``state`` as fallbacks).

Never logged: names, phones, addresses, ``opDesc``/``context`` texts, retMsg (it may quote them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

log = logging.getLogger("yiwang.carrier")

CHINA = ZoneInfo("Asia/Shanghai")  # EMS and Kuaidi100 times are Beijing time, whatever the deployment's zone
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMEOUT = 10.0
PUSH_WINDOW = timedelta(minutes=10)
EMS_OPEN_PATH = "/amp-prod-api/f/amp/api/open"
SEALED_PREFIX = "|$4|"


class CarrierUnavailable(Exception):
    """Worth retrying later: no connection, a timeout, HTTP 5xx, a system-side EMS code, or no carrier configured."""


class CarrierRejected(Exception):
    """A permanent refusal; ``code`` is the carrier's code (kept for the clerk, never personal data)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"carrier refused: {code}")
        self.code = code


class CallbackInvalid(Exception):
    """A push or callback we cannot trust: bad signature, not decryptable, malformed."""


class CallbackStale(Exception):
    """An authentic push whose timestamp is more than 10 minutes from now (a replay): refused."""


@dataclass(frozen=True)
class Party:
    """Sender or recipient of a parcel."""

    name: str = field(repr=False)
    phone: str = field(repr=False)
    province: str
    city: str
    district: str
    address: str = field(repr=False)
    region_code: str = ""


@dataclass(frozen=True)
class Waybill:
    waybill_no: str


KINDS = ("picked_up", "in_transit", "out_for_delivery", "delivered", "failed_attempt", "returned", "other")
SIGNERS = ("self", "proxy", "locker")


@dataclass(frozen=True)
class TrackEvent:
    """One tracking event (轨迹) in our vocabulary; ``text`` may name a person: never log it or send it out."""

    source: str  # "ems" | "kuaidi100"
    waybill_no: str
    at: datetime  # aware, UTC
    code: str  # EMS opCode ("704"); Kuaidi100 sub-state ("301") or state ("3")
    kind: str  # one of KINDS
    text: str = field(repr=False)
    place: str
    signer: str = ""  # "self" | "proxy" | "locker" | ""
    key: str = ""  # stable dedupe key

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", f"{self.source}:{self.waybill_no}:{self.code}:{self.at.isoformat()}")


@dataclass(frozen=True)
class Push:
    """A tracking push (040002): its serial number (echoed in our answer) and its events."""

    serial_no: str
    events: list[TrackEvent]


class Carrier(Protocol):
    """EMS 新一代寄递平台: waybills, labels, tracking and tracking pushes."""

    configured: bool

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def create_order(self, *, order_ref: str, sender: Party, receiver: Party, cargo: str) -> Waybill:
        """Ask for a waybill (020003); the same ``order_ref`` twice gives the same waybill."""
        ...

    async def label(self, waybill_no: str) -> bytes:
        """The waybill's label (面单, 010004) as PDF bytes."""
        ...

    async def track(self, waybill_no: str) -> list[TrackEvent]:
        """The waybill's tracking events so far (040001), oldest first."""
        ...

    def parse_push(self, form: Mapping[str, str], now: datetime) -> Push:
        """Read a tracking push (040002); raises CallbackInvalid or CallbackStale."""
        ...

    def push_reply(self, serial_no: str, ok: bool) -> dict[str, str]:
        """Our answer to a push."""
        ...


class Tracker(Protocol):
    """A second tracking source: Kuaidi100's subscription (订阅推送)."""

    configured: bool

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def subscribe(self, *, waybill_no: str, callback_url: str, phone: str = "") -> None:
        """Have events of the waybill pushed to ``callback_url``; already subscribed counts as done."""
        ...

    def parse_callback(self, form: Mapping[str, str]) -> list[TrackEvent]:
        """Read a signed callback; raises CallbackInvalid."""
        ...

    def callback_reply(self, ok: bool) -> dict[str, Any]:
        """Our answer to a callback (a failed one is retried by Kuaidi100 after 30 minutes, 3 times)."""
        ...


# --- SM4 (GB/T 32907) through `cryptography`: ECB with PKCS#7 padding, as EMS uses it ---


def sm4_key(sign_key: str) -> bytes:
    """The 16-byte SM4 key a base64 signKey stands for; ValueError if it is not one."""
    try:
        key = base64.b64decode(sign_key, validate=True)
    except binascii.Error:
        raise ValueError("the EMS signKey must be base64") from None
    if len(key) != 16:
        raise ValueError("the EMS signKey must be base64 of 16 bytes")
    return key


def seal(payload: str, sign_key: str) -> str:
    """``"|$4|" + base64(SM4-ECB(payload + signKey))``: how EMS wants a message body."""
    padder = padding.PKCS7(128).padder()
    plain = padder.update((payload + sign_key).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(sm4_key(sign_key)), modes.ECB()).encryptor()
    return SEALED_PREFIX + base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def unseal(sealed: str, sign_key: str) -> str:
    """The payload of a sealed body, checked to end with the signKey; CallbackInvalid if it does not."""
    raw = sealed[len(SEALED_PREFIX) :] if sealed.startswith(SEALED_PREFIX) else sealed
    try:
        cipher = base64.b64decode(raw, validate=True)
        decryptor = Cipher(algorithms.SM4(sm4_key(sign_key)), modes.ECB()).decryptor()
        padded = decryptor.update(cipher) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plain = (unpadder.update(padded) + unpadder.finalize()).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise CallbackInvalid("cannot decrypt") from None
    if not plain.endswith(sign_key):
        raise CallbackInvalid("not sealed with our key")
    return plain[: -len(sign_key)]


def china_time(value: object) -> datetime:
    """``yyyy-MM-dd HH:mm:ss`` Beijing time as an aware UTC datetime; ValueError if malformed."""
    return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=CHINA).astimezone(UTC)


# --- EMS ---

# opCode → kind, as seen in public tracking data: 203 收寄, 954/389 in and out of a processing centre,
# 306 arrived at the delivery station, 702 投递 (out), 704 妥投, 705 未妥投. The codes of a return are not
# public: rather than guess numbers (a wrong one would end a delivery), an event whose opName names a
# return (退回/退件/退件返回) is taken as one — assumed. Every other code is "other": recorded, moves nothing.
EMS_KINDS = {
    "203": "picked_up",
    "954": "in_transit",
    "389": "in_transit",
    "306": "in_transit",
    "702": "out_for_delivery",
    "704": "delivered",
    "705": "failed_attempt",
}
RETURN_WORDS = ("退回", "退件")


def ems_kind(op_code: str, op_name: str = "") -> str:
    kind = EMS_KINDS.get(op_code)
    if kind:
        return kind
    return "returned" if any(word in op_name for word in RETURN_WORDS) else "other"


def ems_signer(op_desc: str) -> str:
    """Who took a delivered (704) parcel, as its description says: locker/station first (驿站代收 is a station)."""
    if any(word in op_desc for word in ("快递柜", "智能柜", "驿站", "投柜", "自提点")):
        return "locker"
    if any(word in op_desc for word in ("代签", "代收", "家人", "同事", "门卫", "他人")):
        return "proxy"
    if "本人" in op_desc:
        return "self"
    return ""


def ems_event(item: Mapping[str, Any]) -> TrackEvent:
    """A track item (040001 responseItems or a 040002 push) as a TrackEvent; ValueError if malformed."""
    waybill_no = str(item.get("waybillNo") or "")
    op_code = str(item.get("opCode") or "")
    if not waybill_no or not op_code:
        raise ValueError("track item without waybillNo or opCode")
    kind = ems_kind(op_code, str(item.get("opName") or ""))
    text = str(item.get("opDesc") or "")
    return TrackEvent(
        source="ems",
        waybill_no=waybill_no,
        at=china_time(item.get("opTime")),
        code=op_code,
        kind=kind,
        text=text,
        place=str(item.get("opOrgName") or item.get("opOrgCity") or ""),
        signer=ems_signer(text) if kind == "delivered" else "",
    )


def _party(party: Party) -> dict[str, str]:
    return {
        "name": party.name,
        "mobile": party.phone,
        "prov": party.province,
        "city": party.city,
        "county": party.district,
        "address": party.address,
    }


def _decoded(body: Any) -> Any:
    """retBody comes as a JSON string (sometimes as an object, or a bare string such as a URL)."""
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


class EmsCarrier:
    """EMS 新一代寄递平台 over HTTPS: form POSTs with an SM4-sealed body."""

    configured = True

    def __init__(self, *, api_base: str, sender_no: str, authorization: str, sign_key: str, timeout: float = TIMEOUT) -> None:
        base = api_base.rstrip("/")
        # A full endpoint (…/api/open, or the sandbox's …/api/test) is used as given.
        self._endpoint = base if base.endswith(("/open", "/test")) else base + EMS_OPEN_PATH
        self._sender_no = sender_no
        self._authorization = authorization
        self._sign_key = sign_key
        sm4_key(sign_key)  # fail at start-up, not at the first parcel
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout))

    async def open(self) -> None:
        return None  # the HTTP client connects on first use

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, api_code: str, body: Mapping[str, Any]) -> Any:
        form = {
            "apiCode": api_code,
            "senderNo": self._sender_no,
            "authorization": self._authorization,
            "msgType": "0",
            "timeStamp": datetime.now(CHINA).strftime(TIME_FORMAT),
            "version": "V1.0.0",
            "logitcsInterface": seal(json.dumps(body, ensure_ascii=False, separators=(",", ":")), self._sign_key),
        }
        try:
            response = await self._http.post(self._endpoint, data=form)
        except httpx.HTTPError as exc:
            log.warning("EMS unreachable", extra={"api_code": api_code, "error": type(exc).__name__})
            raise CarrierUnavailable(f"EMS unreachable ({type(exc).__name__})") from None
        if response.status_code >= 500 or response.status_code == 429:
            log.warning("EMS answered HTTP error", extra={"api_code": api_code, "http_status": response.status_code})
            raise CarrierUnavailable(f"EMS answered HTTP {response.status_code}")
        if response.status_code >= 400:
            log.warning("EMS answered HTTP error", extra={"api_code": api_code, "http_status": response.status_code})
            raise CarrierRejected(f"HTTP{response.status_code}")
        try:
            reply = response.json()
        except ValueError:
            log.warning("EMS answered no JSON", extra={"api_code": api_code})
            raise CarrierUnavailable("EMS answered no JSON") from None
        ret_code = str(reply.get("retCode", "")) if isinstance(reply, dict) else ""
        if ret_code == "00000":
            return _decoded(reply.get("retBody"))
        log.warning("EMS refused", extra={"api_code": api_code, "ret_code": ret_code})
        if ret_code.startswith("S"):
            raise CarrierUnavailable(f"EMS system error {ret_code}")
        raise CarrierRejected(ret_code or "unknown")

    async def create_order(self, *, order_ref: str, sender: Party, receiver: Party, cargo: str) -> Waybill:
        body = {
            "logisticsOrderNo": order_ref,
            "createdTime": datetime.now(CHINA).strftime(TIME_FORMAT),
            "senderNo": self._sender_no,
            "orderType": "1",
            "contentsAttribute": "1",  # 文件: a certificate
            "sender": _party(sender),
            "receiver": _party(receiver),
            "cargos": [{"cargoName": cargo, "cargoQuantity": 1}],
        }
        reply = await self._call("020003", body)
        waybill_no = str(reply.get("waybillNo") or "") if isinstance(reply, dict) else ""
        if not waybill_no:
            log.warning("EMS created no waybill", extra={"api_code": "020003"})
            raise CarrierUnavailable("EMS answered without a waybill number")
        return Waybill(waybill_no=waybill_no)

    async def label(self, waybill_no: str) -> bytes:
        reply = await self._call("010004", {"waybillNo": waybill_no, "type": "129", "getURL": "1", "isReturn": "0"})
        if isinstance(reply, dict):
            reply = reply.get("url") or reply.get("pdf") or ""
        reply = str(reply or "")
        if reply.startswith(("https://", "http://")):
            try:
                response = await self._http.get(reply)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                log.warning("EMS label download failed", extra={"error": type(exc).__name__})
                raise CarrierUnavailable("EMS label download failed") from None
            pdf = response.content
        else:
            try:
                pdf = base64.b64decode(reply, validate=True)
            except binascii.Error:
                pdf = b""
        if not pdf.startswith(b"%PDF"):
            raise CarrierUnavailable("EMS label is not a PDF")
        return pdf

    async def track(self, waybill_no: str) -> list[TrackEvent]:
        reply = await self._call("040001", {"waybillNo": waybill_no, "direction": "0"})
        items = reply.get("responseItems") if isinstance(reply, dict) else reply
        events: list[TrackEvent] = []
        for item in items if isinstance(items, list) else []:
            try:
                events.append(ems_event(item))
            except (ValueError, AttributeError):
                log.warning("EMS track item skipped (malformed)", extra={"api_code": "040001"})
        return sorted(events, key=lambda e: e.at)

    def parse_push(self, form: Mapping[str, str], now: datetime) -> Push:
        serial_no = str(form.get("serialNo") or "")
        method = str(form.get("apiCode") or form.get("method") or "040002")
        sender_no = str(form.get("senderNo") or "")
        if not serial_no or method != "040002" or (sender_no and sender_no != self._sender_no):
            raise CallbackInvalid("not a tracking push for us")
        plain = unseal(str(form.get("logitcsInterface") or ""), self._sign_key)
        try:
            sent_at = china_time(form.get("timeStamp"))
            body = json.loads(plain)
            items = body if isinstance(body, list) else body.get("traces", [body]) if isinstance(body, dict) else None
            if not isinstance(items, list) or not items:
                raise ValueError("no track items")
            events = [ems_event(item) for item in items]
        except (ValueError, TypeError, AttributeError):
            raise CallbackInvalid("malformed push") from None
        # timeStamp travels outside the sealed body; a replayed push with a fresh one is a duplicate,
        # which the events' dedupe keys make harmless.
        if abs(now - sent_at) > PUSH_WINDOW:
            raise CallbackStale("push timestamp outside ±10 minutes")
        return Push(serial_no=serial_no, events=events)

    def push_reply(self, serial_no: str, ok: bool) -> dict[str, str]:
        return {
            "serialNo": serial_no,
            "code": "00000" if ok else "S00001",
            "codeMessage": "成功" if ok else "推送失败",
            "senderNo": self._sender_no,
        }


class NoCarrier:
    """No carrier configured: orders wait visibly (every call is 'unavailable'), nothing is lost."""

    configured = False

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def create_order(self, *, order_ref: str, sender: Party, receiver: Party, cargo: str) -> Waybill:
        raise CarrierUnavailable("no carrier configured")

    async def label(self, waybill_no: str) -> bytes:
        raise CarrierUnavailable("no carrier configured")

    async def track(self, waybill_no: str) -> list[TrackEvent]:
        raise CarrierUnavailable("no carrier configured")

    def parse_push(self, form: Mapping[str, str], now: datetime) -> Push:
        raise CallbackInvalid("no carrier configured")

    def push_reply(self, serial_no: str, ok: bool) -> dict[str, str]:
        return {"serialNo": serial_no, "code": "00000" if ok else "S00001", "codeMessage": "成功" if ok else "推送失败", "senderNo": ""}


# --- Kuaidi100 ---

# state / sub-state (resultv2=4) → kind. From Kuaidi100's published tables; 14 拒签 is taken as a
# failed attempt (the return, if any, follows as 4/6), 2 疑难 as other except its delivery problems
# (204 派件异常, 206 无法联系: assumed sub-states); anything else (101 已下单, 401 已销单, …) is other.
KUAIDI100_KINDS = {
    "0": "in_transit",
    "1001": "in_transit",
    "1002": "in_transit",
    "1003": "in_transit",
    "7": "in_transit",
    "8": "in_transit",
    "10": "in_transit",
    "11": "in_transit",
    "12": "in_transit",
    "13": "in_transit",
    "1": "picked_up",
    "103": "picked_up",
    "5": "out_for_delivery",
    "501": "out_for_delivery",  # put in a locker or station, not yet taken: 304 is the signature
    "3": "delivered",
    "301": "delivered",
    "302": "delivered",
    "303": "delivered",
    "304": "delivered",
    "204": "failed_attempt",
    "206": "failed_attempt",
    "14": "failed_attempt",
    "4": "returned",
    "6": "returned",
}
KUAIDI100_SIGNERS = {"301": "self", "303": "proxy", "304": "locker", "501": "locker"}
# Without a statusCode an item's status is a word; the state it names.
KUAIDI100_STATES = {
    "在途": "0",
    "揽收": "1",
    "疑难": "2",
    "签收": "3",
    "退签": "4",
    "派件": "5",
    "退回": "6",
    "转投": "7",
    "清关": "8",
    "拒签": "14",
}


def kuaidi100_sign(param: str, salt: str) -> str:
    return hashlib.md5((param + salt).encode()).hexdigest().upper()


class Kuaidi100Tracker:
    """Kuaidi100 subscription (POST /poll) and its signed callbacks (sign = MD5(param + salt))."""

    configured = True

    def __init__(self, *, api_base: str, customer: str, key: str, salt: str, timeout: float = TIMEOUT) -> None:
        self._api_base = api_base.rstrip("/")
        self._customer = customer
        self._key = key
        self._salt = salt
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout))

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        await self._http.aclose()

    async def subscribe(self, *, waybill_no: str, callback_url: str, phone: str = "") -> None:
        parameters = {"callbackurl": callback_url, "salt": self._salt, "resultv2": "4"}
        if phone:
            parameters["phone"] = phone
        param = {"company": "ems", "number": waybill_no, "key": self._key, "parameters": parameters}
        form = {"schema": "json", "param": json.dumps(param, ensure_ascii=False, separators=(",", ":"))}
        try:
            response = await self._http.post(self._api_base + "/poll", data=form)
        except httpx.HTTPError as exc:
            log.warning("Kuaidi100 unreachable", extra={"error": type(exc).__name__})
            raise CarrierUnavailable(f"Kuaidi100 unreachable ({type(exc).__name__})") from None
        if response.status_code >= 500 or response.status_code == 429:
            log.warning("Kuaidi100 answered HTTP error", extra={"http_status": response.status_code})
            raise CarrierUnavailable(f"Kuaidi100 answered HTTP {response.status_code}")
        try:
            reply = response.json()
            code = str(reply.get("returnCode", ""))
        except (ValueError, AttributeError):
            log.warning("Kuaidi100 answered no JSON", extra={"http_status": response.status_code})
            raise CarrierUnavailable("Kuaidi100 answered no JSON") from None
        if code in ("200", "501"):  # 501: already subscribed
            return None
        log.warning("Kuaidi100 refused", extra={"return_code": code})
        if code.startswith("5"):
            raise CarrierUnavailable(f"Kuaidi100 server error {code}")
        raise CarrierRejected(code or "unknown")

    def parse_callback(self, form: Mapping[str, str]) -> list[TrackEvent]:
        param = str(form.get("param") or "")
        sign = str(form.get("sign") or "")
        if not param or not hmac.compare_digest(sign.upper().encode(), kuaidi100_sign(param, self._salt).encode()):
            raise CallbackInvalid("bad signature")
        try:
            body = json.loads(param)
            last = body.get("lastResult") or {}
            waybill_no = str(last.get("nu") or "")
            if not waybill_no:
                raise ValueError("no waybill number")
            data = last.get("data") or []
            events = []
            for index, item in enumerate(data):
                code = str(item.get("statusCode") or KUAIDI100_STATES.get(str(item.get("status") or ""), ""))
                if not code and index == 0:  # the newest item is in the waybill's current state
                    code = str(last.get("state") or "")
                kind = KUAIDI100_KINDS.get(code, "other")
                events.append(
                    TrackEvent(
                        source="kuaidi100",
                        waybill_no=waybill_no,
                        at=china_time(item.get("ftime") or item.get("time")),
                        code=code or "-",
                        kind=kind,
                        text=str(item.get("context") or ""),
                        place=str(item.get("areaName") or item.get("location") or ""),
                        signer=KUAIDI100_SIGNERS.get(code, ""),
                    )
                )
        except (ValueError, TypeError, AttributeError):
            raise CallbackInvalid("malformed callback") from None
        return sorted(events, key=lambda e: e.at)

    def callback_reply(self, ok: bool) -> dict[str, Any]:
        return {"result": ok, "returnCode": "200" if ok else "500", "message": "成功" if ok else "失败"}


class NoTracker:
    """No second tracking source: subscribing does nothing."""

    configured = False

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def subscribe(self, *, waybill_no: str, callback_url: str, phone: str = "") -> None:
        return None

    def parse_callback(self, form: Mapping[str, str]) -> list[TrackEvent]:
        raise CallbackInvalid("no tracker configured")

    def callback_reply(self, ok: bool) -> dict[str, Any]:
        return {"result": ok, "returnCode": "200" if ok else "500", "message": "成功" if ok else "失败"}
