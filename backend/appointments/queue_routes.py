"""Queue endpoints: check-in and walk-in tickets, the staff's queue, the public board, my ticket."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.permissions import requires
from auth.sessions import SessionInfo
from backend.appointments import board, booking, queue
from backend.appointments.flows import APPOINTMENT, TICKET
from backend.appointments.queue import (
    CallNextIn,
    CheckInIn,
    DayQuery,
    HallAppointments,
    HallQueue,
    TicketOut,
    TicketPlace,
    TransferIn,
    WalkInIn,
)
from backend.kit.api import API, anyone
from backend.kit.idempotency import HEADER_PARAMETER, idempotent

api = API(prefix="/api/v1")
STAFF = requires(roles=queue.STAFF)

# One Server-Sent Event of the board: data is the board (BoardOut) as JSON.
SSE_EVENT = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {"type": "string", "contentMediaType": "application/json"},
        "event": {"type": "string"},
        "id": {"type": "string", "pattern": "^[0-9]{1,18}$"},
        "retry": {"type": "integer"},
    },
}


def _now() -> datetime:
    return datetime.now(UTC)


def _code(request: Request) -> str:
    return request.path_params["code"]


def _ticket_id(request: Request) -> int:
    return request.path_params["ticket_id"]


@api.post(
    "/staff/halls/{code}/check-in",
    summary="Check in an appointment by its code (QR or typed): its queue ticket, the same one when scanned again",
    tags=["queue"],
    body=CheckInIn,
    response=TicketOut,
    status=201,
    also=[200],
    errors=[
        booking.HallNotFound,
        queue.CodeUnknown,
        queue.WrongHall,
        queue.TooEarly,
        queue.TooLate,
        queue.GroupNotFound,
        APPOINTMENT.error,
    ],
    wrappers=[STAFF],
)
async def check_in(request: Request, *, body: CheckInIn, session: SessionInfo) -> JSONResponse:
    ticket, created = await queue.check_in(session=session, hall_code=_code(request), code=body.code, now=_now())
    return JSONResponse((await queue.present(ticket)).model_dump(mode="json"), status_code=201 if created else 200)


@api.post(
    "/staff/halls/{code}/tickets",
    summary="Issue a walk-in ticket (取号) for a service, behind appointments due at the same time",
    tags=["queue"],
    body=WalkInIn,
    response=TicketOut,
    status=201,
    headers=[HEADER_PARAMETER],
    errors=[booking.HallNotFound, queue.GroupNotFound, queue.NoWindowForService],
    wrappers=[STAFF, idempotent],
)
async def walk_in(request: Request, *, body: WalkInIn, session: SessionInfo) -> JSONResponse:
    ticket = await queue.walk_in(
        session=session, hall_code=_code(request), service_code=body.service_code, group_id=body.group_id, now=_now()
    )
    return JSONResponse((await queue.present(ticket)).model_dump(mode="json"), status_code=201)


@api.get(
    "/staff/halls/{code}/queue",
    summary="Today's queue of the hall, per window group",
    tags=["queue"],
    response=HallQueue,
    errors=[booking.HallNotFound],
    wrappers=[STAFF],
)
async def hall_queue(request: Request, *, session: SessionInfo) -> HallQueue:
    return await queue.hall_queue(session=session, hall_code=_code(request), now=_now())


@api.get(
    "/staff/halls/{code}/appointments",
    summary="The hall's appointments of a day (today by default), names masked",
    tags=["queue"],
    query=DayQuery,
    response=HallAppointments,
    errors=[booking.HallNotFound],
    wrappers=[STAFF],
)
async def hall_appointments(request: Request, *, query: DayQuery, session: SessionInfo) -> HallAppointments:
    return await queue.hall_appointments(session=session, hall_code=_code(request), day=query.date, now=_now())


@api.post(
    "/staff/halls/{code}/call-next",
    summary="Call the next ticket of a window group to a window",
    tags=["queue"],
    body=CallNextIn,
    response=TicketOut,
    errors=[booking.HallNotFound, queue.GroupNotFound, queue.UnknownWindow, queue.QueueEmpty, queue.QueueBusy],
    wrappers=[STAFF],
)
async def call_next(request: Request, *, body: CallNextIn, session: SessionInfo) -> TicketOut:
    ticket = await queue.call_next(session=session, hall_code=_code(request), group_id=body.group_id, window=body.window, now=_now())
    return await queue.present(ticket)


@api.post(
    "/staff/tickets/{ticket_id:int}/recall",
    summary="Call a called ticket again",
    tags=["queue"],
    response=TicketOut,
    errors=[queue.TicketNotFound, TICKET.error],
    wrappers=[STAFF],
)
async def recall_ticket(request: Request, *, session: SessionInfo) -> TicketOut:
    return await queue.present(await queue.recall(session=session, ticket_id=_ticket_id(request)))


@api.post(
    "/staff/tickets/{ticket_id:int}/serve",
    summary="Mark a called ticket served",
    tags=["queue"],
    response=TicketOut,
    errors=[queue.TicketNotFound, TICKET.error],
    wrappers=[STAFF],
)
async def serve_ticket(request: Request, *, session: SessionInfo) -> TicketOut:
    return await queue.present(await queue.serve(session=session, ticket_id=_ticket_id(request)))


@api.post(
    "/staff/tickets/{ticket_id:int}/absent",
    summary="Mark a called ticket absent (过号), after the configured number of calls",
    tags=["queue"],
    response=TicketOut,
    errors=[queue.TicketNotFound, queue.NotCalledEnough, TICKET.error],
    wrappers=[STAFF],
)
async def mark_absent(request: Request, *, session: SessionInfo) -> TicketOut:
    return await queue.present(await queue.mark_absent(session=session, ticket_id=_ticket_id(request)))


@api.post(
    "/staff/tickets/{ticket_id:int}/transfer",
    summary="Send a ticket to another window group of the hall (keeps its label and place in time)",
    tags=["queue"],
    body=TransferIn,
    response=TicketOut,
    errors=[queue.TicketNotFound, queue.GroupNotFound, queue.SameGroup, TICKET.error],
    wrappers=[STAFF],
)
async def transfer_ticket(request: Request, *, body: TransferIn, session: SessionInfo) -> TicketOut:
    return await queue.present(await queue.transfer(session=session, ticket_id=_ticket_id(request), group_id=body.group_id))


@api.get(
    "/tickets/{ticket_id:int}",
    summary="My queue ticket: status, tickets ahead, estimated wait, window",
    tags=["queue"],
    response=TicketPlace,
    errors=[queue.TicketNotFound],
    wrappers=[requires()],
)
async def my_ticket(request: Request, *, session: SessionInfo) -> TicketPlace:
    return await queue.my_ticket(session=session, ticket_id=_ticket_id(request))


@api.get(
    "/halls/{code}/board",
    summary="The hall's queue board: numbers called, windows, waiting and estimated wait (no personal data)",
    tags=["queue"],
    response=board.BoardOut,
    errors=[booking.HallNotFound],
    wrappers=[anyone],
)
async def hall_board(request: Request) -> Response:
    state = await board.snapshot(await board.hall_or_404(_code(request)))
    return JSONResponse(state.model_dump(mode="json"), headers={"Cache-Control": "no-cache"})


@api.get(
    "/halls/{code}/board/stream",
    summary="Server-Sent Events: the hall's board each time it changes (event board, data BoardOut)",
    tags=["queue"],
    content={"text/event-stream": {"schema": SSE_EVENT}},
    errors=[booking.HallNotFound],
    wrappers=[anyone],
)
async def hall_board_stream(request: Request) -> Response:
    return board.response(await board.hall_or_404(_code(request)))
