import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global RNG state."""
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="session")
def digits200():
    """The first 200 images of scikit-learn's digits 0-4, shape (200, 1, 8, 8), and their labels."""
    from gan_ova.datasets import load_digits_images

    X, y = load_digits_images()
    keep = np.flatnonzero(y < 5)[:200]
    return X[keep], y[keep]
