"""Indexes for the auditors' search (backend/auditlog): audit rows by actor, by subject, by object, newest first."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [('kit', '0004_audit_link')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AuditEntry',
            index=Index(fields=['actor', 'id']),
        ),
        ops.AddIndex(
            model_name='AuditEntry',
            index=Index(fields=['subject', 'id']),
        ),
        ops.AddIndex(
            model_name='AuditEntry',
            index=Index(fields=['object_type', 'object_id', 'id']),
        ),
    ]
