"""The one permission check, and the route wrapper that applies it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request

from auth import consent as consents
from auth.errors import (
    AssuranceRequired,
    ConsentRequired,
    CsrfFailed,
    Forbidden,
    IdentityRequired,
    NotAuthenticated,
    SecondFactorRequired,
    SessionRevoked,
)
from auth.middleware import REVOKED, SAFE_METHODS, security_requirements
from auth.models import STAFF_ROLES
from auth.sessions import SessionInfo
from backend.kit import audit
from backend.kit.api import Documented, Handler, Operation
from backend.kit.transactions import transaction


async def authorize(
    session: SessionInfo | None,
    *,
    roles: Sequence[str] = (),
    scope: str | None = None,
    verified: bool = False,
    action: str = "",
    assurance: int = 0,
    consent: bool = True,
) -> SessionInfo:
    """Allow the request or raise 401/403. Staff roles also need the second factor; ``assurance``
    is the proof of identity (auth.models levels) the session's channel must have brought; a
    resident must have agreed to the current documents (``consent=False``: the routes that ask)."""
    if session is None:
        raise NotAuthenticated()
    if not roles and consent and consents.required(session):
        raise ConsentRequired()
    if (verified or assurance) and session.person_id is None:
        raise IdentityRequired()
    if session.assurance < assurance:
        raise AssuranceRequired()
    if roles:
        if not any(session.has_role(role, scope) for role in roles):
            async with transaction():
                await audit.record(
                    actor=f"person:{session.person_id}" if session.person_id else f"account:{session.account_id}",
                    action="authz.denied",
                    object_type="operation",
                    object_id=action[:64],
                    result="denied",
                    detail={"roles": list(roles), "scope": scope},
                )
            raise Forbidden()
        if any(role in STAFF_ROLES for role in roles) and not session.mfa:
            raise SecondFactorRequired()
        if consent and consents.required(session):
            raise ConsentRequired()
    return session


def current_session(request: Request) -> SessionInfo | None:
    return request.scope.get("yiwang.session")


def requires(*, roles: Sequence[str] = (), verified: bool = False, consent: bool = True):
    """Route wrapper: checks the session and passes it to the handler as ``session=``.

    ``consent=False`` only for the routes a resident needs before agreeing (who am I, agree, log out).
    """

    async def guard(op: Operation, request: Request) -> None:
        if current_session(request) is None and request.scope.get(REVOKED):
            raise SessionRevoked()
        await authorize(current_session(request), roles=roles, verified=verified, consent=consent, action=f"{op.method} {op.path}")

    def wrap(op: Operation, call: Handler) -> Handler:
        async def guarded(request: Request, **kwargs: Any) -> Any:
            # The guard already allowed this request; here the session is only handed on.
            session = current_session(request)
            assert session is not None
            return await call(request, session=session, **kwargs)

        guarded.__name__ = call.__name__
        return guarded

    def document(op: Operation) -> Documented:
        raised: list = [NotAuthenticated, SessionRevoked]
        if op.method not in SAFE_METHODS:
            raised.append(CsrfFailed)
        # Only resident sessions are asked; a staff-only route lets none of them through.
        if consent and not (roles and all(role in STAFF_ROLES for role in roles)):
            raised.append(ConsentRequired)
        if verified:
            raised.append(IdentityRequired)
        if roles:
            raised.append(Forbidden)
            if any(role in STAFF_ROLES for role in roles):
                raised.append(SecondFactorRequired)
        who = "roles: " + ", ".join(roles) if roles else "verified person" if verified else "signed in"
        return Documented(errors=tuple(raised), security=security_requirements(op.method), access=who)

    wrap.guard = guard  # type: ignore[attr-defined]
    wrap.document = document  # type: ignore[attr-defined]
    return wrap
