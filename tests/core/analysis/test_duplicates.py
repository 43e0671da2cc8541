"""Near-duplicate clusters (MinHash LSH over word shingles, verified by exact Jaccard)."""

import pytest

from core.analysis.duplicates import near_duplicates, shingles
from core.exceptions import ParameterError

LANGS = ["Afrikaans", "Albanian", "Amharic", "Arabic", "Basque", "Bengali", "Catalan", "Czech"]
PACK = ("tesseract-ocr language files for {}. Tesseract is an open source optical character "
        "recognition engine. This package contains the data files required to recognize {} text "
        "with the engine, installed in the shared data folder.")
OTHER = [
    "A real-time strategy game of ancient warfare with detailed artwork and a custom engine.",
    "Slide and add numbered tiles on a grid until you reach the winning tile.",
    "Development headers for the core libraries of the directory server.",
    "Tool to compare ABI compatibility of shared C and C++ library versions.",
]


def test_shingles():
    assert shingles("a b c d") == frozenset({"a b c", "b c d"})
    assert shingles("Hello, world") == frozenset({"hello world"})
    assert shingles("") == frozenset()


def test_templated_descriptions_form_one_cluster_and_distinct_texts_none():
    texts = [PACK.format(lang, lang) for lang in LANGS] + OTHER
    corpora = ["graphics"] * 5 + ["sound"] * 3 + ["graphics", "graphics", "sound", "sound"]
    ids = [f"d{i}" for i in range(len(texts))]
    found = near_duplicates(corpora, ids, texts)
    assert found.n_clusters == 1
    cluster = found.clusters
    assert set(cluster["doc_id"]) == {f"d{i}" for i in range(len(LANGS))}
    assert (cluster["size"] == len(LANGS)).all() and (cluster["cluster"] == 1).all()
    assert set(cluster["corpus"]) == {"graphics", "sound"}  # clusters span corpora
    assert found.n_removable == len(LANGS) - 1
    drop = found.drop_ids()
    assert sorted(drop["graphics"] + drop["sound"]) == sorted(f"d{i}" for i in range(1, len(LANGS)))
    assert found.cluster_of()[("graphics", "d0")] == (1, len(LANGS))
    # d0 (graphics) is kept; graphics loses d1-d4, sound d5-d7
    assert found.removable_by_corpus() == {"graphics": 4, "sound": 3}
    assert sum(found.removable_by_corpus().values()) == found.n_removable


def test_threshold_is_exact_jaccard():
    # 10 tokens each, one token changed in the middle: 3-shingles share 5 of 11 → Jaccard 5/11 ≈ 0.4545
    a = "one two three four five six seven eight nine ten"
    b = "one two three four fivex six seven eight nine ten"
    ja = shingles(a)
    jb = shingles(b)
    assert len(ja & jb) / len(ja | jb) == pytest.approx(5 / 11)
    assert near_duplicates(["x", "x"], ["a", "b"], [a, b], threshold=0.45).n_clusters == 1
    assert near_duplicates(["x", "x"], ["a", "b"], [a, b], threshold=0.5).n_clusters == 0


def test_clusters_are_chains_ordered_by_size():
    base = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi"]
    texts = [" ".join(base), " ".join(base[:-1] + ["rho"]), " ".join(base[:-1] + ["sigma"]),
             "red green blue cyan magenta yellow black white grey", "red green blue cyan magenta yellow black white gray",
             "nothing like the others at all here"]
    found = near_duplicates(["c"] * 6, [str(i) for i in range(6)], texts, threshold=0.6)
    assert found.n_clusters == 2
    sizes = found.clusters.groupby("cluster")["size"].first().tolist()
    assert sizes == [3, 2]
    assert found.n_in_clusters == 5 and found.n_removable == 3


def test_bad_parameters():
    with pytest.raises(ParameterError, match="threshold"):
        near_duplicates(["a"], ["1"], ["x"], threshold=0)
    with pytest.raises(ParameterError, match="same length"):
        near_duplicates(["a"], ["1", "2"], ["x"])


def test_keep_one_per_cluster_removes_the_others_and_says_so():
    from core.analysis.duplicates import without_documents
    from core.load.corpus import Corpus

    texts = [PACK.format(lang, lang) for lang in LANGS[:3]] + OTHER[:2]
    corpus = Corpus.from_texts(texts, name="g", ids=["a", "b", "c", "d", "e"])
    found = near_duplicates(["g"] * 5, list(corpus.ids), list(corpus.texts))
    kept = without_documents(corpus, found.drop_ids()["g"])
    assert kept.ids == ("a", "d", "e") and kept.texts == (texts[0], texts[3], texts[4])
    assert kept.source_rows == (0, 3, 4) and len(kept.metadata) == 3
    assert kept.report.n_documents == 3
    assert kept.report.notes[-1] == "2 near-duplicates removed (one document kept per group)"
    with pytest.raises(ParameterError, match="no documents with the ids"):
        without_documents(corpus, ["zz"])


