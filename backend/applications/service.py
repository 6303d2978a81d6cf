"""Application decisions (办件): drafts, one-form prefill, submission, review, public tracking."""

from __future__ import annotations

import asyncio
import io
import math
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from auth import service as identity
from auth.errors import Forbidden
from auth.idnumber import InvalidIdNumber
from auth.idnumber import normalize as normalize_id_number
from auth.models import Person
from auth.permissions import authorize
from auth.sessions import SessionInfo
from backend.applications import flows, notices, tracking
from backend.applications.flows import APPLICATION, STATUS_TEXT
from backend.applications.models import Application, AttachedMaterial, Certificate
from backend.applications.schemas import ApplicationOut, AttachedOut, CorrectionItem, CorrectionOut, QualityHint, TimelineOut
from backend.catalog import eligibility
from backend.catalog import service as catalog
from backend.catalog import versions as catalog_versions
from backend.catalog.schemas import FormField, ServiceGuide
from backend.delivery.flows import DELIVERY
from backend.delivery.models import DeliveryOrder
from backend.kit import audit, errors
from backend.kit.acting import require_errand
from backend.kit.models import WorkflowEvent
from backend.kit.pii import mask_name
from backend.kit.qr import qr_png, qr_svg
from backend.kit.resources import current
from backend.kit.transactions import transaction
from backend.kit.workflow import events_of_many as workflow_events_of_many
from backend.kit.workflow import transition
from backend.materials import service as materials

REVIEWERS = ("staff", "approver", "admin")
DECIDERS = ("approver", "admin")


class ApplicationNotFound(errors.NotFound, code="application.not_found"):
    zh = "找不到该办件|没有找到这个办件，或您无权查看。"
    en = "Application not found|There is no such application, or you may not see it."


class FormInvalid(errors.Invalid, code="application.form_invalid"):
    zh = "申请表填写有误|请按提示修改申请表后再提交。"
    en = "The application form has errors|Correct the fields listed and submit again."


class DraftBusy(errors.Conflict, code="application.draft_busy"):
    zh = "草稿正在变更|该事项的草稿正在被提交或撤回，请稍后刷新再试。"
    en = "The draft is changing|Your draft of this item is being submitted or withdrawn; reload and try again."


class ConditionUnmet(errors.Invalid, code="application.condition_unmet"):
    zh = "暂不符合办理条件|{reason}"
    en = "A condition of this service is not met|{reason_en}"


class UnknownCorrectionItem(errors.Invalid, code="application.unknown_correction_item"):
    zh = "补正项目不属于该事项|补正清单中的“{item}”不是该事项的材料或表单项。"
    en = "Unknown item in the correction request|'{item}' is neither a material nor a form field of this service."


# ---- the form (一表申请) --------------------------------------------------------------------

_PHONE = re.compile(r"^1[3-9]\d{9}$")


def _field_error(field: FormField, code: str, zh: str, en: str) -> dict[str, str]:
    return {"field": f"form.{field.key}", "code": code, "message_zh": zh, "message_en": en}


