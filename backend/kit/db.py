"""Database set-up: tortoise config per app, connect/close, and migration status."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as migrate_api
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.recorder import MigrationRecorder

# One tortoise "app" per package that owns tables; each keeps its migrations beside its models.
APPS: dict[str, tuple[str, ...]] = {
    "kit": ("backend.kit.models",),
    "auth": ("auth.models",),
    "catalog": ("backend.catalog.models",),
    "applications": ("backend.applications.models",),
    "materials": ("backend.materials.models",),
    "notifications": ("notifications.models",),
    "appointments": ("backend.appointments.models",),
    "calendar": ("backend.calendar.models",),
    "delivery": ("backend.delivery.models",),
    "assisted": ("backend.assisted.models",),
}
TOP_LEVEL = ("auth", "notifications")  # packages beside backend/, not inside it
MIGRATIONS = {label: (f"{label}.migrations" if label in TOP_LEVEL else f"backend.{label}.migrations") for label in APPS}


def _with_defaults(database_url: str) -> str:
    """Add pool and pragma defaults to a database URL unless the URL sets them."""
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # Several processes may share the file (nginx test, worker): wait for the write lock.
        query.setdefault("busy_timeout", "5000")
    elif parts.scheme in ("postgres", "postgresql", "asyncpg"):
        query.setdefault("minsize", "1")
        query.setdefault("maxsize", "10")
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _keep_session(connection: Any) -> None:
    """asyncpg's pool runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` on every
    release by default: one more round trip per query outside a transaction. Pool connections
    here never hold session state (no SET, LISTEN, cursors or advisory locks: the audit chainer's
    lock has a connection of its own), and asyncpg still rolls back a transaction left open."""


def _connection(database_url: str) -> str | dict[str, Any]:
    url = _with_defaults(database_url)
    scheme = urlsplit(url).scheme
    if scheme not in ("postgres", "postgresql", "asyncpg", "sqlite"):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(url)
    if scheme == "sqlite":
        config["engine"] = "backend.kit.sqlite"  # transactions take the write lock first (see there)
    else:
        config["credentials"]["reset"] = _keep_session
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The tortoise-orm configuration for the given database URL."""
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            label: {"models": list(models), "default_connection": "default", "migrations": MIGRATIONS[label]}
            for label, models in APPS.items()
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # `tortoise makemigrations` (see pyproject [tool.tortoise]) reads TORTOISE_ORM lazily.
    if name == "TORTOISE_ORM":
        from backend.kit.config import Settings

        return tortoise_config(Settings.from_env().database_url)
    raise AttributeError(name)


async def connect(database_url: str) -> None:
    """Open the connection pool for the process (a global context so every task sees it)."""
    ensure_sqlite_file(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close() -> None:
    """Close the pool and drop the process's tortoise context (so it can be opened again)."""
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every pending migration."""
    ensure_sqlite_file(database_url)
    await migrate_api(config=tortoise_config(database_url))


async def pending_migrations(database_url: str) -> list[str]:
    """Names of migrations on disk that the connected database has not applied."""
    config = tortoise_config(database_url)
    recorder = MigrationRecorder(connections.get("default"))
    loader = MigrationLoader(config["apps"], recorder)
    await loader.build_graph()
    return sorted(f"{k.app_label}.{k.name}" for k in loader.disk_migrations if k not in loader.applied_migrations)


async def ping() -> None:
    await connections.get("default").execute_query("SELECT 1")


def dialect() -> str:
    return connections.get("default").capabilities.dialect


def ensure_sqlite_file(database_url: str) -> None:
    """Create an SQLite file (and its directory) readable by this user only, like the keys and media.

    SQLite gives its -wal, -shm and -journal files the database file's mode, so they follow.
    A file left readable by others (an older install) is tightened too.
    """
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite":
        return
    path = (parts.netloc + parts.path).strip()
    if not path or path == ":memory:":
        return
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(file, os.O_CREAT | os.O_RDONLY, 0o600))
    if file.stat().st_mode & 0o077:
        file.chmod(0o600)
