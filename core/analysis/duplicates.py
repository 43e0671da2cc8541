"""Near-duplicate documents: clusters of documents whose word shingles overlap almost entirely.

Exact duplicates are removed when a corpus is loaded; near-duplicates (boilerplate such as one
package description repeated for 100 languages with only the language name changed) are not, and
they distort every analysis built on neighbourhoods: they form islands on the map, fill the lists
of most central documents and become hubs. This module finds them so that the dashboard can list
them and, on request, keep one document per cluster.

Method
------
Each document becomes the set of its word shingles: the runs of ``shingle_size`` consecutive tokens
of :func:`core.load.tokens.tokenize` (a document with fewer tokens is one shingle of all its tokens). Two
documents are near-duplicates when the Jaccard similarity of their shingle sets is at least
``threshold``. Candidates are found with MinHash signatures and locality-sensitive hashing (Broder
1997; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3) from the ``datasketch``
library, so the cost grows about linearly with the number of documents; every candidate pair is then
checked with the exact Jaccard similarity of the two shingle sets, so a reported pair is never a
false positive of the hashing. The banding of the hashing is tuned for recall (a missed pair weighs
19 times a false candidate): with the defaults a pair at Jaccard 0.5 is found with probability 0.97,
at 0.6 with 0.998. Clusters
are the connected components of the near-duplicate pairs (union–find), so a chain of near-duplicates
is one cluster.

Cost. Inside an LSH bucket a document is checked only against components it has not joined yet, so a
templated cluster of m documents costs about m checks. When a bucket's checks keep failing (many
documents sharing boilerplate below the threshold, where every pair is a candidate and none passes)
the bucket hands over to sparse products of the shingle incidence matrix (scipy), which give the
exact Jaccard similarity of every pair in vectorised form. Both give the components of checking
every candidate pair (tested against datasketch's own query loop). 10,000 documents sharing 14
boilerplate words (Jaccard about 0.36, no pair at 0.5): 116 s with the loop alone, 4.7 s now.

Defaults: 3-word shingles, Jaccard ≥ 0.5, 128 permutations. A 30-word template filled in with a
different name in two places (one tesseract language pack per language) gives Jaccard about 0.68; on
the 3,842 bundled sample documents (7.4 million pairs) 99.7 % of the pairs share less than 0.1 of
their shingles and the 307 pairs at or above 0.5 are templated descriptions (drivers, campaigns,
language packs), while the pairs between 0.3 and 0.5 are mostly members of one package family with
different content.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.exceptions import ParameterError
from core.load.tokens import tokenize

__all__ = ["DEFAULT_SHINGLE_SIZE", "DEFAULT_THRESHOLD", "NearDuplicates", "near_duplicates", "shingles",
           "without_documents"]

DEFAULT_THRESHOLD = 0.5
DEFAULT_SHINGLE_SIZE = 3
DEFAULT_NUM_PERM = 128
#: buckets with more documents than this hand over to sparse matrix products (_link_large_bucket)
#: once their loop has checked more than _CHECKS_PER_DOCUMENT pairs per document
_SMALL_BUCKET = 32
_CHECKS_PER_DOCUMENT = 8
#: rows of one sparse product in a large bucket (memory: about _BLOCK x bucket size pairs)
_BLOCK = 512

CLUSTER_COLUMNS = ["cluster", "size", "corpus", "doc_id", "text"]


def shingles(text: str, size: int = DEFAULT_SHINGLE_SIZE) -> frozenset[str]:
    """The set of ``size``-token shingles of ``text`` (one shingle of all tokens when shorter)."""
    tokens = tokenize(text)
    if not tokens:
        return frozenset()
    if len(tokens) <= size:
        return frozenset([" ".join(tokens)])
    return frozenset(" ".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class NearDuplicates:
    """Clusters of near-duplicate documents.

    Attributes
    ----------
    clusters : DataFrame
        One row per document in a cluster: ``cluster`` (1 = largest), ``size`` (documents in the
        cluster), ``corpus``, ``doc_id``, ``text``; clusters in decreasing size, documents in input
        order within a cluster.
    threshold : float
        The Jaccard similarity of word shingles at or above which two documents are near-duplicates.
    shingle_size : int
        Words per shingle.
    n_documents : int
        Documents examined.
    """

    clusters: pd.DataFrame
    threshold: float
    shingle_size: int
    n_documents: int

    @property
    def n_clusters(self) -> int:
        return int(self.clusters["cluster"].nunique()) if len(self.clusters) else 0

    @property
    def n_in_clusters(self) -> int:
        """Documents that belong to a cluster."""
        return len(self.clusters)

    @property
    def n_removable(self) -> int:
        """Documents that keeping one per cluster would remove."""
        return self.n_in_clusters - self.n_clusters

    def drop_ids(self) -> dict[str, list[str]]:
        """Corpus -> ids of the documents to drop to keep the first of each cluster (input order)."""
        out: dict[str, list[str]] = {}
        for _, group in self.clusters.groupby("cluster", sort=True):
            for corpus, doc_id in zip(group["corpus"].iloc[1:], group["doc_id"].iloc[1:]):
                out.setdefault(str(corpus), []).append(str(doc_id))
        return out

    def removable_by_corpus(self) -> dict[str, int]:
        """Corpus -> documents that keeping one per cluster would remove from it (corpora without any
        are left out). A cluster spanning corpora keeps its first document, in the first corpus."""
        return {corpus: len(ids) for corpus, ids in self.drop_ids().items()}

    def cluster_of(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(corpus, doc_id) -> (cluster number, cluster size), for marking documents in other lists."""
        return {(str(c), str(d)): (int(k), int(s)) for c, d, k, s in
                zip(self.clusters["corpus"], self.clusters["doc_id"], self.clusters["cluster"],
                    self.clusters["size"])}


