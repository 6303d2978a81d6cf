"""Settings, read from YIWANG_* environment variables in one place."""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_VAR_DIR = Path("var")
# Web Push services of the browsers people use (Chrome/Edge/Android, Firefox, Safari, Windows).
# We POST to whatever endpoint a browser hands us, so only these hosts are accepted (no SSRF).
DEFAULT_PUSH_ENDPOINTS = (
    "https://fcm.googleapis.com/",
    "https://updates.push.services.mozilla.com/",
    "https://web.push.apple.com/",
    "https://*.notify.windows.com/",
)


class ConfigError(RuntimeError):
    """A YIWANG_* variable is missing or malformed."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    media_dir: Path
    data_key: str = field(repr=False)
    index_key: str = field(repr=False)
    wechat_appid: str
    wechat_secret: str = field(repr=False)
    wechat_api_base: str
    sms_provider: str
    sms_api_base: str
    sms_access_key_id: str
    sms_access_key_secret: str = field(repr=False)
    sms_sign_name: str
    sms_templates: dict[str, str]
    cookie_secure: str
    accel_redirect_prefix: str | None
    host: str
    port: int
    pwa_dir: Path
    log_level: str
    max_body_bytes: int
    wechat_templates: dict[str, str] = field(default_factory=dict)
    wechat_page: str = "pages/index/index"
    vapid_private_key: str = field(default="", repr=False)
    vapid_subject: str = "mailto:ops@localhost"
    push_endpoints: tuple[str, ...] = DEFAULT_PUSH_ENDPOINTS
    dispatcher: str = "inprocess"
    timezone: str = "Asia/Shanghai"
    quiet_hours: str = "22:00-07:00"
    stream_heartbeat: float = 15.0
    sms_resend_seconds: int = 60  # one login code per number per this many seconds
    realname_provider: str = "none"
    realname_api_base: str = "https://dytnsapi.aliyuncs.com"
    realname_access_key_id: str = ""
    realname_access_key_secret: str = field(default="", repr=False)
    realname_auth_code: str = field(default="", repr=False)
    legal_dir: Path | None = None
    # Appointments: the waiting list, no-shows and the sweeper (backend/appointments).
    waiting_offer_minutes: int = 120
    no_show_limit: int = 3
    no_show_days: int = 30
    suspension_days: int = 30
    appointment_sweep_seconds: float = 30.0
    booking_hold_minutes: int = 5
    booking_reopen_minutes: int = 10
    booking_active_limit: int = 3
    booking_burst: int = 30
    region: str = ""  # the deployment's 6-digit division code: regional holidays move its deadlines
    checkin_early_minutes: int = 60  # an appointment may be checked in from this long before its slot
    checkin_late_minutes: int = 30  # … until this long after the slot's start
    queue_max_calls: int = 3  # calls before a ticket may be marked absent (过号)
    # Certificate delivery (backend/delivery, backend/kit/carrier.py): EMS, Kuaidi100 and our public address.
    ems_api_base: str = ""  # empty = no carrier: orders wait
    ems_sender_no: str = ""
    ems_authorization: str = field(default="", repr=False)
    ems_sign_key: str = field(default="", repr=False)  # base64 of the 16-byte SM4 key
    kuaidi100_api_base: str = ""  # empty = no second tracking source
    kuaidi100_customer: str = ""
    kuaidi100_key: str = field(default="", repr=False)
    kuaidi100_salt: str = field(default="", repr=False)
    public_url: str = ""  # how the carriers reach us: the base of callback URLs

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var = Path(env.get("YIWANG_VAR_DIR") or DEFAULT_VAR_DIR)
        return cls(
            database_url=env.get("YIWANG_DATABASE_URL") or f"sqlite://{var / 'yiwang.sqlite3'}",
            redis_url=env.get("YIWANG_REDIS_URL") or None,
            media_dir=Path(env.get("YIWANG_MEDIA_DIR") or var / "media"),
            data_key=env.get("YIWANG_DATA_KEY", ""),
            index_key=env.get("YIWANG_INDEX_KEY", ""),
            wechat_appid=env.get("YIWANG_WECHAT_APPID", ""),
            wechat_secret=env.get("YIWANG_WECHAT_SECRET", ""),
            wechat_api_base=(env.get("YIWANG_WECHAT_API_BASE") or "https://api.weixin.qq.com").rstrip("/"),
            sms_provider=env.get("YIWANG_SMS_PROVIDER") or "console",
            sms_api_base=env.get("YIWANG_SMS_API_BASE") or "https://dysmsapi.aliyuncs.com",
            sms_access_key_id=env.get("YIWANG_SMS_ACCESS_KEY_ID", ""),
            sms_access_key_secret=env.get("YIWANG_SMS_ACCESS_KEY_SECRET", ""),
            sms_sign_name=env.get("YIWANG_SMS_SIGN_NAME") or "一网通办",
            sms_templates={
                "login_code": env.get("YIWANG_SMS_TEMPLATE_LOGIN_CODE") or "SMS_LOGIN_CODE",
                "notice": env.get("YIWANG_SMS_TEMPLATE_NOTICE") or "SMS_NOTICE",
                "join_code": env.get("YIWANG_SMS_TEMPLATE_JOIN_CODE") or "SMS_JOIN_CODE",
                "pickup_code": env.get("YIWANG_SMS_TEMPLATE_PICKUP_CODE") or "SMS_PICKUP_CODE",
                "delegation_code": env.get("YIWANG_SMS_TEMPLATE_DELEGATION_CODE") or "SMS_DELEGATION_CODE",
            },
            cookie_secure=(env.get("YIWANG_COOKIE_SECURE") or "auto").lower(),
            accel_redirect_prefix=env.get("YIWANG_ACCEL_REDIRECT_PREFIX") or None,
            host=env.get("YIWANG_HOST") or "127.0.0.1",
            port=_int(env, "YIWANG_PORT", 8000),
            pwa_dir=Path(env.get("YIWANG_PWA_DIR") or "pwa/dist"),
            log_level=(env.get("YIWANG_LOG_LEVEL") or "INFO").upper(),
            max_body_bytes=_int(env, "YIWANG_MAX_BODY_BYTES", 1024 * 1024),
            wechat_templates={
                "progress": env.get("YIWANG_WECHAT_TEMPLATE_PROGRESS", ""),
                "delivery": env.get("YIWANG_WECHAT_TEMPLATE_DELIVERY", ""),
                "appointment": env.get("YIWANG_WECHAT_TEMPLATE_APPOINTMENT", ""),
            },
            wechat_page=env.get("YIWANG_WECHAT_PAGE") or "pages/index/index",
            vapid_private_key=env.get("YIWANG_VAPID_PRIVATE_KEY", ""),
            vapid_subject=env.get("YIWANG_VAPID_SUBJECT") or "mailto:ops@localhost",
            push_endpoints=tuple(
                p.strip() for p in (env.get("YIWANG_PUSH_ENDPOINTS") or ",".join(DEFAULT_PUSH_ENDPOINTS)).split(",") if p.strip()
            ),
            dispatcher=(env.get("YIWANG_DISPATCHER") or "inprocess").lower(),
            timezone=env.get("YIWANG_TIMEZONE") or "Asia/Shanghai",
            quiet_hours=(env.get("YIWANG_QUIET_HOURS") or "22:00-07:00").lower(),
            stream_heartbeat=float(_int(env, "YIWANG_STREAM_HEARTBEAT", 15)),
            sms_resend_seconds=max(1, _int(env, "YIWANG_SMS_RESEND_SECONDS", 60)),
            realname_provider=(env.get("YIWANG_REALNAME_PROVIDER") or "none").lower(),
            realname_api_base=env.get("YIWANG_REALNAME_API_BASE") or "https://dytnsapi.aliyuncs.com",
            realname_access_key_id=env.get("YIWANG_REALNAME_ACCESS_KEY_ID") or env.get("YIWANG_SMS_ACCESS_KEY_ID", ""),
            realname_access_key_secret=env.get("YIWANG_REALNAME_ACCESS_KEY_SECRET") or env.get("YIWANG_SMS_ACCESS_KEY_SECRET", ""),
            realname_auth_code=env.get("YIWANG_REALNAME_AUTH_CODE", ""),
            legal_dir=Path(env["YIWANG_LEGAL_DIR"]) if env.get("YIWANG_LEGAL_DIR") else None,
            waiting_offer_minutes=_int(env, "YIWANG_WAITING_OFFER_MINUTES", 120),
            no_show_limit=_int(env, "YIWANG_NO_SHOW_LIMIT", 3),
            no_show_days=_int(env, "YIWANG_NO_SHOW_DAYS", 30),
            suspension_days=_int(env, "YIWANG_SUSPENSION_DAYS", 30),
            appointment_sweep_seconds=float(_int(env, "YIWANG_APPOINTMENT_SWEEP_SECONDS", 30)),
            booking_hold_minutes=_int(env, "YIWANG_BOOKING_HOLD_MINUTES", 5),
            booking_reopen_minutes=_int(env, "YIWANG_BOOKING_REOPEN_MINUTES", 10),
            booking_active_limit=_int(env, "YIWANG_BOOKING_ACTIVE_LIMIT", 3),
            booking_burst=_int(env, "YIWANG_BOOKING_BURST", 30),
            region=(env.get("YIWANG_REGION") or "").strip(),
            checkin_early_minutes=_int(env, "YIWANG_CHECKIN_EARLY_MINUTES", 60),
            checkin_late_minutes=_int(env, "YIWANG_CHECKIN_LATE_MINUTES", 30),
            queue_max_calls=_int(env, "YIWANG_QUEUE_MAX_CALLS", 3),
            ems_api_base=(env.get("YIWANG_EMS_API_BASE") or "").strip().rstrip("/"),
            ems_sender_no=env.get("YIWANG_EMS_SENDER_NO", ""),
            ems_authorization=env.get("YIWANG_EMS_AUTHORIZATION", ""),
            ems_sign_key=env.get("YIWANG_EMS_SIGN_KEY", "").strip(),
            kuaidi100_api_base=(env.get("YIWANG_KUAIDI100_API_BASE") or "").strip().rstrip("/"),
            kuaidi100_customer=env.get("YIWANG_KUAIDI100_CUSTOMER", ""),
            kuaidi100_key=env.get("YIWANG_KUAIDI100_KEY", ""),
            kuaidi100_salt=env.get("YIWANG_KUAIDI100_SALT", ""),
            public_url=(env.get("YIWANG_PUBLIC_URL") or "").strip().rstrip("/"),
        )

    def __post_init__(self) -> None:
        if self.sms_provider not in ("console", "aliyun"):
            raise ConfigError(f"YIWANG_SMS_PROVIDER must be console or aliyun, got {self.sms_provider!r}")
        if self.sms_provider == "aliyun" and not (self.sms_access_key_id and self.sms_access_key_secret):
            raise ConfigError("YIWANG_SMS_PROVIDER=aliyun needs YIWANG_SMS_ACCESS_KEY_ID and YIWANG_SMS_ACCESS_KEY_SECRET")
        if self.quiet_hours != "off" and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", self.quiet_hours):
            raise ConfigError("YIWANG_QUIET_HOURS must be HH:MM-HH:MM (local time) or off")
        if self.dispatcher not in ("inprocess", "off"):
            raise ConfigError("YIWANG_DISPATCHER must be inprocess or off")
        if not (self.vapid_subject.startswith("mailto:") or self.vapid_subject.startswith("https:")):
            raise ConfigError("YIWANG_VAPID_SUBJECT must be a mailto: or https: contact (RFC 8292)")
        if self.realname_provider not in ("none", "aliyun"):
            raise ConfigError(f"YIWANG_REALNAME_PROVIDER must be none or aliyun, got {self.realname_provider!r}")
        if self.realname_provider == "aliyun" and not (
            self.realname_access_key_id and self.realname_access_key_secret and self.realname_auth_code
        ):
            raise ConfigError("YIWANG_REALNAME_PROVIDER=aliyun needs an AccessKey and YIWANG_REALNAME_AUTH_CODE")
        for name, value in (
            ("YIWANG_WAITING_OFFER_MINUTES", self.waiting_offer_minutes),
            ("YIWANG_NO_SHOW_LIMIT", self.no_show_limit),
            ("YIWANG_NO_SHOW_DAYS", self.no_show_days),
            ("YIWANG_SUSPENSION_DAYS", self.suspension_days),
            ("YIWANG_APPOINTMENT_SWEEP_SECONDS", self.appointment_sweep_seconds),
        ):
            if value < 1:
                raise ConfigError(f"{name} must be at least 1")
        if min(self.booking_hold_minutes, self.booking_active_limit, self.booking_burst) < 1 or self.booking_reopen_minutes < 0:
            raise ConfigError("YIWANG_BOOKING_HOLD_MINUTES, _ACTIVE_LIMIT and _BURST must be at least 1, _REOPEN_MINUTES at least 0")
        if self.region and not re.fullmatch(r"\d{6}", self.region):
            raise ConfigError(f"YIWANG_REGION must be a 6-digit division code (e.g. 654002), got {self.region!r}")
        if self.checkin_early_minutes < 0 or self.checkin_late_minutes < 0:
            raise ConfigError("YIWANG_CHECKIN_EARLY_MINUTES and YIWANG_CHECKIN_LATE_MINUTES must not be negative")
        if self.queue_max_calls < 1:
            raise ConfigError("YIWANG_QUEUE_MAX_CALLS must be at least 1")
        if self.ems_api_base:
            if not (self.ems_sender_no and self.ems_authorization and self.ems_sign_key):
                raise ConfigError("YIWANG_EMS_API_BASE needs YIWANG_EMS_SENDER_NO, YIWANG_EMS_AUTHORIZATION and YIWANG_EMS_SIGN_KEY")
            try:
                key = base64.b64decode(self.ems_sign_key, validate=True)
            except binascii.Error:
                key = b""
            if len(key) != 16:
                raise ConfigError("YIWANG_EMS_SIGN_KEY must be base64 of a 16-byte SM4 key")
        if self.kuaidi100_api_base and not (self.kuaidi100_key and self.kuaidi100_salt and self.public_url):
            raise ConfigError("YIWANG_KUAIDI100_API_BASE needs YIWANG_KUAIDI100_KEY, YIWANG_KUAIDI100_SALT and YIWANG_PUBLIC_URL")
        for name, url in (
            ("YIWANG_EMS_API_BASE", self.ems_api_base),
            ("YIWANG_KUAIDI100_API_BASE", self.kuaidi100_api_base),
            ("YIWANG_PUBLIC_URL", self.public_url),
        ):
            if url and not url.startswith(("https://", "http://")):
                raise ConfigError(f"{name} must be an http(s) URL, got {url!r}")
        if self.cookie_secure not in ("auto", "1", "0", "true", "false"):
            raise ConfigError("YIWANG_COOKIE_SECURE must be auto, true or false")

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
