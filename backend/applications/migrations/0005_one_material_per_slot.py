"""One current material per slot of a case: retaking a photo replaces it instead of adding one.

Cases that already hold several materials for one slot keep the newest (the last attached),
so the unique index on (application, material_key) can be built; the older photos stay in
the person's library. The index is created by SQL that both databases run as written; the
older three-column constraint stays (the new one implies it), since SQLite cannot drop a
table constraint without rebuilding the table.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('applications', '0004_one_open_draft')]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "DELETE FROM application_material WHERE id NOT IN "
                "(SELECT MAX(id) FROM application_material GROUP BY application_id, material_key)",
                "CREATE UNIQUE INDEX application_material_one_per_slot ON application_material (application_id, material_key)",
            ],
            reverse_sql=["DROP INDEX application_material_one_per_slot"],
        ),
        ops.AlterModelOptions(
            name='AttachedMaterial',
            options={'table': 'application_material', 'app': 'applications', 'unique_together': (('application', 'material_key'),), 'pk_attr': 'id', 'table_description': 'The current material of one slot of a case (one required item): one row per slot.'},
        ),
    ]