def _number(value: Any) -> int | float | None:
    """A number, also from the text a form field sends ("12", "3.5"); None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}(\.\d{1,4})?", value.strip()):
        text = value.strip()
        return float(text) if "." in text else int(text)
    return None


def local_today() -> date:
    """Today where the service is (Asia/Shanghai by default): ages and dates turn at local midnight."""
    return datetime.now(ZoneInfo(current().settings.timezone)).date()


async def check_conditions(*, session: SessionInfo, guide: ServiceGuide) -> None:
    """Refuse, in plain words, a person whose ID number shows a declared condition is not met."""
    rules = guide.eligibility
    if rules.min_age is None and rules.max_age is None and not rules.regions:
        return
    id_number = (await identity.personal_details(person_id=session.person_id)).get("id_number")
    if id_number is None:  # verified people have one; without it there is nothing to check against
        return
    unmet = eligibility.check(rules, id_number, local_today())
    if unmet is not None:
        raise ConditionUnmet(reason=unmet.zh, reason_en=unmet.en)


def validate_form(guide: ServiceGuide, form: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """Check a form against the item's schema; ``complete`` also demands every required field."""
    fields = {f.key: f for f in guide.form_schema}
    problems: list[dict[str, str]] = []
    for key in form:
        if key not in fields:
            problems.append(
                {
                    "field": f"form.{key}",
                    "code": "unknown_field",
                    "message_zh": "该事项没有这一项",
                    "message_en": "Not a field of this form",
                }
            )
    clean: dict[str, Any] = {}
    for key, field in fields.items():
        value = form.get(key)
        if value is None or value == "":
            if complete and field.required:
                problems.append(_field_error(field, "missing", f"请填写“{field.label}”", f"{field.label} is required"))
            elif complete and (rule := field.required_if) is not None and form.get(rule.key) == rule.value:
                problems.append(
                    _field_error(
                        field,
                        "missing",
                        f"请填写“{field.label}”（选择“{rule.value}”时必填）",
                        f"{field.label} is required with '{rule.value}'",
                    )
                )
            continue
        if field.type == "number":
            number = _number(value)
            if number is None:
                problems.append(_field_error(field, "number", f"“{field.label}”请填写数字", "Must be a number"))
                continue
            if field.min is not None and number < field.min:
                problems.append(_field_error(field, "too_small", f"“{field.label}”不能小于 {field.min:g}", f"At least {field.min:g}"))
                continue
            if field.max is not None and number > field.max:
                problems.append(_field_error(field, "too_large", f"“{field.label}”不能大于 {field.max:g}", f"At most {field.max:g}"))
                continue
            value = number
        elif not isinstance(value, str):
            problems.append(_field_error(field, "text", f"“{field.label}”应为文字", "Must be text"))
            continue
        else:
            value = value.strip()
            if len(value) > field.max_length:
                problems.append(
                    _field_error(
                        field, "too_long", f"“{field.label}”不能超过 {field.max_length} 个字", f"At most {field.max_length} characters"
                    )
                )
                continue
            if field.type == "phone" and not _PHONE.match(value):
                problems.append(_field_error(field, "phone", "请填写 11 位手机号码", "Enter an 11-digit mobile number"))
                continue
            if field.type == "id_number":
                try:
                    value = normalize_id_number(value)
                except InvalidIdNumber as exc:
                    problems.append(_field_error(field, "id_number", exc.zh, exc.en))
                    continue
            if field.type == "date":
                try:
                    day = date.fromisoformat(value)
                except ValueError:
                    problems.append(_field_error(field, "date", f"“{field.label}”请按 年-月-日 填写，如 2026-01-31", "Use YYYY-MM-DD"))
                    continue
                if field.when == "past" and day > local_today():
                    problems.append(_field_error(field, "date_future", f"“{field.label}”不能晚于今天", "Cannot be after today"))
                    continue
                if field.when == "future" and day < local_today():
                    problems.append(_field_error(field, "date_past", f"“{field.label}”不能早于今天", "Cannot be before today"))
                    continue
                value = day.isoformat()
            if field.type == "select" and value not in field.options:
                problems.append(_field_error(field, "option", f"“{field.label}”请从给出的选项中选择", "Choose one of the options"))
                continue
        clean[key] = value
    if problems:
        raise FormInvalid(errors=problems)
    return clean


async def prefill(*, session: SessionInfo, service_code: str) -> dict[str, Any]:
    """Values for the form from the verified identity and the person's earlier applications."""
    await authorize(session, verified=True)
    require_errand(session, service_code)
    guide = await catalog.guide(code=service_code)
    details = await identity.personal_details(person_id=session.person_id)
    earlier: dict[str, Any] = {}
    # values_list(flat=True) gives the values; tortoise types them as tuples
    forms = await Application.filter(person_id=session.person_id).exclude(status="draft").order_by("id").values_list("form", flat=True)
    for form in cast(list[dict[str, Any]], forms):
        earlier.update({k: v for k, v in form.items() if v not in (None, "")})
    values: dict[str, Any] = {}
    for field in guide.form_schema:
        if field.prefill == "previous" and field.key in earlier:
            values[field.key] = earlier[field.key]
        elif field.prefill and field.prefill.startswith("person.") and details.get(field.prefill[7:]):
            values[field.key] = details[field.prefill[7:]]
    return values


# ---- the resident's side --------------------------------------------------------------------


