"""Force an interleaving of racing runs' requests: one request at a time, in a given order.

The stand-in handles one request at a time under its state lock, so a hook inside it cannot
hold a request back without holding every other one too. The order is forced on the client
side instead: each run has its own `TurnClient`, whose every request waits its turn at the
`Turnstile`, and the next turn goes to the run the schedule names. `explore` runs every
distinct interleaving of two runs' requests, by extending schedules where the other run could
have gone instead (stateless model checking).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from gitops_ml.github import GitHub, GitHubError

TIMEOUT = 30.0


@dataclass
class Step:
    """One request as the stand-in handled it: which run, what, and what came back."""

    run: str
    method: str
    path: str
    contested: bool
    status: int | None = None
    reply: Any = None


@dataclass
class Turnstile:
    """Gives turns to `runs` as `schedule` names them; past its end, to the first unfinished
    run. A finished run's turns are skipped."""

    runs: list[str]
    schedule: list[str] = field(default_factory=list)
    trace: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._active = list(self.runs)
        self._position = 0
        self._changed = threading.Condition()

    def _next(self) -> str | None:
        while self._position < len(self.schedule):
            if self.schedule[self._position] in self._active:
                return self.schedule[self._position]
            self._position += 1
        return self._active[0] if self._active else None

    @contextmanager
    def turn(self, run: str, method: str, path: str) -> Iterator[Step]:
        """Wait for `run`'s turn, then let it send one request (recorded in `trace`)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._next() == run, TIMEOUT):
                raise TimeoutError(f"{run} never got its turn (schedule {self.schedule})")
            step = Step(run, method, path, contested=len(self._active) > 1)
        try:
            yield step
        finally:
            with self._changed:
                self.trace.append(step)
                self._position += 1
                self._changed.notify_all()

    def finish(self, run: str) -> None:
        """`run` sends no more requests."""
        with self._changed:
            self._active.remove(run)
            self._changed.notify_all()


class TurnClient(GitHub):
    """A client of run `run` whose every request waits its turn at `turnstile`."""

    def __init__(self, turnstile: Turnstile, run: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.turnstile, self.run = turnstile, run

    def request(self, operation: str, method: str, path: str, *args: Any, **kwargs: Any):
        """`GitHub.request`, in turn."""
        with self.turnstile.turn(self.run, method, path) as step:
            try:
                response = super().request(operation, method, path, *args, **kwargs)
            except GitHubError as err:
                step.status = err.status
                raise
            step.status = response.status_code
            if method in ("POST", "PATCH"):
                step.reply = response.json()
            return response


def race(
    runs: dict[str, Callable[[GitHub], Any]], make_client: Callable[..., GitHub], schedule: list
) -> tuple[dict[str, Any], list[Step]]:
    """Run each of `runs` (name → function of its own client) in its own thread, requests
    ordered by `schedule`; return what each returned (or raised) and the requests in order."""
    turnstile = Turnstile(list(runs), list(schedule))
    results: dict[str, Any] = {}

    def run(name: str) -> None:
        try:
            results[name] = runs[name](make_client(turnstile, name))
        except Exception as err:  # reported by the caller, with the schedule
            results[name] = err
        finally:
            turnstile.finish(name)

    threads = [threading.Thread(target=run, args=(name,)) for name in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    return results, turnstile.trace


def explore(
    attempt: Callable[[list[str]], list[Step]], runs: tuple[str, str], limit: int = 2000
) -> int:
    """Call `attempt(schedule)` for schedules covering every interleaving of the requests of
    two `runs`; return how many distinct interleavings ran."""
    seen: set[tuple[str, ...]] = set()
    pending: list[list[str]] = [[]]
    while pending:
        schedule = pending.pop()
        trace = attempt(schedule)
        order = tuple(step.run for step in trace)
        if order in seen:
            continue
        seen.add(order)
        assert len(seen) <= limit, "more interleavings than expected"
        for index in range(len(schedule), len(trace)):
            if trace[index].contested:
                other = runs[1] if order[index] == runs[0] else runs[0]
                pending.append([*order[:index], other])
    return len(seen)
