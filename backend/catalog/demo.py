"""Demo catalog: realistic township-level items (乡镇便民服务中心 / 县级政务服务中心).

Drawn from what the reform documents in ../shared/seeds/ name (营业执照, 大病救助, 社保卡,
城乡居民医保, 残疾人证, 居住证 …); codes, limits and materials are plausible, not official.
"""

from __future__ import annotations

from typing import Any

from backend.catalog import service as catalog
from backend.catalog.schemas import ServiceItemIn

DEPARTMENTS = (
    ("scjg", "市场监管局"), ("rsj", "人力资源和社会保障局"), ("ybj", "医疗保障局"), ("mzj", "民政局"),
    ("gaj", "公安局"), ("cl", "残疾人联合会"), ("wjw", "卫生健康委员会"), ("nyj", "农业农村局"), ("tyjr", "退役军人事务局"),
)

ID_CARD = {"key": "id_card", "name": "居民身份证", "certificate_type": "居民身份证", "min_trust": 1}
HUKOU = {"key": "hukou", "name": "户口簿", "certificate_type": "户口簿", "min_trust": 1}
PHOTO = {"key": "photo", "name": "近期免冠证件照", "example_image": "/examples/photo.png"}
BANK = {"key": "bank_card", "name": "本人银行卡（社保卡）", "required": False, "condition": "需发放资金时提供"}
NAME = {"key": "applicant_name", "label": "申请人姓名", "prefill": "person.name", "max_length": 30}
IDNO = {"key": "applicant_id_number", "label": "身份证号", "type": "id_number", "prefill": "person.id_number", "max_length": 18}
PHONE = {"key": "contact_phone", "label": "联系电话", "type": "phone", "prefill": "person.phone", "max_length": 11}
ADDRESS = {"key": "address", "label": "户籍地址", "type": "address", "prefill": "previous", "max_length": 200}


def _item(code: str, name: str, department: str, kind: str, summary: str, *, materials: list[dict], form: list[dict] | None = None,
          conditions: list[str] | None = None, legal: int, promised: int, **flags: Any) -> dict:
    return {
        "code": code, "name": name, "department": department, "kind": kind, "summary": summary,
        "conditions": conditions or [], "materials": materials, "form_schema": form or [NAME, IDNO, PHONE],
        "legal_limit_days": legal, "promised_limit_days": promised, **flags,
    }


