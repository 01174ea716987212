"""Lessons ready to run: presets of the live view, kept as data in ``viz/lessons.toml``.

A lesson names a scenario, a seed and the project to watch; the interventions of the run (and,
if it has them, of its twin); lever values of both runs and the twin's own values; how far to play;
the legend of the side-by-side; a paragraph for the trainer and the questions to ask the room; and
the *contrast* that makes the lesson work: a measure read from the run and its twin at a week,
the direction it must go and the margin it must clear. ``tests/test_live_lessons.py`` runs each
lesson and checks its contrast, so after a change to the model a lesson that no longer shows its
effect fails there, and re-tuning it is editing the file (``python -m partnerships.viz.live_lessons``
prints every lesson's contrast; ``--tune ID`` tries other seeds and projects).
"""

from __future__ import annotations

import argparse
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from partnerships.model.codes import Stage
from partnerships.model.interventions import Intervention
from partnerships.model.parameters import ParameterError, lookup, validate
from partnerships.model.scenarios import RegionError, load_region, region_from_dict
from partnerships.viz.live_model import OPEN_STAGES, LiveModel, LiveRun, average_momentum, counts, momentum_history
from partnerships.viz.live_story import EFFECT_WEEKS

LESSONS_FILE = Path(__file__).with_name("lessons.toml")
MAX_WEEKS = 520


class LessonError(ValueError):
    """A lessons file the live view cannot use (message is one line, naming the lesson and field)."""


# --- measures: what a contrast compares ---------------------------------------------------------
def _project_momentum(run: LiveRun, project: int, week: int) -> float:
    return float(momentum_history(run)[week][project])


def _still_going(run: LiveRun, project: int, week: int) -> float:
    return float(run.history.stage[week][project] != Stage.ABANDONED)


def _champion_loss_drop(run: LiveRun, project: int, week: int) -> float:
    losses = [e for e in run.events if e.action == "champion_leaves" and e.project == project]
    if not losses:
        raise LessonError(f"measure 'champion_loss_drop' needs a champion_leaves intervention on project {project}")
    week_of_loss = losses[0].week
    if run.history.champion[week_of_loss - 1][project] < 0 or run.history.stage[week_of_loss - 1][project] not in OPEN_STAGES:
        raise LessonError(f"measure 'champion_loss_drop': project {project} has no champion, or is closed, at week "
                          f"{week_of_loss} in one of the runs")
    series = momentum_history(run)
    before = float(series[week_of_loss - 1][project])
    if before < run.params["champion_loss"]:  # the drop would be cut short at 0: no fair comparison
        raise LessonError(f"measure 'champion_loss_drop': project {project}'s momentum {before:.2f} at week "
                          f"{week_of_loss} is below the champion loss {run.params['champion_loss']:g}")
    return before - float(series[week_of_loss][project])


def _delivery_week(run: LiveRun, project: int, week: int) -> float:
    delivered = int(run.projects.delivered_week[project])
    return float(delivered if 0 <= delivered <= week else week + 1)


#: name -> (what it is, in words; function of (run, project, week) giving a number).
MEASURES: dict[str, tuple[str, Callable[[LiveRun, int, int], float]]] = {
    "project_momentum": ("the watched project's momentum (0-1) at the week", _project_momentum),
    "average_momentum": ("average momentum (0-1) of the starting projects at the week, abandoned ones as 0",
                         lambda run, project, week: average_momentum(run, week)),
    "delivered": ("projects delivered by the week", lambda run, project, week: counts(run, week)["delivered"]),
    "abandoned": ("projects abandoned by the week", lambda run, project, week: counts(run, week)["abandoned"]),
    "still_going": ("1 if the watched project is not abandoned at the week, else 0", _still_going),
    "champion_loss_drop": ("momentum the watched project lost in the week its champion left (each run's own loss)",
                           _champion_loss_drop),
    "delivery_week": ("the week the watched project finished its delivery stage (the week + 1 if not by then)",
                      _delivery_week),
}
EXPECTATIONS = ("run_below_twin", "run_above_twin")


@dataclass(frozen=True)
class Contrast:
    """The effect a lesson shows: ``measure`` at ``week`` differs between run and twin in the
    ``expect`` direction by at least ``margin``; ``says`` puts it in words for the trainer."""

    measure: str
    week: int
    expect: str
    margin: float
    says: str

    def gap(self, model: LiveModel, project: int) -> float:
        """The run-minus-twin difference, signed so that the lesson works when it is >= ``margin``."""
        value = MEASURES[self.measure][1]
        run, twin = value(model, project, self.week), value(model.baseline, project, self.week)
        return run - twin if self.expect == "run_above_twin" else twin - run


