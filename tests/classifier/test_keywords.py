import pytest

from classifier.base import Classifier
from classifier.keywords import ABSTAIN_REASON, KeywordClassifier, fold, keyword_weight, trie_regex
from classifier.normalize import normalize
from routing.facts import UNKNOWN_TOPIC
from routing.taxonomy import load_taxonomy


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def clf(taxonomy):
    return KeywordClassifier(taxonomy)


# --- the taxonomy's keywords ------------------------------------------------------------
def test_every_topic_has_25_to_50_keywords(taxonomy):
    counts = {t.name: len(t.keywords) for t in taxonomy.topics}
    # the 26 pilot domains (seed 003) and 交通运输, 金融风险 (seed 004 三(二): finance-risk 舆情)
    assert len(counts) == 28
    assert {n: c for n, c in counts.items() if not 25 <= c <= 50} == {}


def test_keywords_are_distinct_across_topics(taxonomy):
    owner = {}
    clashes = []
    for t in taxonomy.topics:
        for k in t.keywords:
            if k in owner:
                clashes.append((k, owner[k], t.name))
            owner[k] = t.name
    assert clashes == []


def test_keywords_survive_normalisation(taxonomy):
    words = [str(k) for t in taxonomy.topics for k in t.keywords]
    words += [str(k) for h in taxonomy.hot_tags for k in h.keywords]
    assert [w for w in words if fold(normalize(w)) != w] == []


def test_every_hot_tag_has_keywords(taxonomy):
    assert all(len(h.keywords) >= 8 for h in taxonomy.hot_tags)


# --- matching helpers -------------------------------------------------------------------
def test_trie_regex_prefers_the_longest_keyword():
    pattern = trie_regex(["食材", "过期食材", "过期"])
    assert pattern.findall("使用过期食材和过期牛奶") == ["过期食材", "过期"]


def test_keyword_weight_grows_with_length():
    assert keyword_weight("停水") < keyword_weight("自来水") < keyword_weight("过期食材")


# --- topics -----------------------------------------------------------------------------
def test_implements_the_classifier_protocol(clf):
    assert isinstance(clf, Classifier)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("河西镇、马村镇多家餐馆被曝使用过期食材", "食品药品监管"),
        ("某小区停水三天，物业和自来水公司互相推诿", "市政服务"),
        ("城管暴力执法，掀翻了老人的菜摊", "城市综合执法"),
        ("我在工地干了一年，老板拖欠工资至今不给", "就业创业"),
        ("村里低保评定不公平，真正困难的五保户却没评上", "社会救助"),
        ("请问新生儿落户需要准备哪些材料，身份证什么时候能办", "户籍管理"),
        ("孩子小学入学划片不合理，学区房买了也上不了", "义务教育"),
        ("化工厂夜间偷排废水，河道出现黑臭水体", "环境保护"),
        ("煤矿井下瓦斯浓度超标仍然违规作业", "安全生产"),
        ("政府要拆迁我家房子，拆迁补偿标准太低还威胁强拆", "国有土地上房屋征收"),
        ("村里征地款被村干部截留，青苗补偿也没发", "征地补偿"),
        ("县医院医生态度差，看病难看病贵，还收红包", "医疗卫生"),
        ("敬老院护工虐待老人，伙食很差", "养老服务"),
        ("该项目招投标存在围标串标，中标结果早已内定", "公共资源交易"),
        ("我申请公租房已经轮候三年了还没配租", "保障性住房"),
        ("今年的种粮补贴和耕地地力保护补贴一直没有发放", "涉农补贴"),
    ],
)
def test_topics_of_realistic_messages(clf, text, topic):
    prediction = clf.predict(text)
    assert prediction.topic == topic, prediction
    assert prediction.confidence >= clf.threshold
    assert prediction.alternatives[0] == (topic, prediction.confidence)


def test_traditional_text_classified_like_simplified(clf):
    simplified = clf.predict("多家餐馆被曝使用过期食材，后厨卫生条件差")
    traditional = clf.predict("多家餐館被曝使用過期食材，後廚衛生條件差")
    assert traditional.topic == "食品药品监管"
    assert traditional == simplified


def test_full_width_and_html_input(clf):
    assert clf.predict("<p>城管<b>暴力执法</b></p>").topic == "城市综合执法"