ITEMS = [
    _item("000105001000", "个体工商户设立登记（营业执照）", "scjg", "行政许可", "在本地从事个体经营，申请个体工商户营业执照。",
          materials=[ID_CARD, {"key": "premises", "name": "经营场所使用证明", "condition": "租赁场所需提供租赁合同"},
                     {"key": "application_form", "name": "个体工商户登记申请书", "required": False, "condition": "网上填报的可不提供"}],
          form=[NAME, IDNO, PHONE, {"key": "business_name", "label": "个体户名称", "max_length": 60},
                {"key": "business_scope", "label": "经营范围", "type": "textarea", "max_length": 500}, ADDRESS],
          conditions=["年满18周岁，具有完全民事行为能力", "有固定的经营场所"], legal=15, promised=1,
          online_full=True, ems_allowed=True, keywords="营业执照 个体户 开店 工商登记"),
    _item("000105002000", "个体工商户注销登记", "scjg", "行政许可", "不再经营的个体工商户申请注销。",
          materials=[ID_CARD, {"key": "licence", "name": "营业执照正副本", "certificate_type": "营业执照"}],
          legal=15, promised=1, online_full=True, keywords="营业执照 注销 关店"),
    _item("000105003000", "食品经营许可（小餐饮）", "scjg", "行政许可", "开办小餐馆、小吃店等小餐饮，申请食品经营许可。",
          materials=[ID_CARD, {"key": "licence", "name": "营业执照", "certificate_type": "营业执照", "min_trust": 2},
                     {"key": "layout", "name": "经营场所平面布局图"}, {"key": "health_cert", "name": "从业人员健康证明"}],
          legal=20, promised=10, appointment_needed=True, keywords="食品 餐饮 饭店 许可证"),
    _item("000108001000", "城乡居民基本医疗保险参保登记", "ybj", "公共服务", "未参加职工医保的城乡居民参加居民医保。",
          materials=[ID_CARD, HUKOU], legal=5, promised=0, instant=True, online_full=True, keywords="医保 参保 农村合作医疗 新农合"),
    _item("000108002000", "医疗救助（大病救助）申请", "ybj", "行政给付", "困难群众患大病后，医保报销后个人负担仍较重的，申请医疗救助。",
          materials=[ID_CARD, {"key": "diagnosis", "name": "疾病诊断证明"}, {"key": "invoices", "name": "住院费用发票及结算单", "copies": 3},
                     {"key": "hardship", "name": "低保、特困等困难身份证明", "required": False, "condition": "属于困难群体的提供"}, BANK],
          conditions=["本地户籍或参加本地居民医保", "个人自付医疗费用超过规定标准"], legal=30, promised=15,
          keywords="大病救助 医疗救助 看病 报销"),
    _item("000108003000", "异地就医备案", "ybj", "公共服务", "长期在外地居住或转外地就医的参保人办理异地就医备案。",
          materials=[ID_CARD, {"key": "residence_proof", "name": "异地居住证明或转诊证明"}], legal=5, promised=0, instant=True,
          online_full=True, keywords="异地就医 医保 备案"),
    _item("000109001000", "社会保障卡补领、换领", "rsj", "公共服务", "社保卡丢失、损坏或信息变更，申请补领或换领。",
          materials=[ID_CARD, PHOTO], legal=20, promised=7, ems_allowed=True, keywords="社保卡 补卡 换卡 挂失"),
    _item("000109002000", "城乡居民基本养老保险参保登记", "rsj", "公共服务", "年满16周岁、未参加职工养老保险的城乡居民参保。",
          materials=[ID_CARD, HUKOU], legal=5, promised=0, instant=True, online_full=True, keywords="养老保险 参保 农保"),
    _item("000109003000", "城乡居民养老保险待遇领取", "rsj", "行政给付", "年满60周岁的参保人申请按月领取养老金。",
          materials=[ID_CARD, BANK], legal=20, promised=5, keywords="养老金 领取 退休"),
    _item("000109004000", "就业登记与失业登记", "rsj", "公共服务", "劳动者办理就业或失业登记，享受就业服务。",
          materials=[ID_CARD], legal=5, promised=0, instant=True, online_full=True, keywords="就业 失业 登记 找工作"),
    _item("000110001000", "最低生活保障申请", "mzj", "行政给付", "家庭人均收入低于当地低保标准的家庭申请低保。",
          materials=[ID_CARD, HUKOU, {"key": "income", "name": "家庭收入和财产情况说明"}, {"key": "authorization", "name": "家庭经济状况核对授权书"}, BANK],
          conditions=["持有本地户籍", "家庭人均收入低于当地低保标准"], legal=30, promised=20, keywords="低保 困难 救助"),
    _item("000110002000", "特困人员救助供养申请", "mzj", "行政给付", "无劳动能力、无生活来源、无法定赡养人的老年人、残疾人和未成年人申请特困供养。",
          materials=[ID_CARD, HUKOU, {"key": "disability", "name": "残疾人证", "required": False, "condition": "残疾人提供", "certificate_type": "残疾人证"}],
          legal=30, promised=20, keywords="五保 特困 供养"),
    _item("000110003000", "临时救助申请", "mzj", "行政给付", "因突发事件、意外伤害、重大疾病等导致基本生活暂时困难的家庭申请临时救助。",
          materials=[ID_CARD, {"key": "situation", "name": "困难情况说明及相关证明"}, BANK], legal=15, promised=5, keywords="临时救助 急难"),
    _item("000110004000", "高龄津贴申领", "mzj", "行政给付", "80周岁以上老年人申领高龄津贴。",
          materials=[ID_CARD, BANK], legal=20, promised=5, online_full=True, keywords="高龄 津贴 老人 补贴"),
    _item("000110005000", "结婚登记预约", "mzj", "行政确认", "预约到婚姻登记处办理结婚登记，双方需本人到场。",
          materials=[ID_CARD, HUKOU, PHOTO], legal=1, promised=0, instant=True, appointment_needed=True, keywords="结婚 婚姻登记 领证"),
    _item("000111001000", "居住证申领", "gaj", "行政确认", "离开常住户口所在地，到其他城市居住半年以上的公民申领居住证。",
          materials=[ID_CARD, PHOTO, {"key": "residence_proof", "name": "合法稳定住所、就业或就读证明之一"}],
          legal=15, promised=10, ems_allowed=True, keywords="居住证 暂住证 流动人口"),
    _item("000111002000", "居民身份证换领、补领", "gaj", "行政确认", "身份证有效期满、损坏或丢失，申请换领或补领（需现场采集指纹和照片）。",
          materials=[HUKOU, {"key": "old_card", "name": "原身份证", "required": False, "condition": "换领时交回"}],
          legal=60, promised=20, max_one_trip=True, ems_allowed=True, appointment_needed=True, keywords="身份证 补办 换证 到期"),
    _item("000111003000", "户口迁移（准予迁入）", "gaj", "行政许可", "符合落户条件的，申请将户口迁入本地。",
          materials=[ID_CARD, HUKOU, {"key": "basis", "name": "落户依据材料（房产、就业、投靠等）"}], legal=20, promised=10,
          keywords="户口 迁移 落户 准迁证"),
    _item("000112001000", "残疾人证办理", "cl", "行政确认", "残疾人申请评定残疾等级并办理第二代残疾人证。",
          materials=[ID_CARD, HUKOU, PHOTO, {"key": "assessment", "name": "残疾评定表（指定医院出具）"}], legal=30, promised=15,
          ems_allowed=True, keywords="残疾人证 残疾 评残"),
    _item("000113001000", "生育登记", "wjw", "公共服务", "夫妻生育子女的，办理生育登记，享受生育服务。",
          materials=[ID_CARD, {"key": "marriage", "name": "结婚证", "certificate_type": "结婚证"}], legal=1, promised=0, instant=True,
          online_full=True, keywords="生育 生孩子 准生证"),
    _item("000114001000", "农村宅基地和建房（规划许可）审批", "nyj", "行政许可", "农村村民申请使用宅基地新建、改建住房。",
          materials=[ID_CARD, HUKOU, {"key": "village_opinion", "name": "村民小组和村委会意见"}, {"key": "drawing", "name": "建房设计图或通用图"}],
          conditions=["本村集体经济组织成员", "符合一户一宅规定"], legal=20, promised=15, keywords="宅基地 建房 盖房"),
    _item("000114002000", "耕地地力保护补贴申报", "nyj", "行政给付", "承包耕地的农户申报耕地地力保护补贴。",
          materials=[ID_CARD, {"key": "contract", "name": "土地承包经营权证或承包合同"}, BANK], legal=30, promised=15,
          online_full=True, keywords="种粮补贴 耕地 补贴 农业"),
    _item("000115001000", "退役军人优待证申领", "tyjr", "公共服务", "退役军人、其他优抚对象申领优待证。",
          materials=[ID_CARD, PHOTO, {"key": "discharge", "name": "退役证件"}], legal=30, promised=20, ems_allowed=True,
          keywords="优待证 退役军人 优抚"),
]


async def seed() -> dict[str, int]:
    for sort, (code, name) in enumerate(DEPARTMENTS):
        await catalog.ensure_department(code=code, name=name, sort=sort)
    changed = 0
    for data in ITEMS:
        changed += await catalog.save_item(item=ServiceItemIn.model_validate(data), actor="seed-demo")
    return {"departments": len(DEPARTMENTS), "items": len(ITEMS), "items_changed": changed}