def near_duplicates(corpora: Sequence[str], doc_ids: Sequence[str], texts: Sequence[str], *,
                    threshold: float = DEFAULT_THRESHOLD, shingle_size: int = DEFAULT_SHINGLE_SIZE,
                    num_perm: int = DEFAULT_NUM_PERM, seed: int = 1) -> NearDuplicates:
    """Find clusters of near-duplicate documents (within and across corpora).

    Parameters
    ----------
    corpora, doc_ids, texts : sequence of str, each of length n_documents
        The corpus name, id and text of every document.
    threshold : float, default 0.5
        Jaccard similarity of the word-shingle sets, in (0, 1], at or above which two documents are
        near-duplicates.
    shingle_size : int, default 3
        Words per shingle.
    num_perm : int, default 128
        MinHash permutations (more: fewer missed pairs near the threshold, slower).
    seed : int, default 1
        Seed of the MinHash permutations (the result is deterministic for a seed).

    Returns
    -------
    NearDuplicates

    References
    ----------
    Broder, A. Z. (1997). On the resemblance and containment of documents. *Compression and
    Complexity of Sequences*, 21–29.
    """
    from datasketch import MinHash, MinHashLSH

    n = len(texts)
    if len(corpora) != n or len(doc_ids) != n:
        raise ParameterError(f"corpora, doc_ids and texts must have the same length, got "
                             f"{len(corpora)}, {len(doc_ids)} and {n}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ParameterError(f"threshold must be a number in (0, 1], got {threshold!r}")
    for pname, value, low in (("shingle_size", shingle_size, 1), ("num_perm", num_perm, 16)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(f"{pname} must be an integer ≥ {low}, got {value!r}")

    sets = [shingles(str(t), shingle_size) for t in texts]
    # the banding weighs a missed pair 19 times a false candidate (false candidates are cheap: every
    # candidate is checked exactly); only its band layout (b bands of r rows) is used here
    lsh = MinHashLSH(threshold=float(threshold), num_perm=num_perm, weights=(0.05, 0.95))
    bands, rows_per_band = lsh.b, lsh.r
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
    template = MinHash(num_perm=num_perm, seed=seed)  # its permutations serve every document
    for i, items in enumerate(sets):
        if not items:
            continue  # an empty document has nothing to compare
        signature = MinHash(num_perm=num_perm, seed=seed, permutations=template.permutations,
                            scheme=template.scheme)
        signature.update_batch([s.encode("utf-8", "surrogatepass") for s in items])
        values = signature.hashvalues
        for band in range(bands):
            key = values[band * rows_per_band:(band + 1) * rows_per_band].tobytes()
            buckets[band].setdefault(key, []).append(i)
    # Candidates are the pairs that share a bucket in at least one band (as MinHashLSH.query gives
    # them). A pair whose documents are already connected cannot change the components, so it is not
    # checked: within a bucket a document is checked against each other component in it until one of
    # that component's documents passes. The components are those of every candidate pair checked,
    # yet a cluster of m templated documents costs about m checks per band instead of m²/2.
    # A bucket is first checked by the loop of _link_bucket, which is quick when its documents join
    # (templated clusters); when it keeps failing (many documents sharing boilerplate below the
    # threshold: every pair a candidate, none passing) it hands over to sparse matrix products.
    matrix = None
    for table in buckets:
        for members in table.values():
            if len(members) < 2:
                continue
            budget = None if len(members) <= _SMALL_BUCKET else _CHECKS_PER_DOCUMENT * len(members)
            if not _link_bucket(members, sets, threshold, find, union, budget):
                if matrix is None:
                    matrix = _incidence(sets)
                _link_large_bucket(members, matrix, threshold, find, union)

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    clusters = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]))
    rows = []
    for number, members in enumerate(clusters, start=1):
        for i in members:
            rows.append({"cluster": number, "size": len(members), "corpus": str(corpora[i]),
                         "doc_id": str(doc_ids[i]), "text": str(texts[i])})
    frame = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    frame = frame.astype({"cluster": "int64", "size": "int64"})
    return NearDuplicates(clusters=frame, threshold=float(threshold), shingle_size=shingle_size,
                          n_documents=n)


