"""The case timeline moves to the shared workflow_event table (backend.kit.workflow)."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_materials_and_certificates"), ("kit", "0003_workflow_event")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "INSERT INTO workflow_event (object_type, object_id, action, status_from, status_to, actor, at, note) "
                "SELECT 'application', application_id, action, status_from, status_to, actor, at, note "
                "FROM application_timeline ORDER BY id",
            ],
            reverse_sql=[],
        ),
        ops.DeleteModel(name="TimelineEntry"),
    ]
