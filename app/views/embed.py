"""Embed page: choose the model(s), precision and transforms, then run the whole analysis with a
progress bar (documents/s, time left) that can be cancelled."""

from __future__ import annotations

import time

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import explain, read_only_banner
from core.embed.policy import allowed_models
from core.exceptions import AnalysisCancelled, CorpusCompassError
from core.methods import method_ids, method_label, method_labels
from core.pipeline.progress import ProgressMeter, format_seconds

# every label of a method comes from the registry of methods (core.methods)
TRANSFORM_LABELS = method_labels("transform")
REDUCTION_LABELS = {None: "None (only measure hubness)", **method_labels("reduction")}
ANALYSIS_LABELS = method_labels("analysis")
STAGE_LABELS = method_labels("stage")
WORD_METHOD_LABELS = method_labels("word_method")
BACKEND_LABELS = method_labels("backend")
DEFAULT_MODEL = method_label("model", "default")
OTHER_MODEL = "Another sentence-transformers model (name or local folder)"
OWN_VECTORS = "The precomputed embeddings loaded with the corpora"

st.title("Embed and analyse")
explain("Each document becomes a vector (a sentence embedding); every analysis then works on these "
        "vectors. Embeddings are cached on disk, so running the same corpora with the same model again "
        "is nearly instant.", "embeddings")
read_only_banner()
if state.read_only():
    st.info("A shared analysis cannot be recomputed. Its settings are listed below.")
    result = state.result()
    if result is not None:
        st.json(result.manifest.get("parameters", {}), expanded=False)
    st.stop()

message = state.run_message()
if message:
    kind, text = message
    (st.warning if kind == "warning" else st.error)(md(text))

corpora = list(state.corpora().values())
rerun_settings = state.pop_rerun()
if len(corpora) < 2:
    st.info("Load at least two corpora on the **Data** page first: the analysis compares corpora.",
            icon=":material/info:")
    st.page_link("views/data.py", label="Go to the Data page", icon=":material/arrow_back:")
    st.stop()

with_vectors = [c for c in corpora if c.vectors is not None]
sources = [DEFAULT_MODEL, OTHER_MODEL] + ([OWN_VECTORS] if len(with_vectors) == len(corpora) else [])


def _restore(settings: dict, *, force: bool) -> None:
    """Put ``settings`` (as recorded with a result) back into this page's widgets: all of them for a
    requested rerun, else only those the session forgot (Streamlit drops the values of widgets of a
    page that was left), so the page shows the settings of the analysis on screen."""
    model = settings.get("model", "default")
    source = (OWN_VECTORS if model == "precomputed vectors" and OWN_VECTORS in sources
              else DEFAULT_MODEL if model in ("default", "precomputed vectors") else OTHER_MODEL)
    values = {"model_source": source, "precision": settings.get("precision", "auto"),
              "second_model": settings.get("second_model") or "",
              "transforms": list(settings.get("transforms", [])),
              "reduction": settings.get("hubness_reduction"),
              "analyses": [a for a in settings.get("analyses", []) if a != "models"],
              "k": settings.get("k", 10), "n_permutations": settings.get("n_permutations", 999),
              "words_min_freq": settings.get("words_min_freq", 20), "seed": settings.get("seed", 0)}
    if source == OTHER_MODEL:
        values["model_name"] = model
    if settings.get("backend") and cache.onnx_available():
        values["backend"] = settings["backend"]
    for key, value in values.items():
        if force or key not in st.session_state:
            st.session_state[key] = value


if rerun_settings:
    _restore(rerun_settings, force=True)
elif state.result_settings() and "model_source" not in st.session_state:
    _restore(state.result_settings(), force=False)
