"""Guards for catalog sizes the unit tests cannot afford to train on."""
from threadpoolctl import threadpool_info

from recommendations.ml.models import LAPACK_SINGLE_THREAD_ABOVE, _lapack_threads


def _blas_threads():
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_large_ease_factorisation_runs_on_one_blas_thread():
    """Multi-threaded OpenBLAS Cholesky crashed the process at the Netflix Prize size (17,770 items)."""
    assert LAPACK_SINGLE_THREAD_ABOVE < 17_770
    with _lapack_threads(17_770):
        assert _blas_threads() == {1}
    before = _blas_threads()
    with _lapack_threads(500):  # small sizes keep the configured threads
        assert _blas_threads() == before