def test_water_outage_goes_to_the_water_function(clf, taxonomy):
    text = "某小区停水三天"
    assert clf.predict(text).topic == "市政服务"
    assert taxonomy.function_for("市政服务", text) == "水务"
    assert taxonomy.function_for("市政服务", "路灯坏了一个月没人修") == "城市管理"
    assert taxonomy.function_for("市政服务", "小区天然气管道老化") == "住房城乡建设"


def test_medical_insurance_goes_to_medical_security(clf, taxonomy):
    text = "新农合医保报销比例太低"
    assert clf.predict(text).topic == "社会保险"
    assert taxonomy.function_for("社会保险", text) == "医疗保障"
    assert taxonomy.function_for("社会保险", "单位给我社保断缴半年") == "人力社保"


def test_reasons_name_the_keywords_and_topic(clf):
    prediction = clf.predict("河西镇、马村镇多家餐馆被曝使用过期食材")
    assert prediction.reasons == ("命中关键词：餐馆、过期食材（食品药品监管）",)


def test_longest_keyword_is_not_double_counted(clf):
    # 学校食堂 is a food-safety keyword: 学校 inside it must not count for 义务教育.
    prediction = clf.predict("学校食堂卫生条件差")
    assert prediction.topic == "食品药品监管"
    assert [t for t, _ in prediction.alternatives] == ["食品药品监管"]


def test_hit_across_a_word_boundary_counts_less(clf, taxonomy):
    i = taxonomy.topic_names.index("市政服务")
    crossing = clf.scores(fold(normalize("下月暂停水费收取")))[0][i]
    whole = clf.scores(fold(normalize("小区停水三天")))[0][i]
    assert 0 < crossing < whole


# --- abstention ---------------------------------------------------------------------------
def test_off_topic_text_abstains(clf):
    prediction = clf.predict("今天天气不错")
    assert prediction.topic == UNKNOWN_TOPIC
    assert prediction.confidence == 0.0
    assert prediction.alternatives == ()
    assert ABSTAIN_REASON in prediction.reasons


@pytest.mark.parametrize("empty", ["", None])
def test_empty_text_abstains(clf, empty):
    assert clf.predict(empty).topic == UNKNOWN_TOPIC


def test_weak_evidence_abstains_but_lists_alternatives(clf):
    prediction = clf.predict("医院和学校")  # one generic word for each of two topics
    assert prediction.topic == UNKNOWN_TOPIC
    assert {t for t, _ in prediction.alternatives} == {"医疗卫生", "义务教育"}
    assert 0 < prediction.confidence < clf.threshold
    assert prediction.reasons[-1] == ABSTAIN_REASON


def test_threshold_is_configurable(taxonomy):
    assert KeywordClassifier(taxonomy, threshold=0.0).predict("医院和学校").topic != UNKNOWN_TOPIC
    assert KeywordClassifier(taxonomy, threshold=0.99).predict("某小区停水三天").topic == UNKNOWN_TOPIC


def test_alternatives_are_top_three_sorted(clf):
    text = "医院门口占道经营，学校旁边停水，餐馆油烟扰民，拖欠工资"
    alternatives = clf.predict(text).alternatives
    assert len(alternatives) == 3
    scores = [s for _, s in alternatives]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert all(0 <= s <= 1 for s in scores)


# --- hot tags -------------------------------------------------------------------------------
def test_hot_tags(clf):
    assert clf.predict("学校食堂发生食物中毒").tags == ("食品药品安全", "教育")
    assert clf.predict("某P2P平台爆雷，投资人血本无归").tags == ("金融风险",)
    assert clf.predict("Ｐ２Ｐ网贷").tags == ("金融风险",)  # full-width, upper case
    assert clf.predict("某小区停水三天").tags == ()


# --- batch and tokenizer ------------------------------------------------------------------
def test_predict_many_matches_predict(clf):
    texts = ["某小区停水三天", "今天天气不错", "城管暴力执法"]
    assert clf.predict_many(texts) == [clf.predict(t) for t in texts]


def test_tokenizer_keeps_keywords_whole(clf):
    tokens = clf.tokenize("多家餐馆被曝使用过期食材")
    assert "过期食材" in tokens
    assert clf.tokenizer is clf.tokenizer  # built once