if with_vectors and len(with_vectors) < len(corpora):
    st.caption("Some corpora have precomputed embeddings and others do not; they can only be used when "
               "every corpus has them, so a model embeds all corpora.")

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Model")
    source = st.radio("Embeddings from", sources, key="model_source",
                      index=len(sources) - 1 if OWN_VECTORS in sources else 0)
    model = "default"
    if source == OTHER_MODEL:
        model = st.text_input("Model name or folder", key="model_name",
                              placeholder="e.g. sentence-transformers/all-mpnet-base-v2 or /path/to/model",
                              help="A sentence-transformers model already on this computer: a folder, or a "
                                   "Hugging Face name in the local cache. Models that need to run their own "
                                   "code, or ship only pickled weights, are refused.").strip()
    accepted = allowed_models()
    if accepted is not None:
        st.caption("This server accepts only these models (set by whoever runs it): "
                   + ", ".join(md(name) for name in ("default", "fast", *accepted)) + ".")
    precision = st.radio("Precision", list(method_ids("precision")), horizontal=True, key="precision",
                         help="auto: bfloat16 on CPUs that compute it natively (several times faster than "
                              "fp32, cosine ≥ 0.999 to fp32 on every measured text), else fp32. int8: the "
                              "model quantised to 8-bit integers, calibrated on real texts (the first use "
                              "takes a minute or two; cosine to fp32 about 0.99, shown with the result).")
    backend = "auto"
    if cache.onnx_available() and source != OWN_VECTORS and model.lower() != "fast":
        backend = st.radio("Runtime", ["auto", "torch", "onnx"], horizontal=True, key="backend",
                           format_func=BACKEND_LABELS.get,
                           help="Fastest available: OpenVINO where it is installed and the CPU computes "
                                "bfloat16 natively, else PyTorch. ONNX Runtime runs the same model in "
                                "fp32, about 1.4x faster than PyTorch fp32 (same vectors to 1e-6).")
        if backend == "onnx" and precision in ("bf16", "int8"):
            st.caption("ONNX Runtime runs fp32: choose precision auto or fp32 with it.")
        if backend == "torch" and precision == "int8":
            st.caption("int8 runs with OpenVINO: choose the runtime Fastest available.")
    second = st.text_input("Second model to compare with (optional)", key="second_model",
                           placeholder="e.g. fast, or another model name or folder",
                           help="Naming a second model switches the model comparison on: the same "
                                "documents are embedded with it and the two spaces are compared on the "
                                "Models page.").strip()
    suggestions = ["fast"] + [m for m in cache.cached_models() if m not in ("fast", model)]
    st.caption("Naming a second model switches the model comparison on. Try `fast` (a quick static "
               "version of the bundled model)"
               + ("; models already on this computer: " + ", ".join(f"`{md(m)}`" for m in suggestions[1:6])
                  if len(suggestions) > 1 else "") + ".")

with right:
    st.subheader("Transforms and analyses")
    transforms = st.pills("Transforms of the space", list(TRANSFORM_LABELS), selection_mode="multi",
                          key="transforms", wrap=True, format_func=TRANSFORM_LABELS.get,
                          help="Applied to all corpora together. Centring subtracts the mean vector; "
                               "standard (PCA) whitening also decorrelates and equalises the variance; "
                               "Zipfian whitening does so weighting words by their frequency (Yokoi et "
                               "al. 2024). The Geometry page shows each one's effect.")
    reduction = st.selectbox("Hubness reduction", list(REDUCTION_LABELS), key="reduction",
                             format_func=REDUCTION_LABELS.get,
                             help="Secondary distances that make neighbourhoods more symmetric; the "
                                  "Geometry page compares hubness before and after.")
    choices = [a for a in ANALYSIS_LABELS if a != "models"]
    picked = st.pills("Analyses", choices, selection_mode="multi", default=choices,
                      key="analyses", wrap=True, format_func=ANALYSIS_LABELS.get,
                      help="The depth test runs in both directions; MMD, energy distance and a "
                           "classifier test look for any difference; word shift trains word2vec (CADE) "
                           "and needs about 10,000 words per corpus. The model comparison runs when a "
                           "second model is named.")
    analyses = list(picked) + (["models"] if second else [])
    with st.expander("Advanced settings"):
        k = st.number_input("k (neighbours for hubness and kNN overlap)", 1, 100, 10, key="k")
        n_permutations = st.number_input("Permutations per test", 99, 9999, 999, step=100,
                                         key="n_permutations")
        words_min_freq = st.number_input("Word shift: least occurrences in both corpora", 2, 1000, 20,
                                         key="words_min_freq")
        words_method = st.selectbox(
            "Word shift: method", list(WORD_METHOD_LABELS), format_func=WORD_METHOD_LABELS.get,
            key="words_method",
            help="Automatic uses the method that found planted changes best on held-out test corpora. "
                 "Word2vec trains word vectors on each corpus; the model's token vectors read how the "
                 "embedding model represents each occurrence (slower: the model reads every word); "
                 "both combined ranks by the two together.")
        words_all = st.checkbox("Word shift: list every scored word", False, key="words_all",
                                help="Otherwise the 100 most shifted words of each pair are kept.")
        seed = st.number_input("Random seed", 0, 2**31 - 1, 0, key="seed")

use_vectors = source == OWN_VECTORS
if source == OTHER_MODEL and not model:
    st.warning("Enter a model name or folder, or choose the bundled default model.")
if second:
    st.caption(f"The model comparison will compare {md(model if not use_vectors else 'the precomputed vectors')} "
               f"with {md(second)} (Models page).")