async def create_draft(*, session: SessionInfo, service_code: str, form: dict[str, Any]) -> tuple[Application, bool]:
    """The person's open draft for the item: a new one (True), or the one already open (False).

    One open draft per person and item (a partial unique index): a retry after a lost answer or
    a double tap gets the same draft back, with what was saved in it, instead of a second one.
    """
    await authorize(session, verified=True)
    require_errand(session, service_code)  # staff acting for a villager: only the errands delegated
    guide = await catalog.guide(code=service_code)
    await authorize(session, assurance=guide.assurance_required)
    await check_conditions(session=session, guide=guide)
    clean = validate_form(guide, form, complete=False)
    for _ in range(3):  # the draft we collided with may be submitted or withdrawn before we read it
        existing = await Application.get_or_none(person_id=session.person_id, service_code=guide.code, status=APPLICATION.initial)
        if existing is not None:
            return existing, False
        try:
            async with transaction():  # a savepoint inside a caller's transaction: the loser must not abort it
                application = await Application.create(
                    person_id=session.person_id,
                    service_code=guide.code,
                    service_name=guide.name,
                    department_id=guide.department,
                    service_version=guide.version,
                    form=clean,
                    **APPLICATION.fields_for_create(),
                )
                if session.acting is not None:  # a draft started by staff for a villager is on the record
                    await audit.record(
                        actor=session.principal.actor,
                        subject=f"person:{session.person_id}",
                        action="application.draft_created",
                        object_type="application",
                        object_id=application.id,
                        detail={"service": guide.code, **session.principal.detail()},
                    )
                    await notices.tell_draft_started(application, by=session.principal)
            return application, True
        except IntegrityError:
            continue
    raise DraftBusy(headers={"Retry-After": "1"})


async def _for_reader(session: SessionInfo, application_id: int) -> Application:
    """The case if the reader owns it or reviews its department; otherwise 404 (no hint it exists)."""
    application = await Application.get_or_none(id=application_id)
    if application is None:
        raise ApplicationNotFound()
    if application.person_id == session.person_id:
        require_errand(session, application.service_code)
        return application
    scopes = await scopes_covering(application) if session.is_staff else []
    if session.mfa and any(session.has_role(r, s) for r in REVIEWERS for s in scopes):
        return application
    raise ApplicationNotFound()


async def rules_of(application: Application) -> ServiceGuide:
    """The item as the case's catalog version says it (form, materials, conditions, time limits), not as it is now."""
    return await catalog_versions.guide_of(code=application.service_code, version=application.service_version)


async def _own(session: SessionInfo, application_id: int) -> Application:
    application = await Application.get_or_none(id=application_id, person_id=session.person_id)
    if application is None:
        raise ApplicationNotFound()
    require_errand(session, application.service_code)
    return application


async def save_form(*, session: SessionInfo, application_id: int, form: dict[str, Any]) -> Application:
    """Autosave: the draft (or a case waiting for corrections) keeps what was typed so far."""
    application = await _own(session, application_id)
    APPLICATION.require(application, "edit")
    clean = validate_form(await rules_of(application), form, complete=False)
    updated = await Application.filter(id=application.id, status__in=APPLICATION.allowed_in("edit")).update(form=clean)
    if not updated:
        raise APPLICATION.illegal((await Application.get(id=application.id)).status, "edit")
    application.form = clean
    return application


async def submit(*, session: SessionInfo, application_id: int) -> Application:
    """Submit a draft, or resubmit after corrections; the whole form must be valid."""
    application = await _own(session, application_id)
    if application.status not in APPLICATION.allowed_in("submit") + APPLICATION.allowed_in("resubmit"):
        raise APPLICATION.illegal(application.status, "submit")  # say so before listing what the form lacks
    if application.status == "draft" and await catalog.published_name(application.service_code) is None:
        raise catalog.ServiceNotFound(code=application.service_code)  # a withdrawn item takes no new cases
    guide = await rules_of(application)
    await authorize(session, assurance=guide.assurance_required)  # the item may ask for more since the draft
    await check_conditions(session=session, guide=guide)  # a birthday passes, or the item's conditions change
    clean = validate_form(guide, application.form, complete=True)
    if missing := await _missing_materials(application, guide):
        raise MaterialsMissing(errors=missing)
    if application.status == "correction_requested":
        return await transition(
            APPLICATION, application, action="resubmit", by=session.principal, changes={"form": clean, "corrections": []}
        )
    APPLICATION.require(application, "submit")
    today = datetime.now(UTC).date()
    return await transition(
        APPLICATION,
        application,
        action="submit",
        by=session.principal,
        changes={
            "form": clean,
            "tracking_no": await tracking.unused_tracking_number(),
            "due_date": flows.due_date(today, guide.promised_limit_days),
        },
    )


