"""Data the benchmarks need, made through the real services: prints a verified resident's token."""

from __future__ import annotations

import asyncio

from auth import service as identity
from auth import sessions
from auth.models import Person
from backend.kit.config import Settings
from backend.kit.pii import generate_key  # noqa: F401  (keys come from the environment)
from backend.kit.resources import opened


async def main() -> None:
    async with opened(Settings.from_env()):
        person = await identity.create_person(name="基准测试", phone="13700000000", actor="bench")
        await Person.filter(id=person.id).update(verified_at=person.created_at)
        token, _ = await sessions.create(account_id=None, person_id=person.id, transport="bearer", mfa=False, user_agent="wrk", ip="127.0.0.1")
        print(token)


if __name__ == "__main__":
    asyncio.run(main())
