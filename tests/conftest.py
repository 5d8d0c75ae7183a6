import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global RNG state."""
    np.random.seed(0)
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module's fits (small nets on a shared 2-core machine), restored afterwards.

    Modules opt in with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def digits200():
    """The first 200 images of scikit-learn's digits 0-4, shape (200, 1, 8, 8), and their labels."""
    from gan_ova.datasets import load_digits_images

    X, y = load_digits_images()
    keep = np.flatnonzero(y < 5)[:200]
    return X[keep], y[keep]
