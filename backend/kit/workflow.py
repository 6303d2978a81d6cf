"""One workflow engine for every domain with states (办件, 预约, 寄递, 代办 …).

A domain declares its workflow as data: its statuses with the words people read, and its steps.
A step is an action with the statuses it may start from and where each leads (the same status
for actions such as ``record_trip`` that only some statuses allow), the timeline words, and an
optional effect beside it (a small function returning the extra columns the step writes).

``transition()`` is the only writer of a ``status`` column. In one transaction it does the
UPDATE conditional on the status it read (two clerks acting at once cannot both win), writes
the shared ``workflow_event`` row (who acted, for whom, under which authorisation), the audit row,
and lets the domain write its notice (the outbox row) through ``on_event``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar

from tortoise.expressions import Expression
from tortoise.models import Model

from backend.kit import audit, errors
from backend.kit.models import WorkflowEvent
from backend.kit.transactions import transaction

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Principal:
    """Who acts, for whom, and under which authorisation.

    A resident acting for themself is ``Principal("person:12", "person:12")``; a township clerk
    helping a villager (帮办代办) will be ``Principal("person:7", "person:12", "delegation:3")``;
    a clerk deciding a case acts for nobody but the office (``on_behalf_of=None``).
    """

    actor: str
    on_behalf_of: str | None = None
    authorisation: str | None = None

    def detail(self) -> dict[str, str]:
        """The principal as audit detail (ids only, nothing personal)."""
        return {k: v for k, v in (("on_behalf_of", self.on_behalf_of), ("authorisation", self.authorisation)) if v}

    def notice_data(self) -> dict[str, str | None]:
        """The principal in a notice's ``data`` (ids only): who did it, for whom, under what."""
        return {"actor": self.actor, "on_behalf_of": self.on_behalf_of, "authorisation": self.authorisation}


SYSTEM = Principal(actor="system")


@dataclass(frozen=True)
class StepContext:
    """What an effect function knows about the step it belongs to."""

    source: str
    target: str
    now: datetime
    today: date
    note: str


Effect = Callable[[Any, StepContext], Mapping[str, Any]]


@dataclass(frozen=True)
class Step:
    """One action: from which statuses, to which, the words on the timeline, and its effect."""

    action: str
    moves: Mapping[str, str]  # from status → to status (to == from: allowed there, status unchanged)
    timeline: str  # what the person reads on the timeline (跟踪办)
    verb: str  # the action in a sentence: 不能“{verb}”
    effect: Effect | None = None
    recorded: bool = True  # False: a guard only (autosave, attach), no event row