async def withdraw(*, session: SessionInfo, application_id: int) -> Application:
    application = await _own(session, application_id)
    return await transition(APPLICATION, application, action="withdraw", by=session.principal)


async def mine(*, session: SessionInfo) -> list[Application]:
    await authorize(session, verified=True)
    query = Application.filter(person_id=session.person_id)
    if session.acting is not None and "*" not in session.acting.errands:  # staff see the delegated errands only
        query = query.filter(service_code__in=list(session.acting.errands))
    return await query.order_by("-id").limit(100)


async def read(*, session: SessionInfo, application_id: int) -> Application:
    return await _for_reader(session, application_id)


# ---- materials (材料) --------------------------------------------------------------------------


class UnknownMaterialItem(errors.Invalid, code="application.unknown_material"):
    zh = "该事项不需要这项材料|“{key}”不是该事项的申请材料。"
    en = "Not a material of this service|'{key}' is not a material of this service."


class MaterialTrustTooLow(errors.Invalid, code="application.material_trust_too_low"):
    zh = "这份材料不能用于该事项|该材料需要窗口核验原件后的照片或电子证照"
    en = "This material cannot be used here|This item needs a clerk-checked photo or an e-certificate"


class MaterialExpired(errors.Invalid, code="application.material_expired"):
    zh = "材料已过有效期|这份材料已过有效期，请上传有效的材料"
    en = "Material expired|This material has expired"


class MaterialsMissing(errors.Invalid, code="application.materials_missing"):
    zh = "还缺少申请材料|请先上传或从材料库选择以下必交材料。"
    en = "Materials are missing|Upload or choose the required materials listed."


async def attach_material(*, session: SessionInfo, application_id: int, material_key: str, material_id: int) -> Application:
    """Put a photo or certificate from the person's library in a slot of the case.

    A slot holds one current material: attaching to a filled slot replaces it (a retake), and
    the older photo stays in the library. Reuse of a photo from before the case is recorded.
    """
    application = await _own(session, application_id)
    APPLICATION.require(application, "attach")
    guide = await rules_of(application)
    spec = next((m for m in guide.materials if m.key == material_key), None)
    if spec is None:
        raise UnknownMaterialItem(key=material_key[:40])
    material = await materials.owned(session=session, material_id=material_id)
    if material.trust_level < spec.min_trust:
        raise MaterialTrustTooLow()
    if material.expires_on is not None and material.expires_on < datetime.now(UTC).date():
        raise MaterialExpired()
    async with transaction():
        await _lock_editable(application, "attach")
        replaced = await _put_in_slot(
            application_id=application.id, key=material_key, material_id=material.id, reused=material.created_at < application.created_at
        )
        if replaced != material.id:
            await audit.record(
                actor=session.principal.actor,
                subject=f"person:{session.person_id}",
                action="application.material_attached",
                object_type="application",
                object_id=application.id,
                detail={"key": material_key, "material": material.id}
                | ({"replaced": replaced} if replaced else {})
                | (session.principal.detail() if session.acting else {}),
            )
    return application


async def _lock_editable(application: Application, action: str) -> None:
    """Take the case's row for this transaction, refusing once it left the editable statuses.

    An UPDATE rather than a read: on PostgreSQL it holds the row as FOR UPDATE would (a submit
    or another attach to the same case waits for this transaction), and on SQLite the
    transaction takes the write lock at its start, with the busy timeout, instead of upgrading
    a read later, which a commit by another process makes fail at once ("database is locked").
    """
    allowed = APPLICATION.allowed_in(action)
    if not await Application.filter(id=application.id, status__in=allowed).update(updated_at=datetime.now(UTC)):
        raise APPLICATION.illegal((await Application.get(id=application.id)).status, action)


async def _put_in_slot(*, application_id: int, key: str, material_id: int, reused: bool) -> int | None:
    """Make ``material_id`` the slot's current material; returns the material it had before, if any."""
    values: dict[str, Any] = {"material_id": material_id, "reused": reused, "created_at": datetime.now(UTC)}
    current = await AttachedMaterial.get_or_none(application_id=application_id, material_key=key)
    if current is not None:
        if current.material_id != material_id:
            await AttachedMaterial.filter(id=current.id).update(**values)
        return current.material_id
    try:
        async with transaction():  # a savepoint: an attach that filled the slot meanwhile wins the insert, we replace it
            await AttachedMaterial.create(application_id=application_id, material_key=key, **values)
    except IntegrityError:
        await AttachedMaterial.filter(application_id=application_id, material_key=key).update(**values)
    return None


