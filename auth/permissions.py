"""The one permission check, and the route wrapper that applies it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
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
from auth.models import IN_PERSON, STAFF_ROLES
from auth.sessions import SessionInfo
from backend.kit import acting as acting_kit
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


ACTING = "yiwang.acting_session"  # scope key: the session derived for a request made under a delegation


ACTING_PARAMETER: dict[str, Any] = {
    "name": acting_kit.HEADER,
    "in": "header",
    "required": False,
    "description": "Township staff acting for a villager (帮办代办): the id of the villager's active delegation",
    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
}


def current_session(request: Request) -> SessionInfo | None:
    return request.scope.get("yiwang.session")


async def acting_session(session: SessionInfo, header: str) -> SessionInfo:
    """The session a staff member's request runs with when it acts for a villager (帮办代办).

    The header names a delegation; the resolver the assisted service registered checks it is active,
    in date and of the staff's township (403 ``assist.no_delegation`` otherwise). The derived session
    is the villager's for this one request and is never stored:
    - ``assurance`` IN_PERSON: the township worker checked the villager's 身份证 in person when
      registering or looking them up, and the delegation was recorded against that person;
    - ``consents``: the current documents, since the signed delegation (授权委托书 or the
      villager's SMS code) covers the terms and privacy notice and the processing of the ID number;
    - ``roles``: resident only, so nothing a staff role allows leaks into the villager's errands;
    - ``acting``: the staff person, the delegation and its errands; ``principal`` then reads
      actor=staff, on_behalf_of=villager, authorisation=delegation.
    """
    if not session.is_staff or session.person_id is None:
        raise acting_kit.ActingNotAllowed()
    if not session.mfa:
        raise SecondFactorRequired()
    grant = await acting_kit.resolve(session, acting_kit.parse(header))
    library = consents.library()
    return replace(
        session,
        account_id=None,
        person_id=grant.person_id,
        mfa=False,
        roles=[["resident", ""]],
        assurance=IN_PERSON,
        consents=[library.current(document).key for document in consents.DOCUMENTS],
        acting=acting_kit.Acting(staff_id=session.person_id, delegation_id=grant.delegation_id, errands=grant.errands),
    )


def requires(*, roles: Sequence[str] = (), verified: bool = False, consent: bool = True, acting: bool = False):
    """Route wrapper: checks the session and passes it to the handler as ``session=``.

    ``consent=False`` only for the routes a resident needs before agreeing (who am I, agree, log out).
    ``acting=True``: township staff may call the route for a villager with the ``Yiwang-Delegation``
    header (``acting_session``); every other route refuses the header with 403 ``assist.acting_not_allowed``.
    """

    async def guard(op: Operation, request: Request) -> None:
        session = current_session(request)
        if session is None and request.scope.get(REVOKED):
            raise SessionRevoked()
        header = request.headers.get(acting_kit.HEADER)
        if header is not None and session is not None:
            if not acting:
                raise acting_kit.ActingNotAllowed()
            session = await acting_session(session, header)
            request.scope[ACTING] = session
            # Idempotency keys of acting requests are the staff member's, kept apart per delegation.
            request.scope["yiwang.principal"] = f"{request.scope.get('yiwang.principal')}/{session.principal.authorisation}"
        await authorize(session, roles=roles, verified=verified, consent=consent, action=f"{op.method} {op.path}")

    def wrap(op: Operation, call: Handler) -> Handler:
        async def guarded(request: Request, **kwargs: Any) -> Any:
            # The guard already allowed this request; here the session is only handed on.
            session = request.scope.get(ACTING) or current_session(request)
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
        parameters: tuple[dict[str, Any], ...] = ()
        if acting:
            raised += [acting_kit.NoDelegation, acting_kit.ActingNotAllowed]
            if SecondFactorRequired not in raised:
                raised.append(SecondFactorRequired)
            parameters = (ACTING_PARAMETER,)
        else:  # every other signed-in route refuses the header
            raised.append(acting_kit.ActingNotAllowed)
        who = "roles: " + ", ".join(roles) if roles else "verified person" if verified else "signed in"
        if acting:
            who += "; township staff for a villager under a delegation (Yiwang-Delegation)"
        return Documented(errors=tuple(raised), parameters=parameters, security=security_requirements(op.method), access=who)

    wrap.guard = guard  # type: ignore[attr-defined]
    wrap.document = document  # type: ignore[attr-defined]
    return wrap
