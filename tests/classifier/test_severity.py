import pytest

from classifier.severity import assess_severity, count_casualties, load_rules, parse_number
from routing.facts import Severity

MAJOR, ESPECIALLY, GENERAL = Severity.MAJOR, Severity.ESPECIALLY_MAJOR, Severity.GENERAL


def test_default_is_general():
    result = assess_severity("小区路灯坏了，希望尽快修理")
    assert result.level == GENERAL
    assert result.triggers == () and result.reasons == ()
    assert result.emergency is False


@pytest.mark.parametrize(
    ("text", "trigger", "label", "word"),
    [
        ("网上有人误读新出台的住房政策，说要收房产税", "policy_misreading", "重大政策误解误读", "误读"),
        ("城管暴力执法，当街打人", "credibility", "影响党和政府公信力", "暴力执法"),
        ("某校发生集体食物中毒，数十名学生送医", "public_health", "突发公共卫生事件", "集体食物中毒"),
        ("连日暴雨引发山体滑坡，道路中断", "natural_disaster", "自然灾害", "山体滑坡"),
        ("化工厂车间发生爆炸", "production_accident", "安全生产事故", "爆炸"),
        ("幼儿园老师虐童视频曝光", "moral_bottom_line", "冲击社会道德底线", "虐童"),
        # seed 002 二(二) "上级政府要求下级政府主动回应": a demand to answer the public
        ("市政府办公室致函县政府，要求主动回应", "superior_demand", "上级政府要求主动回应", "要求主动回应"),
        ("网传县城要封城，纯属谣言", "rumour", "谣言与不实信息", "谣言"),
        ("上百名农民工集体讨薪，围堵工地大门", "major_livelihood", "涉及公众切身利益且影响较大", "集体讨薪"),
    ],
)
def test_each_trigger_names_its_words(text, trigger, label, word):
    result = assess_severity(text)
    assert trigger in result.triggers
    assert result.level == MAJOR
    reason = next(r for r in result.reasons if r.startswith(label + "："))
    assert f"“{word}”" in reason


@pytest.mark.parametrize(
    ("text", "trigger", "word"),
    [
        ("群众对新出台的医保政策存在误解误读", "policy_misreading", "误解误读"),
        ("不少人误解政策，以为补贴取消了", "policy_misreading", "误解政策"),
        ("招商承诺不兑现，新官不理旧账，企业叫苦", "credibility", "新官不理旧账"),
        ("拆迁补偿一拖再拖，政府失信于民", "credibility", "失信于民"),
        ("小区流浪猫被人虐杀，视频引发众怒", "moral_bottom_line", "虐杀"),
    ],
)
def test_added_trigger_words_are_named(text, trigger, word):
    result = assess_severity(text)
    assert trigger in result.triggers and result.level == MAJOR
    assert any(f"“{word}”" in r for r in result.reasons)


def test_public_health_reason_and_emergency():
    result = assess_severity("某校发生集体食物中毒")
    assert result.reasons == ("突发公共卫生事件：命中“集体食物中毒”",)
    assert result.emergency is True


@pytest.mark.parametrize(
    ("text", "emergency"),
    [("连日暴雨引发山洪", True), ("煤矿发生透水事故", True), ("县里发现传染病疫情", True), ("城管暴力执法", False)],
)
def test_emergency_flag(text, emergency):
    assert assess_severity(text).emergency is emergency


def test_traditional_text():
    assert assess_severity("某校發生集體食物中毒").triggers == ("public_health",)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("3人死亡", MAJOR),
        ("造成十人遇难", ESPECIALLY),
        ("死亡3人", MAJOR),
        ("12人受伤", MAJOR),
        ("9人受伤", GENERAL),
        ("受伤50人", ESPECIALLY),
        ("造成二十一人死亡", ESPECIALLY),
        ("致1名工人身亡", MAJOR),
        ("3死12伤", MAJOR),
        ("死亡人数升至12人", ESPECIALLY),
        ("事故已致９人遇难", MAJOR),  # full-width digit
    ],
)
def test_casualty_thresholds(text, level):
    result = assess_severity(text)
    assert result.level == level
    assert ("casualties" in result.triggers) is (level != GENERAL)


def test_casualty_reason():
    result = assess_severity("事故造成3名工人当场死亡，另有12人受伤")
    assert "人员伤亡：死亡3人、受伤12人，达到重大标准" in result.reasons


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3人死亡", (3, 0)), ("12人受伤", (0, 12)), ("造成十人遇难", (10, 0)), ("10余人受伤", (0, 10)), ("3天后死亡", (0, 0))],
)
def test_count_casualties(text, expected):
    assert count_casualties(text) == expected


@pytest.mark.parametrize(
    ("number", "value"),
    [("12", 12), ("十", 10), ("十二", 12), ("二十", 20), ("一百零三", 103), ("两千", 2000), ("数十", 10)],
)
def test_parse_number(number, value):
    assert parse_number(number) == value


@pytest.mark.parametrize("text", ["工厂检查，未造成人员伤亡", "仓库存在火灾隐患", "一旦发生火灾后果不堪设想"])
def test_negated_or_hypothetical_hits_do_not_count(text):
    assert "production_accident" not in assess_severity(text).triggers


def test_actual_fire_counts():
    assert assess_severity("仓库发生火灾").triggers == ("production_accident",)


def test_verification_request_alone_is_not_major():
    # seed 001 四: "对影响重大的政务舆情，24小时内回应" and, apart, "对要求核实处置的政务舆情情况要24小时内
    # 反馈": a verification request gets the 24 h feedback clock; it does not make the item major.
    result = assess_severity("某小区停水", verification_request=True)
    assert result.triggers == ("verification",)
    assert result.level == GENERAL
    assert result.reasons == ("上级要求核实处置：上级要求核实处置",)
    assert result.emergency is False
    assert assess_severity("省领导批示，要求核实处置").level == GENERAL


def test_scale_words_only_for_hot_topics():
    text = "数百名学生家长反映学校收费问题"
    assert assess_severity(text).level == GENERAL
    hot = assess_severity(text, topic="义务教育")
    assert hot.triggers == ("major_livelihood",)
    assert "热点民生（义务教育）" in hot.reasons[0]
    assert assess_severity(text, tags=("教育",)).level == MAJOR


def test_casualties_on_an_accident_topic_make_an_emergency():
    result = assess_severity("井下3人死亡", topic="安全生产")
    assert set(result.triggers) == {"casualties", "production_accident"}
    assert result.emergency is True
    assert assess_severity("井下3人死亡").emergency is False


def test_level_is_the_maximum_over_triggers():
    result = assess_severity("城管暴力执法引发冲突，造成十人死亡")
    assert {"credibility", "casualties"} <= set(result.triggers)
    assert result.level == ESPECIALLY


def test_packaged_rules_loaded_once():
    assert load_rules() is load_rules()


def test_custom_rules(tmp_path):
    path = tmp_path / "severity.yaml"
    path.write_text(
        "triggers:\n  rumour: {label: 谣言, level: 特别重大, words: [谣言]}\n"
        "verification_trigger: rumour\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert assess_severity("纯属谣言", rules=rules).level == ESPECIALLY
    assert assess_severity("3人死亡", rules=rules).level == GENERAL  # no casualty thresholds


def test_rules_naming_an_unknown_trigger_are_refused(tmp_path):
    path = tmp_path / "severity.yaml"
    path.write_text("triggers: {}\nverification_trigger: nope\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nope"):
        load_rules(path)