@dataclass(frozen=True)
class Lesson:
    """One preset of the live view (see the module docstring and ``viz/lessons.toml``)."""

    id: str
    title: str
    scenario: str
    seed: int
    project: int
    weeks: int
    run_label: str
    twin_label: str
    prompt: str
    questions: tuple[str, ...]
    contrast: Contrast
    parameters: dict[str, Any] = field(default_factory=dict)
    twin_parameters: dict[str, Any] = field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()
    twin_interventions: tuple[Intervention, ...] = ()
    pause_before: bool = True

    def settings(self) -> dict[str, Any]:
        """What the page's settings become: scenario, seed and every parameter."""
        return {"region": self.scenario, "rng": self.seed, **validate(self.parameters)}

    def build(self) -> LiveModel:
        """The lesson's run and twin at week 0."""
        return LiveModel(self.scenario, rng=self.seed, schedule=self.interventions, twin_parameters=self.twin_parameters,
                         twin_schedule=self.twin_interventions, labels=(self.run_label, self.twin_label),
                         **self.parameters)

    def play(self) -> LiveModel:
        """The lesson played to its end (or to its contrast's week, if later)."""
        model = self.build()
        model.run_for(max(self.weeks, self.contrast.week + EFFECT_WEEKS))
        return model

    def gap(self, model: LiveModel | None = None) -> float:
        """The contrast's signed gap on the played lesson (``model``, or a fresh :meth:`play`)."""
        return self.contrast.gap(model or self.play(), self.project)


# --- reading the file ---------------------------------------------------------------------------
LESSON_FIELDS = ("id", "title", "scenario", "seed", "project", "weeks", "run_label", "twin_label", "prompt",
                 "questions", "contrast", "parameters", "twin_parameters", "interventions", "twin_interventions",
                 "pause_before")
REQUIRED = ("id", "title", "seed", "project", "weeks", "run_label", "twin_label", "prompt", "questions", "contrast")
CONTRAST_FIELDS = ("measure", "week", "expect", "margin", "says")


