"""The registry of methods: every choice a user can make, with its label, explanation and citation.

One :class:`Method` per choice, grouped by ``kind`` (:data:`KINDS`): the analyses, transforms,
hubness reductions, two-sample tests, word-shift methods, precisions, runtimes (backends),
anchor selections, engines, models, text measures and pipeline stages. Each has the ``id`` the code
and the settings use, the ``label`` people read, a one-line ``explanation`` and a short
``citation`` ("" for engineering choices such as a runtime).

Who reads it (each list of choices is written here once):

- the analysis spec (:mod:`core.pipeline.spec`) takes its allowed analyses, transforms, reductions,
  precisions, runtimes, anchor methods, word-shift methods and engines from here, and the library
  modules their tuples (``core.embed.base.PRECISIONS``, ``core.analysis.shift.methods.WORD_METHODS``,
  ``core.transform.relative.ANCHOR_METHODS``);
- the command line (:mod:`cli.compare`, :mod:`cli.main`): argparse ``choices`` and help texts;
- the dashboard (``app/views``): the labels of its widgets, tables and progress bar;
- the report (:mod:`core.report.readings`, :mod:`core.report.document`): labels and the citations
  shown under each explanation (``CITATIONS`` there is a view of this registry).

This module is the bottom of the flow: it imports only :mod:`core.exceptions`, so every layer may
read it. Adding a method means one entry here (and its implementation where it belongs); the tests
(``tests/core/test_methods.py``) check that the spec, the command line and this registry agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.exceptions import ParameterError

__all__ = ["KINDS", "METHODS", "Method", "choices_help", "get_method", "method_citation", "method_ids",
           "method_label", "method_labels"]

#: Each kind of method and the parameter that chooses it (named in the error for an unknown id).
KINDS: dict[str, str] = {
    "analysis": "analyses",
    "transform": "transforms",
    "reduction": "hubness_reduction",
    "test": "test",
    "word_method": "words_method",
    "precision": "precision",
    "backend": "backend",
    "anchor": "anchor_method",
    "engine": "engine",
    "model": "model",
    "text": "text measure",
    "stage": "stage",
}


@dataclass(frozen=True)
class Method:
    """One choice of one kind.

    Parameters
    ----------
    id : str
        The name in settings, the manifest and on the command line (``"mp_gaussian"``).
    kind : str
        One of :data:`KINDS`.
    label : str
        What people read in a widget or a table heading (``"Mutual proximity (Gaussian)"``).
    explanation : str
        One line on what it does, as a fragment that follows "id: " (lower case unless a name, no
        final full stop): the command line's help is made of them.
    citation : str
        Short reference with its year, as printed under the pages' explanations; ``""`` for an
        engineering choice with no scholarly origin.
    inline_label : str
        The label as written inside a sentence or a table cell (``"mutual proximity (Gaussian)"``);
        ``""`` when it is the same as ``label`` (see :attr:`inline`).
    """

    id: str
    kind: str
    label: str
    explanation: str
    citation: str = ""
    inline_label: str = ""

    @property
    def inline(self) -> str:
        """The label inside running text and table cells."""
        return self.inline_label or self.label


# short citations that other citations are made of (each written once)
_SEEGMILLER = "Seegmiller & Preum, EMNLP 2023"
_GRETTON = "Gretton et al. 2012"
_SZEKELY = "Székely & Rizzo 2013"  # J. Stat. Plan. Inference 143(8), 2013
_LOPEZ_PAZ = "Lopez-Paz & Oquab 2017"
_SCHNITZER = "Schnitzer et al., JMLR 2012"
_YOKOI = "Yokoi et al., *Zipfian Whitening*, NeurIPS 2024"
_CADE = ("Bianchi, Di Carlo, Nicoli & Palmonari, *Compass-aligned Distributional Embeddings* (CADE), "
         "2020")
_KUTUZOV = "Kutuzov & Giulianelli, SemEval 2020"


def _m(kind: str, id: str, label: str, explanation: str, citation: str = "", inline: str = "") -> Method:
    return Method(id=id, kind=kind, label=label, explanation=explanation, citation=citation,
                  inline_label=inline)


#: Every method, grouped by kind; within a kind in the order the code uses (analyses and stages in
#: the order they run, transforms in the order they are applied).
METHODS: tuple[Method, ...] = (
    # analyses that can be switched on or off (Analysis.analyses, --analyses / --skip)
    _m("analysis", "depth", "Depth test",
       "how central each document is to each corpus, and the depth rank-sum test both ways: does one "
       "corpus lie on the fringe of the other?",
       "Seegmiller & Preum, *Statistical Depth for Ranking and Characterizing Transformer-Based Text "
       "Embeddings*, EMNLP 2023; Q index: Liu & Singh 1993"),
    _m("analysis", "tests", "MMD, energy, classifier",
       "three tests of whether two corpora come from one distribution, with permutation p-values "
       "corrected over all tests (Holm)",
       f"MMD ({_GRETTON}), energy distance ({_SZEKELY}), classifier two-sample test ({_LOPEZ_PAZ}); "
       "Holm 1979 correction"),
    _m("analysis", "hubness", "Hubness",
       "whether a few documents crowd everyone's nearest-neighbour lists (k-skewness, Robin Hood "
       "index), before and after an optional reduction",
       "Radovanović et al., JMLR 2010; Schnitzer et al. 2012 (mutual proximity); Conneau et al. 2018 "
       "(CSLS); Hara et al. 2016 (DisSimLocal)"),
    _m("analysis", "spread", "Spread",
       "how evenly the documents use the dimensions of the space (IsoScore, EEE, VRM) and its "
       "eigenspectrum",
       "Rudman et al., *IsoScore*, 2022; Marbut et al., ICML 2023"),
    _m("analysis", "map", "Map",
       "one seeded two-dimensional UMAP map of all corpora together, for browsing",
       "McInnes, Healy & Melville, *UMAP*, 2018; one seeded fit of all corpora"),
    _m("analysis", "words", "Word shift",
       "the words the corpora use differently, beyond the noise between random halves of one corpus",
       f"{_CADE}; the model's token vectors: {_KUTUZOV}; noise between halves: Dubossarsky et al. 2017"),
    _m("analysis", "models", "Model comparison",
       "two embedding models compared through relative representations, kNN overlap, retrieval MRR "
       "and linear CKA (runs when a second model is named)",
       "Moschella et al., *Relative representations enable zero-shot latent space communication*, "
       "ICLR 2023; linear CKA: Kornblith et al. 2019"),
    # transforms of the space, in the order they are applied (Analysis.transforms, --transforms)
    _m("transform", "zipfian", "Zipfian whitening",
       "replaces the sentence vectors by bag-of-words vectors of the model's word embeddings, "
       "whitened with the words' frequencies as weights", _YOKOI),
    _m("transform", "center", "Centring", "subtracts the mean vector of all corpora pooled"),
    _m("transform", "whiten", "Standard whitening",
       "PCA whitening: centres, decorrelates and equalises the variance in every direction"),
    # hubness reductions (Analysis.hubness_reduction, --hubness-reduction; the keys of
    # core.transform.hubness_reduction.REDUCTIONS)
    _m("reduction", "mp_empirical", "Mutual proximity (empirical)",
       "how unlikely a third document is nearer to both, counted over the empirical distances",
       _SCHNITZER, "mutual proximity (empirical)"),
    _m("reduction", "mp_gaussian", "Mutual proximity (Gaussian)",
       "mutual proximity with each document's distances modelled as a Gaussian",
       _SCHNITZER, "mutual proximity (Gaussian)"),
    _m("reduction", "local_scaling", "Local scaling",
       "each distance rescaled by the two documents' distances to their k-th neighbours",
       f"Zelnik-Manor & Perona, NIPS 2004; {_SCHNITZER}", "local scaling"),
    _m("reduction", "nicdm", "NICDM",
       "non-iterative contextual dissimilarity: each distance divided by the geometric mean of the "
       "two documents' mean neighbour distances", _SCHNITZER),
    _m("reduction", "csls", "CSLS",
       "cross-domain similarity local scaling: twice the distance minus each document's mean "
       "distance to its neighbours", "Conneau et al., ICLR 2018"),
    _m("reduction", "dissim_local", "DisSimLocal",
       "squared distance minus each document's squared distance to the centroid of its neighbours",
       "Hara et al., AAAI 2016"),
    # the tests of the tests table (its "test" column)
    _m("test", "depth", "Depth rank-sum test",
       "is the other corpus less central than the reference corpus's own documents? Effect size the "
       "Liu–Singh Q (0.5 = no difference)", _SEEGMILLER),
    _m("test", "mmd", "MMD",
       "maximum mean discrepancy with an RBF kernel, permutation p-value; effect size MMD²", _GRETTON),
    _m("test", "energy", "Energy distance",
       "energy-distance permutation test; effect size the homogeneity coefficient H (0 to 1)", _SZEKELY),
    _m("test", "classifier", "Classifier test",
       "cross-validated logistic regression between the corpora; effect size the out-of-fold AUC "
       "(0.5 = cannot tell them apart)", _LOPEZ_PAZ),
    # word-shift methods (Analysis.words_method, --words-method)
    _m("word_method", "auto", "Automatic (recommended)",
       "the combination when the transformer model is at hand, else CADE (the best on held-out "
       "benchmark corpora)"),
    _m("word_method", "cade", "Word2vec aligned on a shared compass (CADE)",
       "word2vec trained per corpus against one shared, frozen context matrix, averaged over several "
       "trainings", _CADE),
    _m("word_method", "contextual", "The embedding model's token vectors",
       "the embedding model's vector of every occurrence, averaged per corpus (slower: the model "
       "reads every word)",
       f"{_KUTUZOV}; Martinc, Kralj Novak & Pollak 2020"),
    _m("word_method", "combined", "Both combined",
       "CADE and the token vectors, ranked by the mean of their z-scores",
       "Stouffer et al. 1949 (z-scores combined)"),
    # numeric precision of the embedding model (Analysis.precision, --precision)
    _m("precision", "auto", "Automatic", "bf16 where the CPU computes it natively, else fp32"),
    _m("precision", "fp32", "fp32 (full precision)", "32-bit floating point, the reference"),
    _m("precision", "bf16", "bf16 (bfloat16)",
       "bfloat16, several times faster than fp32 where the CPU computes it natively (cosine to fp32 "
       "at least 0.999)"),
    _m("precision", "int8", "int8 (quantised)",
       "quantised with OpenVINO, calibrated on real texts (cosine to fp32 about 0.99, reported)"),
    # how the embedding model runs (Analysis.backend, --backend)
    _m("backend", "auto", "Fastest available",
       "OpenVINO where installed (the 'fast' extra) and the CPU computes bf16 natively, else torch"),
    _m("backend", "torch", "PyTorch", "the model in PyTorch (sentence-transformers)"),
    _m("backend", "onnx", "ONNX Runtime (fp32)",
       "ONNX Runtime fp32 on the CPU (the same vectors as PyTorch to 1e-6, faster)"),
    _m("backend", "openvino", "OpenVINO", "Intel OpenVINO (bf16 or int8 where the CPU supports them)"),
    # anchor documents of the model comparison (Analysis.anchor_method, --anchor-method)
    _m("anchor", "uniform", "Uniform random", "a seeded uniform random sample of the documents"),
    _m("anchor", "kmeans", "k-means", "the document nearest to each k-means centroid"),
    _m("anchor", "farthest", "Farthest point",
       "farthest-point sampling: each anchor the farthest from those before it"),
    # where the pipeline runs (Analysis.engine, --engine)
    _m("engine", "local", "This process", "everything runs in this process"),
    _m("engine", "ray", "Ray cluster",
       "the embedding is spread over a Ray cluster's workers (the 'ray' extra); the results are the "
       "same"),
    # the models offered by name (any other sentence-transformers model can be named as well)
    _m("model", "default", "Bundled default model (all-MiniLM-L6-v2)",
       "the bundled sentence-transformers model, no download",
       "Reimers & Gurevych, *Sentence-BERT*, 2019; default model all-MiniLM-L6-v2"),
    _m("model", "fast", "Fast static model",
       "a static token table distilled from the default model: about 100 times faster, a coarser "
       "space, for a first look", "Tulkens & van Dongen, *model2vec*, 2024"),
    # measures of the texts themselves (Data and Compare pages, report)
    _m("text", "duplicates", "Near-duplicates",
       "documents sharing at least half of their 3-word sequences; chains of them form one group",
       "MinHash (Broder 1997) over 3-word shingles, checked by exact Jaccard similarity"),
    _m("text", "distinctive", "Distinctive words",
       "the words each corpus uses more than the others, by the z-score of a weighted log-odds ratio",
       "Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn, "
       "*Political Analysis* 2008)"),
    # stages, in the order they run and report progress ("model": the dashboard loading the model
    # before the pipeline runs; the others are core.pipeline.spec.STAGES)
    _m("stage", "model", "Loading the model", "reading and checking the model's weights",
       inline="loading the model"),
    _m("stage", "load", "Reading the corpora", "reading and cleaning the corpus files", inline="loading"),
    _m("stage", "embed", "Embedding", "every document turned into a vector (cached)", inline="embedding"),
    _m("stage", "transform", "Transforming the space", "the chosen transforms, on all corpora pooled",
       inline="transforms"),
    _m("stage", "knn", "Nearest-neighbour graph", "the k nearest neighbours of every document",
       inline="neighbour graph"),
    _m("stage", "depth", "Depth test", "depths and the depth test", inline="depth test"),
    _m("stage", "tests", "Two-sample tests", "MMD, energy distance and the classifier test",
       inline="two-sample tests"),
    _m("stage", "hubness", "Hubness", "hubness before and after the reduction", inline="hubness"),
    _m("stage", "spread", "Spread", "spread, eigenspectrum and symmetry scores", inline="spread"),
    _m("stage", "map", "Map (UMAP)", "the UMAP map of all corpora", inline="map"),
    _m("stage", "words", "Word shift", "word shift for every pair of corpora (word2vec, contextual or both)",
       inline="word shift"),
    _m("stage", "models", "Model comparison", "the second model's space compared with the first",
       inline="model comparison"),
)

_BY_KIND: dict[str, dict[str, Method]] = {kind: {} for kind in KINDS}
for _method in METHODS:
    _BY_KIND[_method.kind][_method.id] = _method
del _method


def _kind(kind: str) -> dict[str, Method]:
    if kind not in _BY_KIND:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return _BY_KIND[kind]


def get_method(kind: str, id: str, *, parameter: str | None = None) -> Method:
    """The method ``id`` of ``kind``.

    Raises
    ------
    ParameterError
        For an unknown id: "``parameter`` must be one of <the ids>, got <id>" (``parameter`` defaults
        to the parameter that chooses the kind, :data:`KINDS`).
    """
    methods = _kind(kind)
    if not isinstance(id, str) or id not in methods:
        raise ParameterError(f"{parameter or KINDS[kind]} must be one of {', '.join(methods)}, got {id!r}")
    return methods[id]


def method_ids(kind: str) -> tuple[str, ...]:
    """The ids of ``kind``, in the registry's order."""
    return tuple(_kind(kind))


def method_labels(kind: str, *, inline: bool = False) -> dict[str, str]:
    """``{id: label}`` of ``kind`` in order (``inline=True``: the labels as written in running text)."""
    return {i: (m.inline if inline else m.label) for i, m in _kind(kind).items()}


def method_label(kind: str, id: str, *, inline: bool = False) -> str:
    """The label of one method (``ParameterError`` for an unknown id)."""
    method = get_method(kind, id)
    return method.inline if inline else method.label


def method_citation(kind: str, id: str) -> str:
    """The short citation of one method ("" for an engineering choice)."""
    return get_method(kind, id).citation


def choices_help(kind: str) -> str:
    """``"id: explanation; id: explanation"`` for every method of ``kind`` (command-line help)."""
    return "; ".join(f"{i}: {m.explanation}" for i, m in _kind(kind).items())
