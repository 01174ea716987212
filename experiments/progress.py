"""Progress of a study's runs: a bar on a terminal, a plain line every few seconds anywhere else.

With stderr on a terminal, a rich progress bar. Otherwise (output to a file, nohup, Slurm, CI) one plain
line every ``PARTNERSHIPS_PROGRESS_SECONDS`` seconds (default 5), and one when the runs finish::

    sensitivity: 4,200 of 28,676 runs (15%), phase sobol, 41.3 runs/s, about 10 min left

A study of several phases (the sensitivity study: Morris, then Sobol, then curves) shows one total:
wrap it in :func:`overall` with the planned runs of each phase; each phase's :func:`runs` then moves the
one display on, and replaces its planned count by the real one when it starts.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

DEFAULT_SECONDS = 5.0


def interval() -> float:
    """Seconds between plain progress lines (``PARTNERSHIPS_PROGRESS_SECONDS``, default 5)."""
    try:
        return max(0.0, float(os.environ.get("PARTNERSHIPS_PROGRESS_SECONDS", DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def duration(seconds: float) -> str:
    """'40 s', '12 min', '1 h 05 min'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


class Display:
    """One progress display: ``total`` runs of which ``completed`` were done before it started."""

    def __init__(self, label: str, total: int, completed: int = 0, *, tty: bool | None = None, stream=None) -> None:
        self.label, self.total, self.done = label, total, completed
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.phase = ""
        self.start, self.start_done = time.monotonic(), completed
        self.last_line = -float("inf")
        self.bar = None
        if self.tty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeRemainingColumn(), console=Console(file=self.stream), transient=False)
            self.task = self.bar.add_task(label, total=total, completed=completed)
            self.bar.start()
        else:
            self.line(force=True)

    def set(self, total: int | None = None, phase: str | None = None, done: int | None = None) -> None:
        """Change the planned total, the phase named, or the runs done (a resumed phase's finished runs)."""
        self.total = self.total if total is None else total
        self.phase = self.phase if phase is None else phase
        if done is not None:
            self.start_done += done - self.done
            self.done = done
        if self.bar is not None:
            text = f"{self.label} ({self.phase})" if self.phase else self.label
            self.bar.update(self.task, total=self.total, completed=self.done, description=text)

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)
        else:
            self.line()

    def line(self, force: bool = False) -> None:
        """Print the plain line if ``interval()`` seconds have passed since the last one (or ``force``)."""
        now = time.monotonic()
        if not force and now - self.last_line < interval():
            return
        self.last_line = now
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        phase = f", phase {self.phase}" if self.phase else ""
        ran, elapsed = self.done - self.start_done, now - self.start
        if ran > 0 and elapsed > 0:
            rate = ran / elapsed
            left = max(self.total - self.done, 0) / rate
            pace = f", {rate:.1f} runs/s, " + ("done" if self.done >= self.total else f"about {duration(left)} left")
        elif self.done >= self.total:
            pace = ", all stored already"
        else:
            pace = ", rate not known yet"
        print(f"{self.label}: {self.done:,} of {self.total:,} runs{share}{phase}{pace}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        else:
            self.line(force=True)


_overall: list[tuple[Display, dict[str, int], dict[str, int]]] = []


@contextmanager
def overall(label: str, planned: Mapping[str, int], **display) -> Iterator[Display]:
    """One display for a study of several phases; ``planned`` maps each phase's label to its planned runs."""
    plan = dict(planned)
    shown = Display(label, sum(plan.values()), 0, **display)
    _overall.append((shown, plan, dict.fromkeys(plan, 0)))
    try:
        yield shown
    finally:
        _overall.pop()
        shown.close()


def register(label: str, total: int, completed: int) -> None:
    """Tell the overall display (if any) that phase ``label`` has ``total`` runs, ``completed`` already stored."""
    if not _overall:
        return
    shown, plan, done = _overall[-1]
    plan[label], done[label] = total, completed
    shown.set(total=sum(plan.values()), phase=label.split(": ")[-1], done=sum(done.values()))


@contextmanager
def runs(label: str, total: int, completed: int) -> Iterator[Callable[[int], None]]:
    """Progress of one batch of runs; yields ``advance(n)``. Inside :func:`overall` it moves the overall display."""
    if _overall:
        register(label, total, completed)
        shown, _, done = _overall[-1]

        def advance(n: int) -> None:
            done[label] = done.get(label, 0) + n
            shown.advance(n)

        yield advance
        return
    shown = Display(label, total, completed)
    try:
        yield shown.advance
    finally:
        shown.close()


def sensitivity_plan(study) -> dict[str, int]:
    """Planned runs of each phase of a sensitivity study (:class:`experiments.sensitivity.Study`), by the
    labels its phases report under. Sobol and the curves depend on the screening: the plan assumes the
    most factors the study allows, and each phase puts its real count in when it starts."""
    real = [f for f in study.factors if f.kind != "dummy"]
    dummy = len(study.factors) - len(real)
    plan = {}
    if study.method in ("morris", "morris_then_sobol"):
        plan["sensitivity: morris"] = study.morris.trajectories * (len(study.factors) + 1) * study.replications
    if study.method in ("sobol", "morris_then_sobol"):
        k = (min(study.morris.keep_max, len(real)) + dummy) if study.method == "morris_then_sobol" else len(study.factors)
        rows = (2 * k + 2) if study.sobol.second_order else (k + 2)
        plan["sensitivity: sobol"] = study.sobol.n * rows * (study.sobol.replications or study.replications)
    levers = min(study.curves.levers + len(study.curves.keep), len(real))
    if levers:
        plan["sensitivity: curves"] = levers * study.curves.points * study.curves.replications
    return plan
