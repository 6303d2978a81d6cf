"""Values fitted to WeChat's field types before sending (a refused value is a lost message)."""

from __future__ import annotations

from notifications.channels import wechat_value
from tests.fakes.wechat import check_template_value


def test_values_are_fitted_to_their_wechat_type_and_the_fake_accepts_them():
    cases = {
        "thing2": "内蒙古自治区呼和浩特市赛罕区个体工商户设立登记（营业执照）",
        "phrase3": "Accepted 已受理了",
        "character_string1": "受理号 20261122000017",
        "name4": "欧阳娜娜娜娜娜娜娜娜娜",
        "time4": "2026年11月22日 09:49",
    }
    fitted = {key: wechat_value(key.rstrip("0123456789"), value) for key, value in cases.items()}
    assert fitted["thing2"] == "内蒙古自治区呼和浩特市赛罕区个体工商户…" and len(fitted["thing2"]) == 20
    assert fitted["phrase3"] == "已受理了"
    assert fitted["character_string1"] == "20261122000017"
    assert len(fitted["name4"]) == 10
    assert fitted["time4"] == cases["time4"]
    for key, value in fitted.items():
        assert check_template_value(key, value) is None, (key, value)
    assert wechat_value("phrase", "OK") == "有更新"  # nothing usable left: a neutral phrase, not an empty field