async def detach_material(*, session: SessionInfo, application_id: int, material_key: str, material_id: int) -> Application:
    """Take a material out of its slot (it stays in the library); a slot refilled since is left alone."""
    application = await _own(session, application_id)
    APPLICATION.require(application, "detach")
    async with transaction():
        await _lock_editable(application, "detach")
        removed = await AttachedMaterial.filter(application_id=application.id, material_key=material_key, material_id=material_id).delete()
        if removed:
            await audit.record(
                actor=session.principal.actor,
                subject=f"person:{session.person_id}",
                action="application.material_detached",
                object_type="application",
                object_id=application.id,
                detail={"key": material_key, "material": material_id, **(session.principal.detail() if session.acting else {})},
            )
    return application


async def _missing_materials(application: Application, guide: ServiceGuide) -> list[dict[str, str]]:
    # values_list(flat=True) gives the values; tortoise types them as tuples
    attached = set(cast(list[str], await AttachedMaterial.filter(application_id=application.id).values_list("material_key", flat=True)))
    return [
        {"field": f"materials.{m.key}", "code": "missing", "message_zh": f"请提供“{m.name}”", "message_en": f"{m.name} is required"}
        for m in guide.materials
        if m.required and m.key not in attached
    ]


async def attached_file(*, session: SessionInfo, application_id: int, material_id: int, thumbnail: bool):
    """A material of a case, for its owner or a reviewer of its department (the read is audited)."""
    application = await _for_reader(session, application_id)
    if not await AttachedMaterial.exists(application_id=application.id, material_id=material_id):
        raise materials.MaterialNotFound()
    if application.person_id != session.person_id:
        async with transaction():
            await audit.record(
                actor=f"person:{session.person_id}",
                subject=f"person:{application.person_id}",
                action="material.read",
                object_type="material",
                object_id=material_id,
                detail={"application": application.id},
            )
    return await materials.stored_file(material_id=material_id, thumbnail=thumbnail)


# ---- the staff side -------------------------------------------------------------------------


class OwnFiling(errors.Forbidden, code="applications.own_filing"):
    zh = "不能审核自己代办的申请|您曾作为代办员为申请人办理这个办件，按规定须由其他工作人员受理和审批。"
    en = "You filed this case as an agent|You acted for the applicant on this case; another clerk must review and decide it."


class ReasonRequired(errors.Invalid, code="application.reason_required"):
    zh = "请写明理由|{decision}须书面说明理由，申请人会看到这段话。"
    en = "A reason is required|{decision} needs a written reason; the applicant reads it."


async def scopes_covering(application: Application) -> list[str]:
    """The staff scopes that reach this case: its department, and every hall that takes its item."""
    halls = await catalog.halls_handling(service_code=application.service_code)
    return [f"department:{application.department_id}", *(f"hall:{h}" for h in halls)]


async def authorize_for(session: SessionInfo, application: Application, roles: tuple[str, ...]) -> None:
    scopes = await scopes_covering(application)
    # authorize() checks one scope: the one this person holds if any, else the department's (denied and audited).
    held = next((s for s in scopes if any(session.has_role(r, s) for r in roles)), scopes[0])
    await authorize(session, roles=roles, scope=held, action=f"application:{application.id}")


async def _for_staff(session: SessionInfo, application_id: int, roles: tuple[str, ...]) -> Application:
    """The case for a reviewer whose department or hall covers it; any other case is 404 like a missing one."""
    application = await Application.get_or_none(id=application_id)
    if application is None:
        raise ApplicationNotFound()
    try:
        await authorize_for(session, application, roles)
    except Forbidden:  # the denial is audited; the answer must not tell the clerk the case exists
        raise ApplicationNotFound() from None
    return application