def load_lessons(path: Path = LESSONS_FILE) -> dict[str, Lesson]:
    """Every lesson of a lessons file, by id; raises :class:`LessonError` (one line) on bad input."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise LessonError(f"lessons file {path}: {err}") from None
    _known(data, ("lesson",), "table", str(path))
    items = data.get("lesson", [])
    if not isinstance(items, list) or not items:
        raise LessonError(f"lessons file {path}: needs at least one [[lesson]]")
    lessons: dict[str, Lesson] = {}
    for n, item in enumerate(items, 1):
        lesson = parse_lesson(item, f"lesson {n}")
        if lesson.id in lessons:
            raise LessonError(f"lesson '{lesson.id}': the id is used twice")
        lessons[lesson.id] = lesson
    return lessons


def parse_lesson(item: Any, where: str) -> Lesson:
    """One ``[[lesson]]`` table as a :class:`Lesson` (every field checked)."""
    if not isinstance(item, dict):
        raise LessonError(f"{where}: must be a table")
    where = f"lesson '{item['id']}'" if isinstance(item.get("id"), str) else where
    _known(item, LESSON_FIELDS, "lesson field", where)
    for name in REQUIRED:
        if name not in item:
            raise LessonError(f"{where}: field '{name}' is missing")
    text = {name: _text(item, name, where) for name in ("id", "title", "run_label", "twin_label", "prompt")}
    questions = item["questions"]
    if not isinstance(questions, list) or not questions or not all(isinstance(q, str) and q for q in questions):
        raise LessonError(f"{where}: field 'questions' must be a list of one or more questions")
    scenario = item.get("scenario", "county")
    if not isinstance(scenario, str):
        raise LessonError(f"{where}: field 'scenario' must be a scenario name or file")
    parameters = _parameters(item, "parameters", where)
    twin_parameters = _parameters(item, "twin_parameters", where)
    try:
        validate({**parameters, **twin_parameters})
        load_region(scenario)
    except (ParameterError, RegionError) as err:
        raise LessonError(f"{where}: {err}") from None
    project = _whole(item, "project", where, 0, 100_000)
    lesson = Lesson(
        **text, scenario=scenario, seed=_whole(item, "seed", where, 0, 2**63 - 1), project=project,
        weeks=_whole(item, "weeks", where, 1, MAX_WEEKS), questions=tuple(questions),
        contrast=_contrast(item["contrast"], where), parameters=parameters, twin_parameters=twin_parameters,
        interventions=_interventions(item, "interventions", project, where),
        twin_interventions=_interventions(item, "twin_interventions", project, where),
        pause_before=_flag(item, "pause_before", where, True))
    try:  # the model's own checks: the project, the interventions' targets
        model = lesson.build()
    except (ParameterError, RegionError) as err:
        raise LessonError(f"{where}: {err}") from None
    if project >= model.n_initial_projects:
        raise LessonError(f"{where}: field 'project' = {project}: allowed 0 to {model.n_initial_projects - 1}")
    return lesson


def _known(table: Mapping[str, Any], allowed: tuple[str, ...], what: str, where: str) -> None:
    for key in table:
        try:
            lookup(key, allowed, what)
        except ParameterError as err:
            raise LessonError(f"{where}: {err}") from None


def _text(item: Mapping[str, Any], name: str, where: str) -> str:
    value = item[name]
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: field '{name}' must be non-empty text")
    return " ".join(value.split()) if name == "prompt" else value.strip()


def _whole(item: Mapping[str, Any], name: str, where: str, low: int, high: int) -> int:
    value = item[name]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise LessonError(f"{where}: field '{name}' = {value!r}: allowed a whole number from {low} to {high}")
    return value


def _flag(item: Mapping[str, Any], name: str, where: str, default: bool) -> bool:
    value = item.get(name, default)
    if not isinstance(value, bool):
        raise LessonError(f"{where}: field '{name}' = {value!r}: allowed true or false")
    return value


def _parameters(item: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    value = item.get(name, {})
    if not isinstance(value, dict):
        raise LessonError(f"{where}: field '{name}' must be a table of NAME = VALUE")
    for key, number in value.items():
        if isinstance(number, float) and not math.isfinite(number):
            raise LessonError(f"{where}: {name}.{key} = {number!r}: allowed a finite number")
    return dict(value)


def _interventions(item: Mapping[str, Any], name: str, project: int, where: str) -> tuple[Intervention, ...]:
    entries = item.get(name, [])
    if not isinstance(entries, list):
        raise LessonError(f"{where}: field '{name}' must be a list of [[{name}]] tables")
    filled = [{**entry, "project": entry.get("project", project)} if isinstance(entry, dict)
              and entry.get("action") != "policy_shock" else entry for entry in entries]
    try:
        return region_from_dict({"interventions": filled}, f"{where}, {name}").interventions
    except RegionError as err:
        raise LessonError(str(err)) from None


def _contrast(table: Any, where: str) -> Contrast:
    where = f"{where}, contrast"
    if not isinstance(table, dict):
        raise LessonError(f"{where}: must be a table")
    _known(table, CONTRAST_FIELDS, "contrast field", where)
    for name in CONTRAST_FIELDS:
        if name not in table:
            raise LessonError(f"{where}: field '{name}' is missing")
    try:
        lookup(str(table["measure"]), MEASURES, "measure")
        lookup(str(table["expect"]), EXPECTATIONS, "expectation")
    except ParameterError as err:
        raise LessonError(f"{where}: {err}") from None
    margin = table["margin"]
    if not isinstance(margin, (int, float)) or isinstance(margin, bool) or not 0 < margin < float("inf"):
        raise LessonError(f"{where}: field 'margin' = {margin!r}: allowed a number above 0")
    return Contrast(str(table["measure"]), _whole(table, "week", where, 1, MAX_WEEKS), str(table["expect"]),
                    float(margin), _text(table, "says", where))


# --- checking and re-tuning by hand -------------------------------------------------------------
def report(lessons: Mapping[str, Lesson]) -> list[str]:
    """One line per lesson: its contrast's gap against its margin."""
    out = []
    for lesson in lessons.values():
        try:
            gap = lesson.gap()
        except LessonError as err:
            out.append(f"{lesson.id}: DOES NOT WORK ({err})")
            continue
        verdict = "works" if gap >= lesson.contrast.margin else "DOES NOT WORK"
        out.append(f"{lesson.id}: {lesson.contrast.measure} gap {gap:+.3f} (margin {lesson.contrast.margin:g}): {verdict}")
    return out


def tune(lesson: Lesson, seeds: range, projects: range) -> list[tuple[float, int, int]]:
    """(gap, seed, project) for every seed and project tried, largest gap first (projects the
    lesson's interventions cannot act on are skipped)."""
    found = []
    for seed in seeds:
        for project in projects:
            moved = tuple(replace(i, project=project) if i.project == lesson.project else i
                          for i in lesson.interventions)
            twin_moved = tuple(replace(i, project=project) if i.project == lesson.project else i
                               for i in lesson.twin_interventions)
            trial = replace(lesson, seed=seed, project=project, interventions=moved, twin_interventions=twin_moved)
            try:
                found.append((trial.gap(), seed, project))
            except (LessonError, ParameterError, IndexError):
                continue
    return sorted(found, reverse=True)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a tool run by hand
    parser = argparse.ArgumentParser(description="Check the live view's lessons, or look for a cleaner seed.")
    parser.add_argument("--file", type=Path, default=LESSONS_FILE)
    parser.add_argument("--tune", metavar="ID", help="try seeds and projects for this lesson")
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0 .. N-1 to try (with --tune)")
    args = parser.parse_args(argv)
    lessons = load_lessons(args.file)
    if args.tune is None:
        print("\n".join(report(lessons)))
        return
    lesson = lessons[lookup(args.tune, lessons, "lesson")]
    n = lesson.build().n_initial_projects
    for gap, seed, project in tune(lesson, range(args.seeds), range(n))[:10]:
        print(f"seed {seed:4d} project {project:3d}: gap {gap:+.3f}")


if __name__ == "__main__":  # pragma: no cover
    main()
