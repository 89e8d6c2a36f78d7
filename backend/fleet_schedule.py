"""Run one job per schema on N threads, with retries that wait their turn instead of holding a worker.

The fleet engine (`backend.fleet`) hands a schema back for a later attempt when its table lock was not
granted; meanwhile the workers go on with the other schemas. With one worker everything runs on the
calling thread (and its database connection), which tenant provisioning relies on.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

from django.db import connections

# run(schema, attempt) -> seconds to wait before attempt + 1, or None when the schema is done.
Job = Callable[[str, int], float | None]


class _Queue:
    def __init__(self, schemas: list[str]):
        self._order = itertools.count()
        self._heap = [(0.0, next(self._order), schema, 1) for schema in schemas]
        self._in_flight = 0
        self._changed = threading.Condition()

    def take(self, stop: threading.Event) -> tuple[str, int] | None:
        with self._changed:
            while not stop.is_set():
                if not self._heap:
                    if not self._in_flight:
                        return None
                    self._changed.wait(0.5)
                    continue
                due, _, schema, attempt = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._changed.wait(min(wait, 0.5))
                    continue
                heapq.heappop(self._heap)
                self._in_flight += 1
                return schema, attempt
            return None

    def done(self, schema: str, attempt: int, retry_in: float | None) -> None:
        with self._changed:
            self._in_flight -= 1
            if retry_in is not None:
                heapq.heappush(self._heap, (time.monotonic() + retry_in, next(self._order), schema, attempt + 1))
            self._changed.notify_all()

    def left(self) -> list[str]:
        return [schema for _, _, schema, _ in sorted(self._heap)]


def run_scheduled(schemas: list[str], workers: int, job: Job, stop: threading.Event) -> list[str]:
    """Run `job` over `schemas` on `workers` threads; returns the schemas never finished (after `stop`)."""
    todo = _Queue(schemas)

    def work() -> None:
        while (item := todo.take(stop)) is not None:
            schema, attempt = item
            retry_in = None
            try:
                retry_in = job(schema, attempt)
            finally:
                todo.done(schema, attempt, retry_in)

    if workers <= 1:
        work()
        return todo.left()

    def thread_main() -> None:
        try:
            work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread_main, name=f"migrate-{n}", daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return todo.left()
