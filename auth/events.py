"""What identity tells a person about their own account, handed to whoever listens.

`auth` may not import `notifications` (which imports `auth`), so the app registers the
notification writer here at start-up. Listeners run inside the caller's transaction, so a
rolled-back binding tells nobody.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

# Kinds: channel_added (a new login channel joined the person), join_requested (someone asked
# to join with the person's ID number), join_refused (a claim was kept apart: too little proof),
# channel_removed (the person said "不是我本人" or removed a channel).
KINDS = ("channel_added", "join_requested", "join_refused", "channel_removed")


@dataclass(frozen=True)
class IdentityNotice:
    person_id: int
    kind: str
    dedupe_key: str
    params: dict[str, str] = field(default_factory=dict)  # channel kind, request id: never personal data


Listener = Callable[[IdentityNotice], Awaitable[None]]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Register a listener once (the app does this at start-up)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def tell(notice: IdentityNotice) -> None:
    assert notice.kind in KINDS, notice.kind
    for listener in _listeners:
        await listener(notice)
