"""Ship the regional holidays the statutory calendar does not carry, as ordinary rows administrators can edit.

- Xinjiang (region prefix 65, Ili included): 肉孜节 and 古尔邦节, days off for everyone there
  (《新疆维吾尔自治区人民政府关于2026年部分节假日放假安排的通知》: 肉孜节 3月20日至22日, 古尔邦节 5月27日至31日).
  2027: the festival days as the Islamic calendar predicts them (肉孜节 3月10日, 古尔邦节 5月17日), named
  推定 until the autonomous region publishes its notice (usually in December) and an administrator enters it.
- Yanbian Korean Autonomous Prefecture (prefix 2224): 9月3日 自治州成立纪念日.

Rows are inserted once (ON CONFLICT DO NOTHING): an administrator's later edit or deletion stands.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

XINJIANG = "65"
YANBIAN = "2224"
ROWS = [
    ("2026-03-20", "holiday", "肉孜节", XINJIANG),
    ("2026-03-21", "holiday", "肉孜节", XINJIANG),
    ("2026-03-22", "holiday", "肉孜节", XINJIANG),
    ("2026-05-27", "holiday", "古尔邦节", XINJIANG),
    ("2026-05-28", "holiday", "古尔邦节", XINJIANG),
    ("2026-05-29", "holiday", "古尔邦节", XINJIANG),
    ("2026-05-30", "holiday", "古尔邦节", XINJIANG),
    ("2026-05-31", "holiday", "古尔邦节", XINJIANG),
    ("2027-03-10", "holiday", "肉孜节（推定）", XINJIANG),
    ("2027-05-17", "holiday", "古尔邦节（推定）", XINJIANG),
    ("2026-09-03", "holiday", "延边朝鲜族自治州成立纪念日", YANBIAN),
    ("2027-09-03", "holiday", "延边朝鲜族自治州成立纪念日", YANBIAN),
]
CREATED_AT = "2026-11-26 00:00:00+00:00"


def statements() -> list[str]:
    """The INSERTs (constants only), the same on SQLite and PostgreSQL."""
    return [
        "INSERT INTO calendar_day (date, kind, name, region, source, created_by, created_at) "
        f"VALUES ('{day}', '{kind}', '{name}', '{region}', 'regional', 'built-in', '{CREATED_AT}') "
        "ON CONFLICT (date, region) DO NOTHING"
        for day, kind, name, region in ROWS
    ]


async def forward(apps, schema_editor) -> None:
    for statement in statements():
        await schema_editor.client.execute_script(statement)


async def backward(apps, schema_editor) -> None:
    await schema_editor.client.execute_script("DELETE FROM calendar_day WHERE created_by = 'built-in'")


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_initial")]

    operations = [ops.RunPython(forward, backward)]
