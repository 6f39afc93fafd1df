"""Retrieval quality on the labelled query set (written independently of the library text)."""

from retrieval.recall import load_queries, measure


def test_query_set_is_labelled_with_library_ids():
    from retrieval.library import load_library

    ids = {s.id for s in load_library()}
    queries = load_queries()
    assert len(queries) >= 100
    assert all(set(q["expected"]) <= ids for q in queries)


def test_default_embedding_recall(default_store):
    result = measure(default_store)  # the default embedding, as users get it
    assert result.recall_at_5 >= 0.9, result.misses[:10]
    assert result.recall_at_1 >= 0.8
