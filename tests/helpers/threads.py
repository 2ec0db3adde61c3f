"""Real concurrency for tests: calls started together in threads with their own database connections."""

import threading

from django.db import connection


def run_at_once(*calls, timeout=60):
    """Start the calls together; return each one's result or exception, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = call()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a call is still running"
    return outcomes