def _reference_components(texts: list[str], threshold: float) -> set[frozenset[int]]:
    """The clusters as datasketch's own LSH gives them: every candidate of every document checked."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128, weights=(0.05, 0.95))
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    sets = [shingles(t) for t in texts]
    for i, items in enumerate(sets):
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s.encode("utf-8") for s in items])
        for j in lsh.query(m):
            inter = len(items & sets[j]) / len(items | sets[j])
            if inter >= threshold and find(i) != find(j):
                parent[find(i)] = find(j)
        lsh.insert(i, m)
    groups: dict[int, set[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), set()).add(i)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def _count_bucket_paths(monkeypatch) -> dict[str, int]:
    """Count the buckets checked by the Python loop and by the sparse-product path."""
    from core.analysis import duplicates

    seen = {"small": 0, "large": 0}
    small, large = duplicates._link_bucket, duplicates._link_large_bucket

    def counted_small(*args):
        seen["small"] += 1
        return small(*args)

    def counted_large(*args):
        seen["large"] += 1
        return large(*args)

    monkeypatch.setattr(duplicates, "_link_bucket", counted_small)
    monkeypatch.setattr(duplicates, "_link_large_bucket", counted_large)
    return seen


def test_clusters_are_those_of_every_lsh_candidate_pair_checked(monkeypatch):
    # templates with random word swaps make chains, partial overlaps and false candidates: skipping
    # the pairs already connected must give exactly the components of checking every candidate, by
    # either path (small buckets in Python, large ones by sparse products)
    import random

    paths = _count_bucket_paths(monkeypatch)

    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(60)]
    templates = [[rng.choice(vocab) for _ in range(18)] for _ in range(6)]
    texts = []
    for _ in range(400):
        words = list(rng.choice(templates))
        for _ in range(rng.randint(0, 4)):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        texts.append(" ".join(words))
    for threshold in (0.4, 0.5, 0.7):
        found = near_duplicates(["c"] * len(texts), [str(i) for i in range(len(texts))], texts,
                                threshold=threshold)
        got = {frozenset(int(d) for d in g["doc_id"]) for _, g in found.clusters.groupby("cluster")}
        assert got == _reference_components(texts, threshold)
        assert 1 < len(got) and found.n_in_clusters > 100  # the case is not trivial
    assert paths["small"] > 0 and paths["large"] > 0  # both paths were taken


def test_boilerplate_below_the_threshold_is_checked_exactly_and_fast(monkeypatch):
    # 1,500 documents sharing a 14-word boilerplate, each with its own words: Jaccard about 0.3-0.45,
    # so LSH makes very many candidates and none passes at 0.5 (the loop's quadratic case). The
    # sparse-product path must find exactly the reference components (none at 0.5, some at 0.3).
    import random

    rng = random.Random(5)
    shared = ["this", "package", "provides", "the", "files", "needed", "to", "build", "programs", "that", "use", "the", "library"]
    texts = [" ".join(shared + [f"u{i}x{k}" for k in range(rng.randint(4, 9))]) for i in range(1500)]
    paths = _count_bucket_paths(monkeypatch)
    for threshold in (0.5, 0.3):
        found = near_duplicates(["c"] * len(texts), [str(i) for i in range(len(texts))], texts,
                                threshold=threshold)
        got = {frozenset(int(d) for d in g["doc_id"]) for _, g in found.clusters.groupby("cluster")}
        assert got == _reference_components(texts, threshold)
    assert paths["large"] > 0


def test_one_large_template_cluster_is_linear_not_quadratic(monkeypatch):
    # 20,000 documents of one template: every pair is a candidate (2·10⁸ pairs); checking only pairs
    # not yet connected needs about one check per document and band (counted, not timed)
    from core.analysis import duplicates

    n = 20_000
    texts = [f"document {i}: " + "a fairly long package description " * 12 for i in range(n)]
    calls = 0
    original, original_pairs = duplicates._jaccard, duplicates._jaccard_pairs

    def counting(a, b):
        nonlocal calls
        calls += 1
        return original(a, b)

    def counting_pairs(inter, a, b):
        nonlocal calls
        calls += len(inter)
        return original_pairs(inter, a, b)

    monkeypatch.setattr(duplicates, "_jaccard", counting)  # the real checks, counted
    monkeypatch.setattr(duplicates, "_jaccard_pairs", counting_pairs)
    found = near_duplicates(["a"] * n, [str(i) for i in range(n)], texts)
    assert found.n_clusters == 1 and found.n_in_clusters == n
    # the loop joins each document to the cluster in about one check; all pairs would be 2·10⁸
    assert calls < 2 * n