settings = {
    "model": "precomputed vectors" if use_vectors else model, "precision": precision, "backend": backend,
    "second_model": second or None, "transforms": list(transforms), "hubness_reduction": reduction,
    "analyses": list(analyses), "k": int(k), "n_permutations": int(n_permutations),
    "words_min_freq": int(words_min_freq), "words_method": words_method,
    "words_top": None if words_all else 100, "seed": int(seed),
    "corpora": [c.name for c in corpora],
}
state.set_current_settings(settings)

run_col, cancel_col = st.columns([1, 4])
run = run_col.button("Run the analysis", type="primary", key="run_analysis",
                     disabled=(source == OTHER_MODEL and not model) or not analyses)
run = run or (bool(rerun_settings) and not (source == OTHER_MODEL and not model) and bool(analyses))

previous = state.result()
if previous is not None and not run:
    from core.results.provenance import (
        InputIdentity,
        identity_of_corpora,
        identity_of_result,
        input_differences,
    )

    differences = input_differences(InputIdentity(identity_of_result(previous).corpora, state.result_settings() or {}),
                                    identity_of_corpora(corpora, settings))
    if differences:
        st.warning("The analysis on the results pages is of **other inputs** than those here: "
                   + md("; ".join(differences)) + ". Run the analysis again to update it.",
                   icon=":material/history:")
    else:
        st.success("The analysis is ready for these corpora and settings: see Map, Compare, Geometry, "
                   "Models, Word shift and Report in the sidebar.", icon=":material/check_circle:")
    for note in state.result_notes():
        st.warning(md(note), icon=":material/warning:")
    timings = previous.timings
    if timings:
        st.caption("Time per stage: " + ", ".join(f"{STAGE_LABELS.get(s, s)} {format_seconds(t)}"
                                                 for s, t in timings.items() if t >= 0.05))

if run:
    state.set_run_message(None)
    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis

    def _cancelled() -> None:
        state.set_run_message(("warning", ("The analysis was cancelled; nothing was kept except the "
                                          "embeddings already computed (they are cached).")))

    cancel_col.button("Cancel", key="cancel_run", on_click=_cancelled,
              help="Stops the analysis at the next step; finished embeddings stay in the cache.")
    bar = st.progress(0.0, text="Starting…")
    tick = st.empty()
    meter = ProgressMeter()
    last_tick = [time.monotonic()]

    def progress(stage: str, done: int, total: int, message: str = "") -> None:
        # every Streamlit call here is also where a click on Cancel interrupts the run
        info = meter.update(STAGE_LABELS.get(stage, stage), done, total, message)
        bar.progress(info.fraction, text=info.text("documents" if stage == "embed" else "steps"))

    def should_stop() -> bool:
        # Streamlit stops a running script for a rerun (a click on Cancel) only inside one of its own
        # calls: touch an empty placeholder now and then so that long stages stay cancellable
        now = time.monotonic()
        if now - last_tick[0] >= 0.25:
            last_tick[0] = now
            tick.empty()
        return state.run_message() is not None

    try:
        spec = Analysis(
            corpora=tuple(corpora), model=model if not use_vectors else "default", precision=precision,
            backend=backend,
            second_model=second or None, transforms=tuple(transforms), hubness_reduction=reduction,
            analyses=frozenset(analyses), k=int(k), n_permutations=int(n_permutations),
            words_min_freq=int(words_min_freq), words_method=words_method,
            words_top=None if words_all else 100, seed=int(seed),
            input_sha256=tuple(state.input_hashes().get(c.name) for c in corpora),
        )
        # loading the model (the first time per server: reading and checking the weights, compiling
        # the runtime's graph) is a stage of its own in the progress bar, with its time
        started = time.monotonic()
        if not use_vectors or second:
            progress("model", 0, 1, "")
        embedder = None if use_vectors else cache.embedder(model, precision, backend)
        second_embedder = cache.embedder(second, precision, backend) if second else None
        load_seconds = time.monotonic() - started
        if not use_vectors or second:
            progress("model", 1, 1, "")
        # the methods' warnings (a fallback, an approximation, small corpora) come back as the
        # result's notes: this page, the report, the bundle and a shared view show them
        result = run_analysis(spec, embedder=embedder, second_embedder=second_embedder,
                              progress=progress, should_stop=should_stop)
        if not use_vectors or second:
            result = result.with_timings({"model": load_seconds})
    except AnalysisCancelled:
        _cancelled()
        st.rerun()
    except CorpusCompassError as exc:
        state.set_run_message(("error", f"The analysis could not run: {exc}"))
        st.rerun()
    except Exception as exc:  # noqa: BLE001 - an unexpected failure gets a message, not a traceback
        state.set_run_message(("error", ("The analysis stopped because of an unexpected problem "
                                        f"({type(exc).__name__}: {exc}). Please report it with the "
                                        "settings you used.")))
        st.rerun()
    else:
        state.set_result(result, settings=settings)
        st.rerun()