def _incidence(sets: Sequence[frozenset[str]]) -> Any:
    """The documents' shingle sets as a sparse 0/1 matrix (documents x distinct shingles, CSR)."""
    import numpy as np
    from scipy import sparse

    ids: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for items in sets:
        indices.extend(ids.setdefault(item, len(ids)) for item in items)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                             shape=(len(sets), max(1, len(ids))))


def _jaccard_pairs(intersections: Any, sizes_a: Any, sizes_b: Any) -> Any:
    """Exact Jaccard similarities of pairs from their intersection sizes and set sizes (arrays)."""
    return intersections / (sizes_a + sizes_b - intersections)


def _link_large_bucket(members: list[int], matrix: Any, threshold: float, find: Any, union: Any) -> None:
    """:func:`_link_bucket` for a large bucket whose pairs keep failing, vectorised: the exact Jaccard similarity of every pair of
    ``members`` comes from sparse products of the shingle incidence matrix, a block of rows at a time,
    and the pairs that pass are joined through their connected components.

    The components are the same as checking every pair in Python, at a cost that no longer grows
    with Python-level work per pair: many documents sharing boilerplate below the threshold (every
    pair a candidate, none passing) were the quadratic case of the loop. A block is skipped once
    every member is in one component (pairs inside a component cannot change it).
    """
    import numpy as np
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    index = np.asarray(members, dtype=np.int64)
    sub = matrix[index]
    sizes = np.asarray(sub.sum(axis=1)).ravel().astype(np.float64)
    m = len(members)
    for start in range(0, m, _BLOCK):
        if len({find(i) for i in members}) == 1:
            return
        block = (sub[start:start + _BLOCK] @ sub.T).tocoo()
        rows, cols = block.row + start, block.col
        keep = cols > rows
        rows, cols, inter = rows[keep], cols[keep], block.data[keep].astype(np.float64)
        passing = _jaccard_pairs(inter, sizes[rows], sizes[cols]) >= threshold
        if not passing.any():
            continue
        graph = sparse.coo_matrix((np.ones(int(passing.sum()), dtype=np.int8), (rows[passing], cols[passing])),
                                  shape=(m, m))
        _, labels = connected_components(graph, directed=False)
        first: dict[int, int] = {}
        for local, label in enumerate(labels.tolist()):
            if label in first:
                union(members[first[label]], members[local])
            else:
                first[label] = local


def _link_bucket(members: list[int], sets: Sequence[frozenset[str]], threshold: float,
                 find: Any, union: Any, budget: int | None = None) -> bool:
    """Union every pair of ``members`` (one LSH bucket) whose exact Jaccard similarity reaches
    ``threshold``, skipping pairs whose documents are already in one component.

    Returns False, with the bucket partly done, when more than ``budget`` pairs were checked."""
    groups: list[list[int]] = []  # the members seen so far, by component
    checks = 0
    for x in members:
        for group in groups:
            if find(group[0]) == find(x):
                continue
            for y in group:
                checks += 1
                if budget is not None and checks > budget:
                    return False
                if _jaccard(sets[x], sets[y]) >= threshold:
                    union(x, y)
                    break
        root = find(x)
        mine = [group for group in groups if find(group[0]) == root]
        if not mine:
            groups.append([x])
            continue
        largest = max(mine, key=len)
        largest.append(x)
        for group in mine:  # components joined through x: one group from now on
            if group is not largest:
                largest.extend(group)
        groups = [group for group in groups if group is largest or find(group[0]) != root]
    return True


def without_documents(corpus: Any, doc_ids: Iterable[str]) -> Any:
    """A copy of a :class:`~core.load.corpus.Corpus` without the documents ``doc_ids`` (texts, metadata,
    source rows and vectors alike); the load report counts them in a note.

    Used to keep one document per near-duplicate cluster (:meth:`NearDuplicates.drop_ids`).
    """
    drop = {str(d) for d in doc_ids}
    unknown = drop - set(corpus.ids)
    if unknown:
        raise ParameterError(f"corpus {corpus.name!r} has no documents with the ids {sorted(unknown)[:5]}")
    if not drop:
        return corpus
    keep = [i for i, d in enumerate(corpus.ids) if d not in drop]
    note = f"{len(drop):,} near-duplicates removed (one document kept per group)"
    report = dataclasses.replace(corpus.report, n_documents=len(keep), notes=tuple(corpus.report.notes) + (note,))
    return dataclasses.replace(
        corpus, ids=tuple(corpus.ids[i] for i in keep), texts=tuple(corpus.texts[i] for i in keep),
        metadata=corpus.metadata.iloc[keep].reset_index(drop=True),
        source_rows=tuple(corpus.source_rows[i] for i in keep),
        vectors=None if corpus.vectors is None else corpus.vectors[keep], report=report)
