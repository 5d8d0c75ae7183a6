"""Shield diagnostics: where do the generated out-of-class examples sit?

UQGAN's shields should lie on the boundary of their class: a little outside
the class's real examples in the latent space the GAN works in, and hesitantly
rejected by their own class's head. These pure functions measure that on
arrays; :meth:`gan_ova.GANShieldedOvAClassifier.shield_diagnostics` applies
them to a fitted model, the stage-2 history records them after every epoch,
and :func:`gan_ova.plotting.plot_shield_diagnostics` draws them.

* **distance ratio** of a class: the median distance from a shield to its
  nearest real code of its class, divided by the median nearest-neighbour
  distance among that class's real codes. About 1: the shields sit as close to
  the class as its examples sit to each other; much more than 3: far outside.
* **radius ratio**: median distance of the shields to the class's mean code,
  divided by that of the real codes.
* **head probabilities**: mean own-head probability ``p_y`` of the shields
  (boundary: well above 0.01, below 0.5), of the real examples, and of their
  autoencoder reconstructions (if reconstructions get ``p_y`` near 0 the
  classifier rejects anything that looks decoded, whatever its position).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["nearest_distances", "distance_ratio", "radius_ratio"]


def nearest_distances(a, b=None, batch_size=2048):
    """Euclidean distance from each row of ``a`` to its nearest row of ``b``.

    With ``b=None`` the nearest *other* row of ``a`` (a point is not its own
    neighbour).

    Parameters
    ----------
    a : array-like of shape (n, d)
    b : array-like of shape (m, d) or None
    batch_size : int, default=2048
        Rows of ``a`` per distance block (memory ``batch_size * m``).

    Returns
    -------
    dist : ndarray of shape (n,)

    Examples
    --------
    >>> nearest_distances([[0.0], [1.0], [3.0]])
    array([1., 1., 2.])
    >>> nearest_distances([[0.5]], [[0.0], [2.0]])
    array([0.5])
    """
    a_t = torch.as_tensor(np.asarray(a, dtype=np.float64))
    same = b is None
    b_t = a_t if same else torch.as_tensor(np.asarray(b, dtype=np.float64))
    if same and len(a_t) < 2:
        raise ValueError(f"a: expected at least 2 rows to find neighbours within a, got {len(a_t)}.")
    out = []
    for i in range(0, len(a_t), batch_size):
        d = torch.cdist(a_t[i : i + batch_size], b_t)
        if same:
            rows = torch.arange(d.shape[0])
            d[rows, rows + i] = float("inf")
        out.append(d.min(dim=1).values)
    return torch.cat(out).numpy() if out else np.zeros(0)


def distance_ratio(real, shields):
    """Median shield-to-nearest-real distance over the median real nearest-neighbour spacing.

    Parameters
    ----------
    real : array-like of shape (n, d)
        Codes of one class's real examples (n >= 2).
    shields : array-like of shape (m, d)
        Generated codes of the same class.

    Returns
    -------
    ratio : float
    shield_dist : ndarray of shape (m,)
        Distance of each shield to its nearest real code.
    spacing : ndarray of shape (n,)
        Distance of each real code to its nearest other real code.

    Examples
    --------
    >>> import numpy as np
    >>> real = np.c_[np.arange(10.0), np.zeros(10)]        # spacing 1 along a line
    >>> ratio, _, _ = distance_ratio(real, real + [0.0, 1.0])  # shields one spacing away
    >>> float(ratio)
    1.0
    """
    spacing = nearest_distances(real)
    shield_dist = nearest_distances(shields, real)
    return float(np.median(shield_dist) / max(np.median(spacing), 1e-12)), shield_dist, spacing


def radius_ratio(real, shields):
    """Median distance of the shields to the real codes' mean over that of the real codes.

    Parameters
    ----------
    real : array-like of shape (n, d)
        Codes of one class's real examples.
    shields : array-like of shape (m, d)
        Generated codes of the same class.

    Returns
    -------
    ratio : float
        About 1: the shields sit as far from the class centre as its real
        examples; more: outside them.

    Examples
    --------
    >>> import numpy as np
    >>> real = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    >>> float(radius_ratio(real, 3 * real))
    3.0
    """
    real = np.asarray(real, dtype=np.float64)
    centre = real.mean(axis=0)
    r_real = np.median(np.linalg.norm(real - centre, axis=1))
    r_shield = np.median(np.linalg.norm(np.asarray(shields, dtype=np.float64) - centre, axis=1))
    return float(r_shield / max(r_real, 1e-12))
