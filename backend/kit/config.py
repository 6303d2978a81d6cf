"""Settings, read from YIWANG_* environment variables in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_VAR_DIR = Path("var")


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
    host: str
    port: int
    pwa_dir: Path
    log_level: str
    max_body_bytes: int

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
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
            host=env.get("YIWANG_HOST") or "127.0.0.1",
            port=_int(env, "YIWANG_PORT", 8000),
            pwa_dir=Path(env.get("YIWANG_PWA_DIR") or "pwa/dist"),
            log_level=(env.get("YIWANG_LOG_LEVEL") or "INFO").upper(),
            max_body_bytes=_int(env, "YIWANG_MAX_BODY_BYTES", 1024 * 1024),
        )

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
