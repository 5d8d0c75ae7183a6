"""A hyper-parameter search on a dask.distributed cluster finds what the serial search finds.

The cluster is a loopback ``LocalCluster`` with two worker processes; scikit-learn
dispatches the fits through joblib's dask backend. Needs the ``cluster`` extra
(``pip install "gan-ova[cluster]"``); skipped without it.
"""

import logging
import os

import numpy as np
import pytest
import torch

distributed = pytest.importorskip("distributed")

from joblib import parallel_config  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from gan_ova.baselines import SoftmaxClassifier  # noqa: E402


def _torch_threads():
    import torch

    return torch.get_num_threads()


def _search():
    return GridSearchCV(
        SoftmaxClassifier(max_epochs=4, batch_size=32, validation_fraction=0.0, random_state=0),
        {"lr": [1e-3, 1e-2, 1e-1]},
        cv=3,
    )


@pytest.fixture(scope="module")
def client():
    # The nanny passes thread variables set in this process on to the workers in place of its
    # defaults; unset them while the cluster starts so that the test sees dask's defaults.
    saved = {k: os.environ.pop(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    try:
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
            silence_logs=logging.ERROR,
        )
    finally:
        os.environ.update(saved)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_workers_use_one_torch_thread(client):
    # The nanny starts each worker with OMP_NUM_THREADS=1 and MKL_NUM_THREADS=1
    # (distributed.nanny.pre-spawn-environ), so a fit uses one core.
    assert set(client.run(_torch_threads).values()) == {1}


def test_dask_gridsearch_matches_serial(client):
    X, y = make_blobs(n_samples=150, centers=3, cluster_std=3.0, random_state=0)
    X = X.astype(np.float32)

    # The workers run torch on one thread; so does the serial reference, for identical floats.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        serial = _search().set_params(n_jobs=1).fit(X, y)
    finally:
        torch.set_num_threads(threads)

    with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
        on_cluster = _search().set_params(n_jobs=-1).fit(X, y)

    assert on_cluster.best_params_ == serial.best_params_
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])
    # The grid is not degenerate: the candidates score differently.
    assert len(set(serial.cv_results_["mean_test_score"])) > 1
    # The fits ran on the cluster's workers (both of them), not in this process.
    assert len({t["worker"] for t in tasks.data}) == 2


def test_dask_gridsearch_uqgan_matches_serial(client):
    """The same for the UQGAN estimator on images: both stages train on the workers."""
    from gan_ova import GANShieldedOvAClassifier
    from gan_ova.datasets import load_digits_images

    X, y = load_digits_images()
    keep = np.flatnonzero(y < 3)[:240]
    X, y = X[keep], y[keep]

    def search():
        return GridSearchCV(
            GANShieldedOvAClassifier(
                cae_max_epochs=2, max_epochs=2, batch_size=32, n_critic=1, n_classifier_steps=1,
                generator_hidden=(32,), critic_hidden=(32,), validation_fraction=0.0, random_state=0,
            ),
            {"lr": [1e-4, 1e-2]},
            cv=2,
        )

    # one torch thread here too (the workers have one), for identical floats in the refits
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        serial = search().set_params(n_jobs=1).fit(X, y)
        with distributed.get_task_stream(client) as tasks, parallel_config(backend="dask"):
            on_cluster = search().set_params(n_jobs=-1).fit(X, y)
    finally:
        torch.set_num_threads(threads)

    assert on_cluster.best_params_ == serial.best_params_
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])
    assert len(set(serial.cv_results_["mean_test_score"])) > 1
    assert len({t["worker"] for t in tasks.data}) == 2
    # the refitted best model predicts identically in both searches
    np.testing.assert_array_equal(on_cluster.predict_proba(X[:50]), serial.predict_proba(X[:50]))
