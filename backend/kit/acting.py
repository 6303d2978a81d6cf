"""Acting for someone else (帮办代办): the ``Yiwang-Delegation`` header and its one resolver.

A township worker's session sends ``Yiwang-Delegation: <delegation id>`` on the resident endpoints
that opt in (``auth.permissions.requires(acting=True)``). The permission check hands the header to
the resolver the assisted service registers here (auth may import nothing but ``backend.kit``), and
the route then runs with a session derived from the staff's: the villager's person, the staff
member as the actor and the delegation as the authorisation (``Acting``). Routes that do not opt in
refuse the header (``ActingNotAllowed``); a header that resolves to nothing usable is ``NoDelegation``.

Errand scope: wherever a route knows the service code of what it touches (an application, a
booking, a delivery), it calls ``require_errand`` so a delegation for one errand reaches no other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from backend.kit import errors

HEADER = "Yiwang-Delegation"
ALL = "*"


class ActingNotAllowed(errors.Forbidden, code="assist.acting_not_allowed"):
    zh = "此处不能代办|这项操作不能以代办方式进行，请结束代办后再操作。"
    en = "Not possible while acting for someone|This operation cannot be done under a delegation; stop acting first."


class NoDelegation(errors.Forbidden, code="assist.no_delegation"):
    zh = "没有有效的授权|办理此事项需要群众本人有效的授权委托（在授权期内、包含此事项、属于本乡镇）。"
    en = "No valid delegation|This errand needs a valid delegation from the person (in date, covering it, of your township)."


@dataclass(frozen=True)
class Acting:
    """Who acts (the staff person), under which delegation, for which errands (service codes or ``*``)."""

    staff_id: int
    delegation_id: int
    errands: tuple[str, ...]

    def covers(self, service_code: str) -> bool:
        return ALL in self.errands or service_code in self.errands


@dataclass(frozen=True)
class Grant:
    """What the resolver found: the person the delegation is from, and its errands."""

    person_id: int
    delegation_id: int
    errands: tuple[str, ...]


# (staff session, delegation id) → the grant, or raise NoDelegation. The session is auth's SessionInfo.
Resolver = Callable[[Any, int], Awaitable[Grant]]
_resolver: Resolver | None = None


def register(resolver: Resolver) -> None:
    """The assisted service registers its check when it is imported."""
    global _resolver
    _resolver = resolver


async def resolve(staff_session: Any, delegation_id: int) -> Grant:
    if _resolver is None:  # no assisted service in this process: nobody may act for anyone
        raise NoDelegation()
    return await _resolver(staff_session, delegation_id)


def parse(value: str) -> int:
    """The delegation id of the header; anything but a plain positive number is no delegation."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18 or int(value) < 1:
        raise NoDelegation()
    return int(value)


def require_errand(session: Any, service_code: str) -> None:
    """Refuse an acting session whose delegation does not cover the errand; anyone else passes."""
    acting: Acting | None = getattr(session, "acting", None)
    if acting is not None and not acting.covers(service_code):
        raise NoDelegation()
