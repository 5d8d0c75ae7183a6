import numpy as np
import pytest

from gan_ova.uncertainty import (
    aleatoric_uncertainty,
    class_probabilities,
    epistemic_uncertainty,
    in_distribution_probability,
    ova_q,
    ova_uncertainty,
)


def test_q_hand_computed():
    # K = 3: q = p / (p + 2 (1 - p))
    p = np.array([[0.8, 0.5, 0.1]])
    expected = np.array([[0.8 / (0.8 + 0.4), 0.5 / (0.5 + 1.0), 0.1 / (0.1 + 1.8)]])
    np.testing.assert_allclose(ova_q(p), expected)


def test_q_is_identity_for_two_classes():
    p = np.random.default_rng(0).uniform(size=(10, 2))
    np.testing.assert_allclose(ova_q(p), p)


def test_class_probabilities_hand_computed():
    p = np.array([[0.8, 0.5, 0.1]])
    pi = np.array([0.5, 0.25, 0.25])
    q = np.array([2 / 3, 1 / 3, 0.1 / 1.9])
    w = pi * q
    np.testing.assert_allclose(class_probabilities(p, pi), [w / w.sum()])
    # P_in = sum_k P(k|x) q_k
    np.testing.assert_allclose(in_distribution_probability(p, pi), [(w / w.sum() * q).sum()])
    np.testing.assert_allclose(epistemic_uncertainty(p, pi), [1 - (w / w.sum() * q).sum()])
    P = w / w.sum()
    np.testing.assert_allclose(aleatoric_uncertainty(p, pi), [-(P * np.log(P)).sum() / np.log(3)])


def test_rows_sum_to_one_and_ranges():
    p = np.random.default_rng(1).uniform(size=(50, 4))
    P = class_probabilities(p, [0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(P.sum(1), 1.0)
    for f in (aleatoric_uncertainty, epistemic_uncertainty):
        u = f(p)
        assert u.shape == (50,) and u.min() >= 0 and u.max() <= 1


def test_extremes():
    # confident single head: no uncertainty; all heads reject: fully epistemic
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(epistemic_uncertainty(p), [0.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(aleatoric_uncertainty(p)[[0, 2]], [0.0, 1.0], atol=1e-12)
    # all heads reject: probabilities fall back to the priors
    np.testing.assert_allclose(class_probabilities(p, [0.2, 0.3, 0.5])[1], [0.2, 0.3, 0.5])


def test_mc_average():
    p = np.array([[[0.9, 0.1]], [[0.7, 0.3]]])
    r = ova_uncertainty(p)
    np.testing.assert_allclose(r["proba"], [[0.8, 0.2]])
    np.testing.assert_allclose(r["epistemic"], [1 - (0.82 + 0.58) / 2])
    P = np.array([0.8, 0.2])
    np.testing.assert_allclose(r["aleatoric"], [-(P * np.log(P)).sum() / np.log(2)])


@pytest.mark.parametrize(
    "p, match",
    [
        (np.array([[np.nan, 0.5]]), "NaN"),
        (np.array([[1.5, 0.5]]), r"\[0, 1\]"),
        (np.array([0.5, 0.5]), "2-D"),
        (np.array([[0.5]]), "at least 2 classes"),
    ],
)
def test_bad_input(p, match):
    with pytest.raises(ValueError, match=match):
        class_probabilities(p)


def test_bad_priors():
    with pytest.raises(ValueError, match="priors"):
        class_probabilities(np.array([[0.5, 0.5]]), priors=[1.0, 0.0])
    with pytest.raises(ValueError, match="priors"):
        class_probabilities(np.array([[0.5, 0.5]]), priors=[1.0])
