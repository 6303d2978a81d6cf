"""The documents a resident agrees to (auth/consent.py), for tests that log in or bind an identity."""

from __future__ import annotations

from auth import consent
from backend.kit.transactions import transaction


def agreed(*documents: str) -> list[dict[str, str]]:
    """The current versions, as a login (default: terms and privacy) or a binding ("id_number") carries them."""
    library = consent.load()
    return [{"document": d, "version": library.current(d).version} for d in documents or consent.AT_LOGIN]


async def agree(*, person_id: int | None = None, account_id: int | None = None, documents: tuple[str, ...] = consent.AT_LOGIN) -> None:
    """Record a person's (or channel's) agreement to the current versions, as the consent screen does."""
    async with transaction():
        await consent.record(
            accepted=[(a["document"], a["version"]) for a in agreed(*documents)],
            account_id=account_id,
            person_id=person_id,
            actor="test",
        )
