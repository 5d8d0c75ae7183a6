"""Timing helpers shared by the benchmark scripts (imported as ``from _timing import ...``)."""
import time


def cpu_timed(method, out, key):
    """Wrap a bound method so that its CPU seconds (``time.process_time``) land in ``out[key]``."""

    def wrapper(*args, **kwargs):
        t0 = time.process_time()
        try:
            return method(*args, **kwargs)
        finally:
            out[key] = time.process_time() - t0

    return wrapper
