"""The fast word matchers give exactly what the plain definitions give."""

import json
import random
from pathlib import Path

from assistant.lexicon import _any, cjk_bigrams, expand_synonyms, groups_in, synonym_groups

ROOT = Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    briefs = [json.loads(line)["brief"] for line in (ROOT / "eval/cases/novel.jsonl").read_text(encoding="utf-8").splitlines()]
    return [b["name"] + b.get("purpose", "") for b in briefs]


def test_groups_in_equals_substring_tests():
    rng = random.Random(7)
    groups = synonym_groups(True)
    words = [w for g in groups for w in g]
    texts = _texts()
    # texts that hold words overlapping at the same start (公务用车 and 公务), and none at all
    texts += ["".join(rng.choice(words) + rng.choice("，的了和") for _ in range(rng.randint(0, 6))) for _ in range(300)]
    for text in texts:
        assert groups_in(text, groups) == {k for k, g in enumerate(groups) if any(w in text for w in g)}, text


def test_expand_synonyms_adds_each_named_group_once():
    groups = synonym_groups(False)
    g = next(g for g in groups if len(g) >= 3)
    expanded = expand_synonyms(f"购置{g[0]}", work=False)
    assert all(w in expanded for w in g)
    assert expand_synonyms("与任何对象无关的一句话", work=False) == "与任何对象无关的一句话"


def test_alternation_matcher_equals_any():
    rng = random.Random(3)
    pool = ["满意度", "满意", "率", "次数", "公里", "%", "a.b", "(x)", "[", "\\d"]
    for _ in range(500):
        words = tuple(rng.sample(pool, rng.randint(0, len(pool))))
        text = "".join(rng.choice(pool + ["的", "是", "1"]) for _ in range(rng.randint(0, 5)))
        assert _any(text, words) == any(w in text for w in words)
        assert _any(text, list(words)) == any(w in text for w in words)  # a list built afresh on each call


def test_cjk_bigrams_stop_at_non_chinese():
    assert cjk_bigrams("本级安达，加油站ab相关") == {"本级", "级安", "安达", "加油", "油站", "相关"}
    assert cjk_bigrams("加油站", frozenset({"加油"})) == {"油站"}


def test_a_word_list_gets_one_compiled_pattern_however_often_a_cache_is_emptied():
    """The UI's idle trim empties the lru caches; the word lists their functions scan must not then pile up new
    pattern entries (a tuple concatenated per call did, one entry per cache miss)."""
    from assistant import lexicon

    lexicon.is_measurable_name("道路养护里程")
    before = len(lexicon._ALTERNATIONS)
    for i in range(200):
        lexicon.is_measurable_name.cache_clear()
        assert lexicon.is_measurable_name(f"第{i}段道路养护里程")
    assert len(lexicon._ALTERNATIONS) == before
