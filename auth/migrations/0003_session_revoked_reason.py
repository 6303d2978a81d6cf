"""Why a session ended (a device signed out from another is told so), and room for long user agents."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('auth', '0002_identity_assurance')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Session',
            name='user_agent',
            field=fields.CharField(default='', max_length=512),
        ),
        ops.AddField(
            model_name='Session',
            name='revoked_reason',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
    ]