async def queue(*, session: SessionInfo, view: str, status: str | None, department: str | None) -> list[Application]:
    """Cases this reviewer covers (all for a global role), by tab: 待办 (``todo``, what needs a clerk),
    补正中 (``waiting``, what the resident is correcting) or 已办结 (``finished``)."""
    await authorize(session, roles=REVIEWERS)
    scopes = [s for r, s in session.roles if r in REVIEWERS]
    query = Application.filter(submitted_at__isnull=False)  # drafts, and drafts withdrawn, were never cases
    if "" not in scopes:
        departments = [s.split(":", 1)[1] for s in scopes if s.startswith("department:")]
        items = await catalog.items_of_halls(codes=[s.split(":", 1)[1] for s in scopes if s.startswith("hall:")])
        query = query.filter(Q(department_id__in=departments) | Q(service_code__in=sorted(items)))
    if department:
        query = query.filter(department_id=department)
    query = query.filter(status=status) if status else query.filter(status__in=flows.QUEUE_VIEWS[view])
    order = ("-completed_at", "-id") if view == "finished" else ("due_date", "id")
    return await query.order_by(*order).limit(200)


async def _not_own_filing(session: SessionInfo, application: Application) -> None:
    """Separation of duties: a clerk who acted for the applicant on this case (帮办代办) does not review or decide it."""
    if await filed_as_agent(application_id=application.id, person_id=session.person_id):
        raise OwnFiling()


async def accept(*, session: SessionInfo, application_id: int, note: str) -> Application:
    application = await _for_staff(session, application_id, REVIEWERS)
    await _not_own_filing(session, application)
    return await transition(APPLICATION, application, action="accept", by=session.official, note=note)


async def request_correction(*, session: SessionInfo, application_id: int, items: list[CorrectionItem]) -> Application:
    """一次性告知: every missing or defective item with its reason, in one request."""
    application = await _for_staff(session, application_id, REVIEWERS)
    await _not_own_filing(session, application)
    guide = await rules_of(application)
    labels = {m.key: m.name for m in guide.materials} | {f.key: f.label for f in guide.form_schema}
    for item in items:
        if item.item not in labels:
            raise UnknownCorrectionItem(item=item.item)
    corrections = [{"item": i.item, "label": labels[i.item], "reason": i.reason} for i in items]
    note = "；".join(f"{labels[i.item]}：{i.reason}" for i in items)
    return await transition(
        APPLICATION, application, action="request_correction", by=session.official, note=note, changes={"corrections": corrections}
    )


async def reject(*, session: SessionInfo, application_id: int, reason: str) -> Application:
    """不予受理 (before 受理) or 不予许可 (after it, deciders only), always with a written reason."""
    application = await _for_staff(session, application_id, REVIEWERS)
    await _not_own_filing(session, application)
    if application.status == "accepted":  # after 受理 only a decider may refuse
        await authorize_for(session, application, DECIDERS)
    APPLICATION.require(application, "reject")  # a finished case answers 409 whatever the reason says
    if len(reason.strip()) < 2:
        raise ReasonRequired(decision=notices.REFUSAL.get(application.status, "不予受理"))
    return await transition(APPLICATION, application, action="reject", by=session.official, note=reason.strip())


async def approve(*, session: SessionInfo, application_id: int, note: str) -> Application:
    application = await _for_staff(session, application_id, DECIDERS)
    await _not_own_filing(session, application)
    return await transition(APPLICATION, application, action="approve", by=session.official, note=note)


async def record_trip(*, session: SessionInfo, application_id: int) -> Application:
    """跑动次数: the resident came to the hall for this case (counted for 最多跑一次)."""
    application = await _for_staff(session, application_id, REVIEWERS)
    return await transition(APPLICATION, application, action="record_trip", by=session.official)


async def collect(*, session: SessionInfo, application_id: int) -> Application:
    """领取: the resident took the paper certificate at the hall."""
    application = await _for_staff(session, application_id, REVIEWERS)
    return await transition(APPLICATION, application, action="collect", by=session.official)


# ---- e-certificates (电子证照) -------------------------------------------------------------------

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone


class NotSubmitted(errors.Conflict, code="application.not_submitted"):
    zh = "办件还没有提交|办件提交后才有受理号和查询二维码。"
    en = "Not submitted yet|A case gets its tracking number and QR code when it is submitted."


class CertificateNotFound(errors.NotFound, code="certificate.not_found"):
    zh = "查无此证|没有找到该核验码对应的电子证照，请核对核验码。"
    en = "No such certificate|No e-certificate has this verification code."


