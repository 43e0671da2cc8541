"""Holm and Benjamini–Hochberg adjusted p-values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control

from core.analysis.multitest import DEFAULT_CORRECTION, adjust_pvalues
from core.exceptions import InputError, ParameterError

P = [0.01, 0.04, 0.03, 0.005]


def test_reference_values_by_hand():
    # Holm: sorted [0.005, 0.01, 0.03, 0.04] x [4, 3, 2, 1] = [0.02, 0.03, 0.06, 0.04], running max
    np.testing.assert_allclose(adjust_pvalues(P, method="holm"), [0.03, 0.06, 0.06, 0.02], atol=1e-15)
    # BH: sorted x 4 / [1, 2, 3, 4] = [0.02, 0.02, 0.04, 0.04], running min from the top
    np.testing.assert_allclose(adjust_pvalues(P, method="bh"), [0.02, 0.04, 0.04, 0.02], atol=1e-15)


def test_default_is_holm():
    assert DEFAULT_CORRECTION == "holm"
    np.testing.assert_array_equal(adjust_pvalues(P), adjust_pvalues(P, method="holm"))


def test_holm_caps_at_one_and_single_value_is_unchanged():
    np.testing.assert_allclose(adjust_pvalues([0.5, 0.6, 0.7]), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(adjust_pvalues([0.2]), [0.2])
    assert adjust_pvalues([]).size == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_properties(p):
    p = np.array(p)
    holm, bh = adjust_pvalues(p, method="holm"), adjust_pvalues(p, method="bh")
    np.testing.assert_allclose(bh, false_discovery_control(p, method="bh"), atol=1e-12)
    assert np.all(holm >= p - 1e-15) and np.all(holm <= 1) and np.all(bh >= p - 1e-15)
    assert np.all(holm >= bh - 1e-12)  # Holm is never less conservative than BH
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(holm[order]) >= -1e-15)  # monotone in the raw p-values
    perm = np.random.default_rng(len(p)).permutation(len(p))
    np.testing.assert_allclose(adjust_pvalues(p[perm]), holm[perm])  # order-equivariant


def test_invalid_input():
    with pytest.raises(ParameterError, match="method must be one of 'holm', 'bh'"):
        adjust_pvalues(P, method="bonferroni")
    with pytest.raises(InputError, match=r"in \[0, 1\]"):
        adjust_pvalues([0.1, np.nan])
    with pytest.raises(InputError, match=r"in \[0, 1\]"):
        adjust_pvalues([0.1, 1.5])
    with pytest.raises(InputError, match="1-D"):
        adjust_pvalues([[0.1, 0.2]])
