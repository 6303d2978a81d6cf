"""Races on the material library: one photo is stored once per person however often it is sent."""

from __future__ import annotations

from backend.materials.models import Material
from tests.photos import photo
from tests.races.conftest import N, assert_no_5xx, outcome, race_with_inserts_held


async def test_fifty_uploads_of_one_photo_store_it_once(client, resident, settings):
    image = photo(800, 600)
    answers = await race_with_inserts_held(
        settings,
        "material",
        (
            client.post("/api/v1/materials", headers=resident, files={"file": ("id.jpg", image, "image/jpeg")}, data={"kind": "id_card"})
            for _ in range(N)
        ),
        hold=3.0,
    )  # 50 photos through a pipeline of two take a while
    assert_no_5xx(answers)
    assert sorted(r.status_code for r in answers) == [200] * (N - 1) + [201], outcome(answers)
    assert len({r.json()["id"] for r in answers}) == 1
    assert [r.json()["reused"] for r in answers].count(False) == 1
    assert await Material.all().count() == 1
