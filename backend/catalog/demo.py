"""Demo catalog: realistic township-level items (乡镇便民服务中心 / 县级政务服务中心).

Drawn from what the reform documents in ../shared/seeds/ name (营业执照, 大病救助, 社保卡,
城乡居民医保, 残疾人证, 居住证 …); codes, limits, halls, phone numbers and materials are
plausible, not official. The demo county is 江西省九江市德安县 (ID numbers 360426…); the laws
cited as 依据 are real. Each item asks what its paper form asks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from backend.catalog import service as catalog
from backend.catalog.schemas import ServiceItemIn

DEPARTMENTS = (
    ("scjg", "市场监管局"),
    ("rsj", "人力资源和社会保障局"),
    ("ybj", "医疗保障局"),
    ("mzj", "民政局"),
    ("gaj", "公安局"),
    ("cl", "残疾人联合会"),
    ("wjw", "卫生健康委员会"),
    ("nyj", "农业农村局"),
    ("tyjr", "退役军人事务局"),
)

ID_CARD = {"key": "id_card", "name": "居民身份证", "certificate_type": "居民身份证", "min_trust": 1}
HUKOU = {"key": "hukou", "name": "户口簿", "certificate_type": "户口簿", "min_trust": 1}
PHOTO = {"key": "photo", "name": "近期免冠证件照", "example_image": "/examples/photo.png"}
BANK = {"key": "bank_card", "name": "本人银行卡（社保卡）", "required": False, "condition": "需发放资金时提供"}
NAME = {"key": "applicant_name", "label": "申请人姓名", "prefill": "person.name", "max_length": 30}
IDNO = {"key": "applicant_id_number", "label": "身份证号", "type": "id_number", "prefill": "person.id_number", "max_length": 18}
PHONE = {"key": "contact_phone", "label": "联系电话", "type": "phone", "prefill": "person.phone", "max_length": 11}
ADDRESS = {"key": "address", "label": "户籍地址", "type": "address", "prefill": "previous", "max_length": 200}
LIVING = {"key": "living_address", "label": "现居住地址", "type": "address", "prefill": "previous", "max_length": 200}
HOUSEHOLD = {"key": "household_size", "label": "家庭人口数", "type": "number", "min": 1, "max": 20, "max_length": 2}
BANK_NAME = {"key": "bank_name", "label": "开户银行", "required": False, "max_length": 40, "hint": "如：德安县农村商业银行"}
BANK_ACCOUNT = {"key": "bank_account", "label": "银行卡号（社保卡号）", "required": False, "max_length": 30}
SPOUSE_NAME = {"key": "spouse_name", "label": "配偶姓名", "max_length": 30}
SPOUSE_IDNO = {"key": "spouse_id_number", "label": "配偶身份证号", "type": "id_number", "max_length": 18}
PICKUP = {"key": "pickup", "label": "领取方式", "type": "select", "options": ["窗口领取", "邮寄到家（到付）"]}
MAILING = {
    "key": "mailing_address",
    "label": "邮寄地址",
    "type": "address",
    "required": False,
    "required_if": {"key": "pickup", "value": "邮寄到家（到付）"},
    "max_length": 200,
    "hint": "选择邮寄时填写",
}


def _select(key: str, label: str, options: list[str], *, required: bool = True) -> dict:
    return {"key": key, "label": label, "type": "select", "options": options, "required": required}


def _text(key: str, label: str, *, max_length: int = 60, required: bool = True, hint: str | None = None, type: str = "text") -> dict:
    return {"key": key, "label": label, "type": type, "max_length": max_length, "required": required, "hint": hint}


def _date(key: str, label: str, *, when: str | None = None, required: bool = True, hint: str | None = None) -> dict:
    return {"key": key, "label": label, "type": "date", "when": when, "required": required, "max_length": 10, "hint": hint}


def _number(key: str, label: str, *, min: float = 0, max: float, required: bool = True) -> dict:
    return {"key": key, "label": label, "type": "number", "min": min, "max": max, "required": required, "max_length": 12}


# 办理地点: the county hall, the township halls and, for marriages, the registry.
def _map(keyword: str) -> str:
    return "https://uri.amap.com/search?keyword=" + quote(keyword) + "&city=" + quote("九江")


COUNTY_HALL = {
    "name": "德安县政务服务中心",
    "address": "江西省九江市德安县蒲亭镇 县政务服务中心一楼综合受理窗口",
    "map_url": _map("德安县政务服务中心"),
}
TOWN_HALLS = {
    "name": "各乡（镇）便民服务中心",
    "address": "户籍所在乡（镇）人民政府便民服务中心；村（社区）代办员可上门代办",
    "map_url": _map("德安县 便民服务中心"),
}
MARRIAGE_REGISTRY = {
    "name": "德安县婚姻登记处",
    "address": "江西省九江市德安县蒲亭镇 县政务服务中心二楼",
    "map_url": _map("德安县婚姻登记处"),
    "hours": "周一至周五 上午8:30—12:00，下午14:30—17:30；5月20日、七夕等日期视预约情况延时",
}
POLICE_HALL = {
    "name": "德安县公安局户政服务大厅",
    "address": "江西省九江市德安县蒲亭镇 县政务服务中心一楼公安窗口",
    "map_url": _map("德安县公安局户政"),
}
HOURS = "周一至周五 上午8:30—12:00，下午14:30—17:30（法定节假日除外）；网上申请全天可提交"
PHONES = {
    "scjg": "0792-4331234（县市场监管局），12345 政务服务便民热线",
    "rsj": "0792-4332345（县人社局），12333 人社服务热线",
    "ybj": "0792-4333456（县医保局），12393 医保服务热线",
    "mzj": "0792-4334567（县民政局），12345 政务服务便民热线",
    "gaj": "0792-4335678（县公安局户政科），12345 政务服务便民热线",
    "cl": "0792-4336789（县残联），12385 残疾人服务热线",
    "wjw": "0792-4337890（县卫健委），12320 卫生健康热线",
    "nyj": "0792-4338901（县农业农村局），12316 三农服务热线",
    "tyjr": "0792-4339012（县退役军人事务局），12345 政务服务便民热线",
}
LOCAL = [{"prefix": "360426", "name": "江西省九江市德安县"}]


def _steps(flags: dict[str, Any]) -> list[str]:
    """办理流程 of an ordinary item, from how it is handled."""
    if flags.get("instant"):
        return ["网上或到窗口提交申请和材料", "窗口工作人员当场核对", "即时办结，结果当场送达或推送到“我的证照”"]
    first = "网上预约办理时间并提交申请" if flags.get("appointment_needed") else "网上提交申请和材料（或到窗口提交）"
    return [
        first,
        "受理：材料齐全的当场受理；不齐全的一次性告知需要补正的内容",
        "审查：对申请材料进行审查，需要时实地核查",
        "决定：作出准予或不予办理的决定，不予办理的说明理由",
        "送达：按您选择的方式送达办理结果",
    ]


def _item(
    code: str,
    name: str,
    department: str,
    kind: str,
    summary: str,
    *,
    materials: list[dict],
    form: list[dict],
    conditions: list[str] | None = None,
    legal: int,
    promised: int,
    basis: list[str],
    result: str,
    places: list[dict] | None = None,
    steps: list[str] | None = None,
    fee: str = "不收费",
    eligibility: dict | None = None,
    **flags: Any,
) -> dict:
    delivery = ["window"] + (["ems"] if flags.get("ems_allowed") else []) + (["electronic"] if flags.get("online_full") else [])
    return {
        "code": code,
        "name": name,
        "department": department,
        "kind": kind,
        "summary": summary,
        "conditions": conditions or [],
        "materials": materials,
        "form_schema": form,
        "legal_limit_days": legal,
        "promised_limit_days": promised,
        "fee": fee,
        "places": places or [COUNTY_HALL, TOWN_HALLS],
        "hours": HOURS,
        "phone": PHONES[department],
        "steps": steps or _steps(flags),
        "legal_basis": basis,
        "result_name": result,
        "result_delivery": delivery,
        "eligibility": eligibility or {},
        **flags,
    }


ITEMS = [
    _item(
        "000105001000",
        "个体工商户设立登记（营业执照）",
        "scjg",
        "行政许可",
        "在本地从事个体经营，申请个体工商户营业执照。",
        materials=[
            ID_CARD,
            {
                "key": "premises",
                "name": "经营场所使用证明",
                "required": False,
                "condition": "租赁场所提供租赁合同，自有房屋提供产权证明；实行住所（经营场所）申报承诺制的可不提交",
            },
            {"key": "application_form", "name": "个体工商户登记申请书", "required": False, "condition": "网上填报的可不提供"},
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            {"key": "business_name", "label": "个体户名称", "max_length": 60, "hint": "如：德安县张三小吃店"},
            {"key": "business_scope", "label": "经营范围", "type": "textarea", "max_length": 500},
            ADDRESS,
            _select("organization", "组成形式", ["个人经营", "家庭经营"], required=False),
            _number("capital", "资金数额（万元）", max=100000, required=False),
        ],
        conditions=["年满18周岁，具有完全民事行为能力", "有固定的经营场所"],
        eligibility={"min_age": 18},
        legal=15,
        promised=1,
        basis=["《促进个体工商户发展条例》第八条", "《中华人民共和国市场主体登记管理条例》第三条、第十七条"],
        result="营业执照（个体工商户）",
        online_full=True,
        ems_allowed=True,
        keywords="营业执照 个体户 开店 工商登记",
    ),
    _item(
        "000105002000",
        "个体工商户注销登记",
        "scjg",
        "行政许可",
        "不再经营的个体工商户申请注销。",
        materials=[ID_CARD, {"key": "licence", "name": "营业执照正副本", "certificate_type": "营业执照"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            {"key": "business_name", "label": "个体户名称", "max_length": 60},
            _text("credit_code", "统一社会信用代码", max_length=18, hint="营业执照上的18位代码"),
            _select("reason", "注销原因", ["不再经营", "转行或迁往外地经营", "其他"]),
        ],
        legal=15,
        promised=1,
        basis=["《中华人民共和国市场主体登记管理条例》第三十一条、第三十三条"],
        result="准予注销登记通知书",
        online_full=True,
        keywords="营业执照 注销 关店",
    ),
    _item(
        "000105003000",
        "食品经营许可（小餐饮）",
        "scjg",
        "行政许可",
        "开办小餐馆、小吃店等小餐饮，申请食品经营许可。",
        materials=[
            ID_CARD,
            {"key": "licence", "name": "营业执照", "certificate_type": "营业执照", "min_trust": 2},
            {"key": "layout", "name": "经营场所平面布局图"},
            {"key": "health_cert", "name": "从业人员健康证明"},
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            {"key": "business_name", "label": "经营者名称", "max_length": 60},
            _text("credit_code", "统一社会信用代码", max_length=18),
            _text("premises_address", "经营场所地址", max_length=200, type="address"),
            _select("food_category", "经营项目", ["热食类食品制售", "冷食类食品制售", "糕点类食品制售", "自制饮品制售"]),
            _number("area", "经营场所面积（平方米）", min=1, max=2000),
        ],
        legal=20,
        promised=10,
        basis=["《中华人民共和国食品安全法》第三十五条", "《食品经营许可和备案管理办法》"],
        result="食品经营许可证",
        appointment_needed=True,
        keywords="食品 餐饮 饭店 许可证",
    ),
    _item(
        "000108001000",
        "城乡居民基本医疗保险参保登记",
        "ybj",
        "公共服务",
        "未参加职工医保的城乡居民参加居民医保。",
        materials=[ID_CARD, HUKOU],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            _select("insured_type", "参保人员类别", ["普通城乡居民", "学生儿童", "低保对象", "特困人员", "重度残疾人"]),
        ],
        legal=5,
        promised=0,
        basis=["《中华人民共和国社会保险法》第二十五条"],
        result="参保登记信息（可在“我的”中查询）",
        instant=True,
        online_full=True,
        keywords="医保 参保 农村合作医疗 新农合",
    ),
    _item(
        "000108002000",
        "医疗救助（大病救助）申请",
        "ybj",
        "行政给付",
        "困难群众患大病后，医保报销后个人负担仍较重的，申请医疗救助。",
        materials=[
            ID_CARD,
            {"key": "diagnosis", "name": "疾病诊断证明"},
            {"key": "invoices", "name": "住院费用发票及结算单", "copies": 3},
            {"key": "hardship", "name": "低保、特困等困难身份证明", "required": False, "condition": "属于困难群体的提供"},
            BANK,
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            _text("hospital", "就诊医院", max_length=60),
            _text("diagnosis", "疾病名称", max_length=60, hint="与诊断证明一致"),
            _date("admitted_on", "入院日期", when="past"),
            _date("discharged_on", "出院日期", when="past"),
            _number("total_cost", "医疗总费用（元）", max=10000000),
            _number("self_paid", "医保报销后个人自付（元）", max=10000000),
            BANK_NAME,
            BANK_ACCOUNT,
        ],
        conditions=["本地户籍或参加本地居民医保", "个人自付医疗费用超过规定标准"],
        legal=30,
        promised=15,
        basis=[
            "《社会救助暂行办法》第二十八条至第三十二条",
            "《国务院办公厅关于健全重特大疾病医疗保险和救助制度的意见》（国办发〔2021〕42号）",
        ],
        result="医疗救助金（打入本人银行卡）",
        keywords="大病救助 医疗救助 看病 报销",
    ),
    _item(
        "000108003000",
        "异地就医备案",
        "ybj",
        "公共服务",
        "长期在外地居住或转外地就医的参保人办理异地就医备案。",
        materials=[ID_CARD, {"key": "residence_proof", "name": "异地居住证明或转诊证明"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            _select("filing_type", "备案类型", ["异地长期居住", "常驻异地工作", "异地转诊就医", "临时外出就医"]),
            _text("destination", "就医地（省、市、县）", max_length=60, hint="如：广东省深圳市南山区"),
            _date("start_on", "备案开始日期"),
        ],
        legal=5,
        promised=0,
        basis=[
            "《中华人民共和国社会保险法》",
            "《国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）",
        ],
        result="异地就医备案信息",
        instant=True,
        online_full=True,
        keywords="异地就医 医保 备案",
    ),
    _item(
        "000109001000",
        "社会保障卡补领、换领",
        "rsj",
        "公共服务",
        "社保卡丢失、损坏或信息变更，申请补领或换领。",
        materials=[ID_CARD, PHOTO],
        form=[NAME, IDNO, PHONE, _select("reason", "申请原因", ["丢失补领", "损坏换领", "信息变更换领", "有效期满换领"]), PICKUP, MAILING],
        legal=20,
        promised=7,
        basis=["《中华人民共和国社会保险法》第五十八条", "《社会保障卡管理办法》"],
        result="社会保障卡",
        fee="补领、换领免收工本费（江西省规定）",
        ems_allowed=True,
        keywords="社保卡 补卡 换卡 挂失",
    ),
    _item(
        "000109002000",
        "城乡居民基本养老保险参保登记",
        "rsj",
        "公共服务",
        "年满16周岁（不含在校学生）、未参加职工养老保险的城乡居民参保。",
        materials=[ID_CARD, HUKOU],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            _select("contribution", "缴费档次（元/年）", ["200", "300", "500", "800", "1000", "1500", "2000", "3000"]),
        ],
        conditions=["年满16周岁（不含在校学生）", "未参加职工基本养老保险"],
        eligibility={"min_age": 16},
        legal=5,
        promised=0,
        basis=[
            "《中华人民共和国社会保险法》第二十条至第二十二条",
            "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
        ],
        result="参保登记信息",
        instant=True,
        online_full=True,
        keywords="养老保险 参保 农保",
    ),
    _item(
        "000109003000",
        "城乡居民养老保险待遇领取",
        "rsj",
        "行政给付",
        "年满60周岁的参保人申请按月领取养老金。",
        materials=[ID_CARD, BANK],
        form=[NAME, IDNO, PHONE, ADDRESS, BANK_NAME, BANK_ACCOUNT],
        conditions=["年满60周岁", "累计缴费满15年，或按规定补缴"],
        eligibility={"min_age": 60},
        legal=20,
        promised=5,
        basis=["《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）第七条"],
        result="按月发放的基本养老金（打入本人社保卡）",
        keywords="养老金 领取 退休",
    ),
    _item(
        "000109004000",
        "就业登记与失业登记",
        "rsj",
        "公共服务",
        "劳动者办理就业或失业登记，享受就业服务。",
        materials=[ID_CARD],
        form=[
            NAME,
            IDNO,
            PHONE,
            _select("registration", "登记类型", ["就业登记", "失业登记"]),
            _select("education", "文化程度", ["小学及以下", "初中", "高中、中专或技校", "大专", "本科及以上"]),
            _text("employer", "就业单位", required=False, hint="就业登记时填写"),
            _date("employment_ended_on", "原工作终止日期", when="past", required=False, hint="失业登记时填写"),
        ],
        conditions=["在法定劳动年龄内（年满16周岁）"],
        eligibility={"min_age": 16},
        legal=5,
        promised=0,
        basis=["《中华人民共和国就业促进法》", "《就业服务与就业管理规定》第六十一条至第六十五条"],
        result="就业创业证（电子）",
        instant=True,
        online_full=True,
        keywords="就业 失业 登记 找工作",
    ),
    _item(
        "000110001000",
        "最低生活保障申请",
        "mzj",
        "行政给付",
        "家庭人均收入低于当地低保标准的家庭申请低保。",
        materials=[
            ID_CARD,
            HUKOU,
            {"key": "income", "name": "家庭收入和财产情况说明"},
            {"key": "authorization", "name": "家庭经济状况核对授权书"},
            BANK,
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            HOUSEHOLD,
            _number("monthly_income", "家庭月总收入（元）", max=1000000),
            _text("reason", "申请理由", max_length=500, type="textarea", hint="家庭困难情况，如疾病、残疾、缺少劳动力等"),
            BANK_NAME,
            BANK_ACCOUNT,
        ],
        conditions=["持有本地户籍", "家庭人均收入低于当地低保标准，且家庭财产符合规定"],
        eligibility={"regions": LOCAL},
        legal=30,
        promised=20,
        basis=["《社会救助暂行办法》第九条至第十七条", "《最低生活保障审核确认办法》（民发〔2021〕57号）"],
        result="最低生活保障金（按月打入银行卡）",
        keywords="低保 困难 救助",
    ),
    _item(
        "000110002000",
        "特困人员救助供养申请",
        "mzj",
        "行政给付",
        "无劳动能力、无生活来源、无法定赡养人的老年人、残疾人和未成年人申请特困供养。",
        materials=[
            ID_CARD,
            HUKOU,
            {"key": "disability", "name": "残疾人证", "required": False, "condition": "残疾人提供", "certificate_type": "残疾人证"},
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            _select("category", "申请人类别", ["老年人（60周岁以上）", "残疾人", "未成年人"]),
            _select("care", "供养方式", ["在家分散供养", "到供养服务机构集中供养"]),
            _text("reason", "困难情况", max_length=500, type="textarea"),
        ],
        conditions=["持有本地户籍", "无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其无履行能力"],
        eligibility={"regions": LOCAL},
        legal=30,
        promised=20,
        basis=["《社会救助暂行办法》第十四条至第二十条", "《特困人员认定办法》（民发〔2021〕43号）"],
        result="特困人员救助供养证",
        keywords="五保 特困 供养",
    ),
    _item(
        "000110003000",
        "临时救助申请",
        "mzj",
        "行政给付",
        "因突发事件、意外伤害、重大疾病等导致基本生活暂时困难的家庭申请临时救助。",
        materials=[ID_CARD, {"key": "situation", "name": "困难情况说明及相关证明"}, BANK],
        form=[
            NAME,
            IDNO,
            PHONE,
            LIVING,
            HOUSEHOLD,
            _select("hardship", "困难类型", ["火灾、交通事故等突发事件", "意外伤害", "重大疾病", "其他特殊困难"]),
            _date("happened_on", "发生日期", when="past"),
            _text("description", "困难情况说明", max_length=500, type="textarea"),
            BANK_NAME,
            BANK_ACCOUNT,
        ],
        legal=15,
        promised=5,
        basis=["《社会救助暂行办法》第四十七条至第五十条"],
        result="临时救助金或实物",
        keywords="临时救助 急难",
    ),
    _item(
        "000110004000",
        "高龄津贴申领",
        "mzj",
        "行政给付",
        "80周岁以上老年人申领高龄津贴。",
        materials=[ID_CARD, BANK],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            _select("living", "居住情况", ["居家", "在养老机构"], required=False),
            _text("agent_name", "代办人姓名", max_length=30, required=False, hint="由子女等代为申请时填写"),
            {"key": "agent_phone", "label": "代办人电话", "type": "phone", "required": False, "max_length": 11},
            BANK_NAME,
            BANK_ACCOUNT,
        ],
        conditions=["年满80周岁"],
        eligibility={"min_age": 80},
        legal=20,
        promised=5,
        basis=["《中华人民共和国老年人权益保障法》第三十三条"],
        result="高龄津贴（按月打入银行卡）",
        online_full=True,
        keywords="高龄 津贴 老人 补贴",
    ),
    _item(
        "000110005000",
        "结婚登记预约",
        "mzj",
        "行政确认",
        "预约到婚姻登记处办理结婚登记，双方需本人到场。",
        materials=[ID_CARD, HUKOU, PHOTO],
        form=[
            NAME,
            IDNO,
            PHONE,
            SPOUSE_NAME,
            SPOUSE_IDNO,
            {"key": "spouse_phone", "label": "配偶联系电话", "type": "phone", "max_length": 11},
            _date("appointment_on", "预约日期", when="future", hint="工作日"),
            _select("time_slot", "预约时段", ["上午 8:30—12:00", "下午 14:30—17:30"]),
        ],
        conditions=["男方年满22周岁，女方年满20周岁", "双方均无配偶，自愿结婚，非直系血亲或三代以内旁系血亲", "双方本人持证件到场"],
        eligibility={"min_age": 20},
        legal=1,
        promised=0,
        basis=["《中华人民共和国民法典》第一千零四十六条至第一千零四十九条", "《婚姻登记条例》第四条至第七条"],
        result="结婚证",
        places=[MARRIAGE_REGISTRY],
        steps=["网上预约登记日期和时段", "双方按预约时间本人到婚姻登记处", "现场核对证件、签署声明", "当场颁发结婚证"],
        instant=True,
        appointment_needed=True,
        keywords="结婚 婚姻登记 领证",
    ),
    _item(
        "000111001000",
        "居住证申领",
        "gaj",
        "行政确认",
        "离开常住户口所在地，到其他城市居住半年以上的公民申领居住证。",
        materials=[ID_CARD, PHOTO, {"key": "residence_proof", "name": "合法稳定住所、就业或就读证明之一"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            LIVING,
            _date("living_since", "居住起始日期", when="past"),
            _select("basis", "申领依据", ["合法稳定住所", "合法稳定就业", "连续就读"]),
            PICKUP,
            MAILING,
        ],
        conditions=["在本地居住半年以上", "有合法稳定就业、合法稳定住所、连续就读条件之一"],
        legal=15,
        promised=10,
        basis=["《居住证暂行条例》第二条、第九条"],
        result="居住证",
        places=[POLICE_HALL, TOWN_HALLS],
        ems_allowed=True,
        keywords="居住证 暂住证 流动人口",
    ),
    _item(
        "000111002000",
        "居民身份证换领、补领",
        "gaj",
        "行政确认",
        "身份证有效期满、损坏或丢失，申请换领或补领（需现场采集指纹和照片）。",
        materials=[HUKOU, {"key": "old_card", "name": "原身份证", "required": False, "condition": "换领时交回"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            _select("reason", "申请原因", ["有效期满换领", "损坏换领", "丢失补领", "登记项目变更换领"]),
            PICKUP,
            MAILING,
        ],
        legal=60,
        promised=20,
        basis=["《中华人民共和国居民身份证法》第八条、第十一条"],
        result="居民身份证",
        fee="换领20元，丢失补领、损坏换领40元（《关于居民身份证收费标准及有关问题的通知》）",
        places=[POLICE_HALL],
        max_one_trip=True,
        ems_allowed=True,
        appointment_needed=True,
        keywords="身份证 补办 换证 到期",
    ),
    _item(
        "000111003000",
        "户口迁移（准予迁入）",
        "gaj",
        "行政许可",
        "符合落户条件的，申请将户口迁入本地。",
        materials=[ID_CARD, HUKOU, {"key": "basis", "name": "落户依据材料（房产、就业、投靠等）"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            _text("from_address", "迁出地户籍地址", max_length=200, type="address"),
            _text("to_address", "拟迁入地址", max_length=200, type="address"),
            _select("reason", "迁入类别", ["购房落户", "投靠亲属", "就业落户", "大中专院校毕业", "其他"]),
            _text("relation", "与迁入户户主关系", max_length=20, required=False, hint="投靠落户时填写，如：子女"),
            _number("movers", "随迁人数", max=20, required=False),
        ],
        legal=20,
        promised=10,
        basis=["《中华人民共和国户口登记条例》第十条至第十三条"],
        result="准予迁入证明（跨省迁移实行“一站式”办理）",
        places=[POLICE_HALL],
        keywords="户口 迁移 落户 准迁证",
    ),
    _item(
        "000112001000",
        "残疾人证办理",
        "cl",
        "行政确认",
        "残疾人申请评定残疾等级并办理第二代残疾人证。",
        materials=[ID_CARD, HUKOU, PHOTO, {"key": "assessment", "name": "残疾评定表（指定医院出具）"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            _select("disability", "残疾类别", ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]),
            _text("guardian_name", "监护人或代办人姓名", max_length=30, required=False, hint="本人不便办理时填写"),
            {"key": "guardian_phone", "label": "监护人或代办人电话", "type": "phone", "required": False, "max_length": 11},
        ],
        legal=30,
        promised=15,
        basis=["《中华人民共和国残疾人保障法》", "《中华人民共和国残疾人证管理办法》第九条至第十二条"],
        result="中华人民共和国残疾人证",
        ems_allowed=True,
        keywords="残疾人证 残疾 评残",
    ),
    _item(
        "000113001000",
        "生育登记",
        "wjw",
        "公共服务",
        "夫妻生育子女的，办理生育登记，享受生育服务。",
        materials=[
            ID_CARD,
            {"key": "marriage", "name": "结婚证", "certificate_type": "结婚证", "required": False, "condition": "已婚的提供"},
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            _text("spouse_name", "配偶姓名", max_length=30, required=False, hint="已婚的填写"),
            {"key": "spouse_id_number", "label": "配偶身份证号", "type": "id_number", "required": False, "max_length": 18},
            _select("child_order", "本次生育子女数", ["第一个孩子", "第二个孩子", "第三个及以上孩子"]),
            _date("birth_on", "预产期或出生日期"),
            _text("birth_place", "分娩或出生医院", max_length=60, required=False, hint="已出生的填写"),
        ],
        legal=1,
        promised=0,
        basis=["《中华人民共和国人口与计划生育法》第二十条", "《江西省人口与计划生育条例》"],
        result="生育登记服务单（电子）",
        instant=True,
        online_full=True,
        keywords="生育 生孩子 准生证",
    ),
    _item(
        "000114001000",
        "农村宅基地和建房（规划许可）审批",
        "nyj",
        "行政许可",
        "农村村民申请使用宅基地新建、改建住房。",
        materials=[
            ID_CARD,
            HUKOU,
            {"key": "village_opinion", "name": "村民小组和村委会意见"},
            {"key": "drawing", "name": "建房设计图或通用图"},
        ],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            HOUSEHOLD,
            _text("site", "拟建房位置", max_length=120, hint="所在村组及四至"),
            _select("build_type", "建房类型", ["原址翻建", "改建、扩建", "新址新建"]),
            _number("land_area", "拟占地面积（平方米）", min=1, max=300),
            _number("floors", "建房层数", min=1, max=3),
        ],
        conditions=["本村集体经济组织成员", "符合一户一宅规定"],
        eligibility={"regions": LOCAL, "min_age": 18},
        legal=20,
        promised=15,
        basis=["《中华人民共和国土地管理法》第六十二条", "《中华人民共和国城乡规划法》第四十一条"],
        result="农村宅基地批准书、乡村建设规划许可证",
        places=[TOWN_HALLS],
        keywords="宅基地 建房 盖房",
    ),
    _item(
        "000114002000",
        "耕地地力保护补贴申报",
        "nyj",
        "行政给付",
        "承包耕地的农户申报耕地地力保护补贴。",
        materials=[ID_CARD, {"key": "contract", "name": "土地承包经营权证或承包合同"}, BANK],
        form=[
            NAME,
            IDNO,
            PHONE,
            _text("village", "所在村组", max_length=60, hint="如：蒲亭镇某某村三组"),
            _number("area", "承包耕地面积（亩）", min=0.1, max=10000),
            BANK_NAME,
            BANK_ACCOUNT,
        ],
        conditions=["本县承包耕地的农户", "耕地用于农业生产，未撂荒、未改变用途"],
        eligibility={"regions": LOCAL},
        legal=30,
        promised=15,
        basis=["《农业相关转移支付资金管理办法》（财农〔2023〕11号）", "《农业部 财政部关于全面推开农业“三项补贴”改革工作的通知》"],
        result="耕地地力保护补贴（通过“一卡通”发放）",
        places=[TOWN_HALLS],
        online_full=True,
        keywords="种粮补贴 耕地 补贴 农业",
    ),
    _item(
        "000115001000",
        "退役军人优待证申领",
        "tyjr",
        "公共服务",
        "退役军人、其他优抚对象申领优待证。",
        materials=[ID_CARD, PHOTO, {"key": "discharge", "name": "退役证件"}],
        form=[
            NAME,
            IDNO,
            PHONE,
            ADDRESS,
            _select("category", "人员类别", ["退役军人", "烈士遗属", "因公牺牲军人遗属", "病故军人遗属"]),
            _number("discharge_year", "退役年份", min=1940, max=2100),
            PICKUP,
            MAILING,
        ],
        legal=30,
        promised=20,
        basis=["《中华人民共和国退役军人保障法》第六十一条", "《退役军人、其他优抚对象优待证管理办法（试行）》"],
        result="中华人民共和国退役军人优待证（或优抚对象优待证）",
        ems_allowed=True,
        keywords="优待证 退役军人 优抚",
    ),
]


# The seat's township centre (蒲亭镇) takes the township-level items; the county centre takes every
# item. Names and addresses are the ones the guides show under 办理地点.
TOWNSHIP_DEPARTMENTS = ("rsj", "ybj", "mzj", "cl", "wjw", "nyj", "tyjr")
HALLS = (
    (
        "1",
        "蒲亭镇便民服务中心",
        "江西省九江市德安县蒲亭镇人民政府一楼",
        [i["code"] for i in ITEMS if i["department"] in TOWNSHIP_DEPARTMENTS],
    ),
    ("2", COUNTY_HALL["name"], COUNTY_HALL["address"], [i["code"] for i in ITEMS]),
)


async def seed() -> dict[str, int]:
    for sort, (code, name) in enumerate(DEPARTMENTS):
        await catalog.ensure_department(code=code, name=name, sort=sort)
    changed = 0
    for data in ITEMS:
        changed += (await catalog.save_item(item=ServiceItemIn.model_validate(data), actor="seed-demo"))[0]
    for code, name, address, items in HALLS:
        await catalog.save_hall(code=code, name=name, address=address, items=items, actor="seed-demo")
    return {"departments": len(DEPARTMENTS), "items": len(ITEMS), "items_changed": changed, "halls": len(HALLS)}
