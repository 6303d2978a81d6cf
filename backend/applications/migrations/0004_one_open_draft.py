"""One open draft per person and service item, enforced by a partial unique index.

Retries of "start an application" (a 500 after the commit, a double tap) used to leave several
drafts of one item. Older duplicates are withdrawn first, the newest draft of each kept, so the
index can be built on a database that already has them.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('applications', '0003_timeline_to_workflow_events')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "UPDATE application SET status = 'withdrawn' WHERE status = 'draft' AND id NOT IN "
                "(SELECT MAX(id) FROM application WHERE status = 'draft' GROUP BY person_id, service_code)",
                # The same SQL on PostgreSQL and SQLite (partial indexes since 3.8).
                "CREATE UNIQUE INDEX application_one_open_draft ON application (person_id, service_code) WHERE status = 'draft'",
            ],
            reverse_sql=["DROP INDEX application_one_open_draft"],
        ),
    ]