@dataclass
class Workflow(Generic[M]):
    """A domain's statuses and steps; ``on_event`` writes its notice in the same transaction."""

    name: str  # object_type on the events, e.g. "application"
    model: type[M]
    labels: Mapping[str, str]  # status → the words people read (已受理)
    initial: str
    steps: Mapping[str, Step]
    subject: Callable[[M], str | None]  # whose data the object is, for the audit row
    noun: str = "办件"  # "办件当前为…"
    on_event: Callable[[M, WorkflowEvent], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        for step in self.steps.values():
            for source, target in step.moves.items():
                if source not in self.labels or target not in self.labels:
                    raise ValueError(f"{self.name}.{step.action}: unknown status in {source} → {target}")
        if self.initial not in self.labels:
            raise ValueError(f"{self.name}: unknown initial status {self.initial}")
        # One stable code per workflow (application.illegal_transition), documented by the routes that use it.
        self.error: type[IllegalTransition] = type(
            f"{self.name.title().replace('_', '')}IllegalTransition",
            (IllegalTransition,),
            {"zh": IllegalTransition.zh, "en": IllegalTransition.en, "__module__": __name__},
            code=f"{self.name}.illegal_transition",
        )
        REGISTRY[self.name] = self

    def moves(self) -> list[tuple[str, str, str]]:
        """Every (from, action, to) of the table."""
        return [(source, step.action, target) for step in self.steps.values() for source, target in step.moves.items()]

    def reachable(self) -> set[str]:
        """Statuses reachable from the initial one by the table's moves."""
        seen, todo = {self.initial}, [self.initial]
        while todo:
            status = todo.pop()
            for source, _, target in self.moves():
                if source == status and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def allowed_in(self, action: str) -> tuple[str, ...]:
        """The statuses in which ``action`` may be taken."""
        step = self.steps.get(action)
        return tuple(step.moves) if step else ()

    def require(self, obj: M, action: str) -> None:
        """Raise IllegalTransition unless ``action`` is allowed in the object's current status."""
        if obj.status not in self.allowed_in(action):  # type: ignore[attr-defined]
            raise self.illegal(obj.status, action)  # type: ignore[attr-defined]
        EXERCISED.add((self.name, obj.status, action))  # type: ignore[attr-defined]

    def illegal(self, status: str, action: str) -> IllegalTransition:
        step = self.steps.get(action)
        return self.error(noun=self.noun, status=self.labels.get(status, "未知状态"), action=f"“{step.verb}”" if step else "这样操作")

    def fields_for_create(self) -> dict[str, Any]:
        """The columns a new object starts with (its initial status)."""
        return {"status": self.initial}


REGISTRY: dict[str, Workflow] = {}
# (workflow, from, action) taken in this process: the meta-test checks every move was exercised.
EXERCISED: set[tuple[str, str, str]] = set()


class IllegalTransition(errors.Conflict, code="workflow.illegal_transition"):
    zh = "当前状态不能进行此操作|{noun}当前为“{status}”，不能{action}。请刷新页面查看最新进度。"  # action comes quoted
    en = "Not possible in the current state|Not possible in the current state. Reload to see the latest progress."


async def transition(
    workflow: Workflow[M],
    obj: M,
    *,
    action: str,
    by: Principal,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> M:
    """Take ``action`` on ``obj``: guarded status UPDATE, event row, audit row and notice in one transaction."""
    source: str = obj.status  # type: ignore[attr-defined]
    step = workflow.steps.get(action)
    target = step.moves.get(source) if step else None
    if step is None or target is None:
        raise workflow.illegal(source, action)
    now = datetime.now(UTC)
    context = StepContext(source=source, target=target, now=now, today=today or now.date(), note=note)
    values: dict[str, Any] = dict(changes or {})
    if step.effect is not None:
        values.update(step.effect(obj, context))
    values["status"] = target
    async with transaction():
        updated = await workflow.model.filter(id=obj.pk, status=source).update(**values)
        if updated != 1:
            current = await workflow.model.get(id=obj.pk)
            raise workflow.illegal(current.status, action)  # type: ignore[attr-defined]
        computed = [key for key, value in values.items() if isinstance(value, Expression)]  # e.g. trips = trips + 1
        for key, value in values.items():
            if key not in computed:
                setattr(obj, key, value)
        if computed:
            await obj.refresh_from_db(fields=computed)
        event = None
        if step.recorded:
            event = await WorkflowEvent.create(
                object_type=workflow.name,
                object_id=obj.pk,
                action=action,
                status_from=source,
                status_to=target,
                actor=by.actor,
                on_behalf_of=by.on_behalf_of,
                authorisation=by.authorisation,
                at=now,
                note=note[:2000],
            )
            await audit.record(
                actor=by.actor,
                subject=workflow.subject(obj),
                action=f"{workflow.name}.{action}",
                object_type=workflow.name,
                object_id=obj.pk,
                detail={"from": source, "to": target, **by.detail()},
            )
            if workflow.on_event is not None:
                await workflow.on_event(obj, event)  # same transaction: no change without its notice, no notice without it
    EXERCISED.add((workflow.name, source, action))
    return obj


async def events(workflow: Workflow, object_id: int) -> list[WorkflowEvent]:
    """The object's events, oldest first (its timeline)."""
    return await WorkflowEvent.filter(object_type=workflow.name, object_id=object_id).order_by("id")


async def events_of_many(workflow: Workflow, object_ids: list[int]) -> dict[int, list[WorkflowEvent]]:
    """Events of several objects in one query, by object id."""
    grouped: dict[int, list[WorkflowEvent]] = {i: [] for i in object_ids}
    if not object_ids:
        return grouped
    for event in await WorkflowEvent.filter(object_type=workflow.name, object_id__in=object_ids).order_by("id"):
        grouped[event.object_id].append(event)
    return grouped


@dataclass
class Coverage:
    """Which moves of the registered workflows no test took (for the meta-test)."""

    missing: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def now(cls) -> Coverage:
        return cls(missing=sorted((w.name, s, a) for w in REGISTRY.values() for s, a, _ in w.moves() if (w.name, s, a) not in EXERCISED))
