"""Data the benchmarks need, made through our models: prints `token first_draft count`.

A verified resident with a session, an ID-card photo in the library, and two blocks of draft
applications ready to submit (one block for our endpoint, one for the bare baseline).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from tortoise import connections

from auth import service as identity
from auth import sessions
from auth.models import Person
from backend.applications.models import Application, AttachedMaterial
from backend.catalog import service as catalog
from backend.kit.config import Settings
from backend.kit.resources import current, opened
from backend.materials.models import Material

YYZZ = "000105001000"
FORM = {
    "applicant_name": "基准测试",
    "applicant_id_number": "11010519491231002X",
    "contact_phone": "13700000000",
    "business_name": "基准小店",
    "business_scope": "小吃",
    "address": "浙江省杭州市西湖区文三路100号",
}


async def main(drafts: int) -> None:
    async with opened(Settings.from_env()):
        keyring = current().keyring
        person = await identity.create_person(name="基准测试", phone="13700000000", actor="bench")
        await Person.filter(id=person.id).update(
            verified_at=datetime.now(UTC),
            id_number_idx=keyring.blind_index(FORM["applicant_id_number"], purpose="person.id_number"),
            id_number_enc=keyring.encrypt(FORM["applicant_id_number"], purpose="person.id_number"),
        )
        guide = await catalog.guide(code=YYZZ)
        # The submit benchmark needs many drafts of one person and item, which the one-open-draft
        # rule forbids; this throwaway database does without its index.
        await connections.get("default").execute_script("DROP INDEX application_one_open_draft")
        # The session proves as much identity as the item asks for (else submit answers 403).
        token, _ = await sessions.create(
            account_id=None,
            person_id=person.id,
            transport="bearer",
            mfa=False,
            user_agent="wrk",
            ip="127.0.0.1",
            assurance=guide.assurance_required,
        )
        material = await Material.create(
            person_id=person.id, kind="id_card", sha256="0" * 64, width=1600, height=1200, size_bytes=1, warnings=[]
        )
        await Application.bulk_create(
            [
                Application(
                    person_id=person.id,
                    service_code=YYZZ,
                    service_name=guide.name,
                    department_id=guide.department,
                    status="draft",
                    form=FORM,
                )
                for _ in range(drafts)
            ],
            batch_size=1000,
        )
        ids = await Application.filter(person_id=person.id).order_by("id").values_list("id", flat=True)
        await AttachedMaterial.bulk_create(
            [AttachedMaterial(application_id=i, material_key="id_card", material_id=material.id) for i in ids], batch_size=1000
        )
        print(token, ids[0], len(ids))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=0)
    asyncio.run(main(parser.parse_args().drafts))
