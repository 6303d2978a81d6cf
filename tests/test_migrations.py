"""Migrations upgrade a database that has rows, not only an empty one."""

from __future__ import annotations

import importlib
import pkgutil

from tortoise.migrations import operations as ops

from backend.kit.db import MIGRATIONS


def _operations():
    for label, package in MIGRATIONS.items():
        module = importlib.import_module(package)
        for info in pkgutil.iter_modules(module.__path__):
            migration = importlib.import_module(f"{package}.{info.name}").Migration
            for operation in migration.operations:
                yield f"{label}.{info.name}", operation


def test_a_column_added_to_an_existing_table_is_nullable_or_has_a_database_default():
    """SQLite and PostgreSQL refuse a NOT NULL column without a default on a table with rows; a
    Python-side default (``default=``) does not reach the database, ``db_default=`` does."""
    offenders = [
        f"{name}: {op.model_name}.{op.name}"
        for name, op in _operations()
        if isinstance(op, ops.AddField) and not op.field.null and not op.field.pk and not op.field.has_db_default()
    ]
    assert offenders == []
