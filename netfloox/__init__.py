# Pin BLAS/OpenMP to one thread per process before numpy is imported anywhere:
# web and worker processes scale by process count, not by BLAS threads (docs/architecture.md).
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