def _verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


def _render_certificate(name_ascii: str, number: str, code: str, verify_url: str) -> bytes:
    """A printable image of the certificate: number, code and a QR code to the public check."""
    page = Image.new("RGB", (1200, 850), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle([20, 20, 1180, 830], outline=(180, 30, 30), width=8)
    draw.text((80, 80), "E-CERTIFICATE  " + name_ascii, fill=(0, 0, 0), font_size=48)
    draw.text((80, 200), f"No. {number}", fill=(0, 0, 0), font_size=40)
    draw.text((80, 280), f"Verification code {code}", fill=(0, 0, 0), font_size=40)
    draw.text((80, 360), verify_url, fill=(60, 60, 60), font_size=24)
    qr = Image.open(io.BytesIO(qr_png(verify_url, scale=8))).convert("RGB")
    page.paste(qr, (1180 - qr.width - 40, 850 - qr.height - 40))
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


async def issue_certificate(*, session: SessionInfo, application_id: int, name: str, expires_on: date | None, base_url: str) -> Application:
    """出证: the approved case gets an e-certificate, also put in the person's material library."""
    application = await _for_staff(session, application_id, REVIEWERS)
    APPLICATION.require(application, "issue_certificate")
    code = _verification_code()
    number = f"{application.department_id.upper()}-{application.tracking_no}"
    verify_url = f"{base_url.rstrip('/')}/verify/{code}"
    image = await asyncio.to_thread(_render_certificate, application.service_code, number, code, verify_url)
    issued = await materials.prepare_issued(image)
    async with transaction():
        # The status change first: it is conditional on "approved", so of clerks issuing at once only
        # one goes on, and the others' 409 leaves no certificate and no library copy behind. The
        # certificate, its library entry and the step commit together or not at all; a file left by a
        # failed attempt has no row and `yiwang gc-media` removes it.
        await transition(APPLICATION, application, action="issue_certificate", by=session.official, note=f"{name} {number}")
        material = await materials.store_issued(
            person_id=application.person_id, issued=issued, kind=name, expires_on=expires_on, actor=session.official.actor
        )
        await Certificate.create(
            application_id=application.id,
            person_id=application.person_id,
            name=name,
            number=number,
            verification_code=code,
            department_id=application.department_id,
            material_id=material.id,
            issued_at=datetime.now(UTC),
            expires_on=expires_on,
        )
    return application


async def verify_certificate(*, code: str) -> dict[str, Any]:
    """Public check of an e-certificate: genuine or not, and nothing personal."""
    certificate = await Certificate.get_or_none(verification_code=code.upper()) if re.fullmatch(r"[A-Za-z0-9]{12}", code) else None
    if certificate is None:
        raise CertificateNotFound()
    today = datetime.now(UTC).date()
    departments = (await catalog.departments()).departments
    return {
        "valid": not certificate.revoked and (certificate.expires_on is None or certificate.expires_on >= today),
        "name": certificate.name,
        "number": certificate.number,
        "issuer": next((d.name for d in departments if d.code == certificate.department_id), certificate.department_id),
        "issued_at": certificate.issued_at,
        "expires_on": certificate.expires_on,
        "revoked": certificate.revoked,
    }


async def tracking_qr(*, session: SessionInfo, application_id: int, base_url: str, kind: str) -> bytes:
    """The QR code that opens the case's tracking page (SVG or PNG)."""
    application = await _for_reader(session, application_id)
    if application.tracking_no is None:
        raise NotSubmitted()
    url = f"{base_url.rstrip('/')}/track/{application.tracking_no}"
    return qr_svg(url) if kind == "svg" else qr_png(url)


# ---- presenting ------------------------------------------------------------------------------


def _timeline(events: list, agents: dict[str, str]) -> list[TimelineOut]:
    return [
        TimelineOut(
            at=e.at,
            action=e.action,
            status=e.status_to,
            text=flows.timeline_text(e.action, e.status_from) + (f"（{agents[e.actor]}）" if _delegated(e) and e.actor in agents else ""),
            note=e.note,
        )
        for e in events
    ]


def _delegated(event: Any) -> bool:
    return (event.authorisation or "").startswith("delegation:")


async def _agents(events: list) -> dict[str, str]:
    """The words a delegated step shows on the timeline, by actor: 代办员 孙** 代办 (the name masked)."""
    ids = sorted({int(e.actor.split(":", 1)[1]) for e in events if _delegated(e) and e.actor.startswith("person:")})
    if not ids:
        return {}
    keyring = current().keyring
    words = {}
    for person in await Person.filter(id__in=ids):
        name = keyring.decrypt(person.name_enc, purpose="person.name") if person.name_enc else ""
        words[f"person:{person.id}"] = f"代办员 {mask_name(name)} 代办" if name else "代办员代办"
    return words


async def filed_as_agent(*, application_id: int, person_id: int | None) -> bool:
    """Whether this person took a step of the case for its applicant under a delegation (帮办代办)."""
    if person_id is None:
        return False
    return await WorkflowEvent.filter(
        object_type=APPLICATION.name, object_id=application_id, actor=f"person:{person_id}", authorisation__startswith="delegation:"
    ).exists()


async def _parcel_steps(ids: list[int]) -> dict[int, list[TimelineOut]]:
    """Each case's delivery steps as its timeline reads them (邮寄：已揽收 …), without their notes."""
    orders = dict(await DeliveryOrder.filter(application_id__in=ids).values_list("id", "application_id")) if ids else {}
    steps: dict[int, list[TimelineOut]] = {i: [] for i in ids}
    for order_id, events in (await workflow_events_of_many(DELIVERY, list(orders))).items() if orders else ():
        for e in events:
            step = DELIVERY.steps.get(e.action)
            text = step.timeline if step and step.timeline else DELIVERY.labels.get(e.status_to, e.status_to)
            # A courier's note stays on the delivery card.
            steps[orders[order_id]].append(
                TimelineOut(at=e.at, action=f"delivery.{e.action}", status=e.status_to, text=f"邮寄：{text}", note="")
            )
    return steps


async def present(application: Application) -> ApplicationOut:
    return (await present_many([application]))[0]


async def present_many(applications: list[Application]) -> list[ApplicationOut]:
    """Cases with their timelines and materials: three queries whatever the number of cases."""
    ids = [a.id for a in applications]
    events = await workflow_events_of_many(APPLICATION, ids)
    agents = await _agents([e for listed in events.values() for e in listed])
    parcel = await _parcel_steps(ids)
    slots = await AttachedMaterial.filter(application_id__in=ids).order_by("id") if ids else []
    stored = await materials.by_ids(sorted({a.material_id for a in slots}))
    attached: dict[int, list[AttachedOut]] = {i: [] for i in ids}
    for a in slots:
        material = stored.get(a.material_id)
        base = f"/api/v1/applications/{a.application_id}/materials/{a.material_id}"
        attached[a.application_id].append(
            AttachedOut(
                key=a.material_key,
                material_id=a.material_id,
                reused=a.reused,
                attached_at=a.created_at,
                warnings=[QualityHint(code=w, message=materials.HINTS_ZH.get(w, "")) for w in (material.warnings if material else [])],
                file_url=f"{base}/file",
                thumbnail_url=f"{base}/thumbnail",
            )
        )
    editable = APPLICATION.allowed_in("edit")
    return [
        ApplicationOut(
            id=application.id,
            tracking_no=application.tracking_no,
            service_code=application.service_code,
            service_name=application.service_name,
            status=application.status,
            status_label=STATUS_TEXT.get(application.status, application.status),
            form=application.form,
            editable=application.status in editable,
            corrections=await _corrections(application),
            submitted_at=application.submitted_at,
            due_date=application.due_date,
            on_time=application.on_time,
            trips=application.trips,
            timeline=sorted(_timeline(events[application.id], agents) + parcel[application.id], key=lambda step: step.at),
            materials=attached[application.id],
        )
        for application in applications
    ]


async def _corrections(application: Application) -> list[CorrectionOut]:
    """The correction items with the name of what each is about (requests from before labels were kept get it from the catalog)."""
    corrections = application.corrections
    if not corrections:
        return []
    labels: dict[str, str] = {}
    if any("label" not in c for c in corrections):
        try:
            guide = await rules_of(application)  # in memory after the first read
            labels = {m.key: m.name for m in guide.materials} | {f.key: f.label for f in guide.form_schema}
        except catalog.ServiceNotFound:
            pass
    return [CorrectionOut(item=c["item"], label=c.get("label") or labels.get(c["item"], ""), reason=c["reason"]) for c in corrections]
