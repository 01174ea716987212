"""The live view's lessons (viz/lessons.toml), its story log and its play loop (no browser).

Each lesson is played here, by the model, and its contrast between the run and its twin must clear
the margin the file states: after a change to the model, a lesson that no longer shows its effect
fails here (re-tune it with ``python -m partnerships.viz.live_lessons --tune ID``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from partnerships.viz.live_lessons import LESSONS_FILE, MEASURES, LessonError, load_lessons
from partnerships.viz.live_model import momentum_history
from partnerships.viz.live_player import DISCONNECT_GRACE, PlaySettings, Player, Session
from partnerships.viz.live_story import EFFECT_WEEKS, Story

LESSONS = load_lessons()
WANTED = {"champion-loss", "rescue-funding", "meeting-discipline", "policy-shock", "mature-partnership"}


def test_the_five_lessons_are_there_with_prompt_and_questions() -> None:
    assert WANTED <= set(LESSONS)
    for lesson in LESSONS.values():
        assert len(lesson.prompt) > 200 and len(lesson.questions) >= 2
        assert lesson.contrast.measure in MEASURES and lesson.contrast.margin > 0


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_each_lessons_effect_is_clean_its_contrast_clears_its_margin(lesson_id: str) -> None:
    lesson = LESSONS[lesson_id]
    model = lesson.play()
    gap = lesson.gap(model)
    assert gap >= lesson.contrast.margin, (
        f"lesson {lesson_id}: {lesson.contrast.measure} at week {lesson.contrast.week} differs by {gap:+.3f} in the "
        f"direction {lesson.contrast.expect}, less than its margin {lesson.contrast.margin}: re-tune it")
    for run in (model, model.baseline):  # every scheduled intervention was applied, and acted
        assert not run.schedule
        assert not any("no champion to lose" in e.description or "no such active partner" in e.description
                       for e in run.events)
    assert len(model.events) == len(lesson.interventions)
    assert len(model.baseline.events) == len(lesson.twin_interventions)


@pytest.mark.parametrize("lesson_id", sorted(i for i, lesson in LESSONS.items() if not lesson.twin_parameters))
def test_run_and_twin_are_one_history_until_the_first_difference(lesson_id: str) -> None:
    lesson = LESSONS[lesson_id]
    model = lesson.build()
    first = min((i.week for i in (*lesson.interventions, *lesson.twin_interventions) if i.week is not None),
                default=30)
    model.run_for(first - 1)
    assert [m.tolist() for m in momentum_history(model)] == [m.tolist() for m in momentum_history(model.baseline)]


def _lessons_file(tmp_path, body: str):
    text = LESSONS_FILE.read_text().split("[[lesson]]")[1]
    path = tmp_path / "lessons.toml"
    path.write_text("[[lesson]]" + text.replace('seed = 21', body, 1))
    return path


@pytest.mark.parametrize("body, words", [
    ("seed = 21\nweeksx = 3", "unknown lesson field 'weeksx': did you mean 'weeks'?"),
    ("seed = -1", "field 'seed' = -1"),
    ("seed = 21\nparameters = { meeting_interval = 99 }", "meeting_interval"),
    ("seed = 21\nparameters = { ambition = nan }", "ambition = nan"),
    ("seed = 21\ntwin_parameters = { leader_turnovr = 0.2 }", "did you mean 'leader_turnover'"),
    ("seed = 21\nscenario = \"nowhere\"", "scenario 'nowhere' not found"),
])
def test_a_bad_lessons_file_is_one_line_naming_the_lesson_and_field(tmp_path, body: str, words: str) -> None:
    with pytest.raises(LessonError) as err:
        load_lessons(_lessons_file(tmp_path, body))
    message = str(err.value)
    assert "lesson 'champion-loss'" in message and words in message and "\n" not in message


@pytest.mark.parametrize("old, new, words", [
    ('measure = "project_momentum"', 'measure = "momentum"', "unknown measure 'momentum'"),
    ("margin = 0.1", "margin = 0", "field 'margin' = 0"),
    ('expect = "run_below_twin"', 'expect = "lower"', "unknown expectation 'lower'"),
    ('action = "champion_leaves"', 'action = "champion_leave"', "did you mean 'champion_leaves'"),
    ("week = 30", "week = 30\nproject = 99", "intervention project = 99"),
])
def test_bad_contrasts_and_interventions_are_refused_in_one_line(tmp_path, old: str, new: str, words: str) -> None:
    path = tmp_path / "lessons.toml"
    path.write_text(LESSONS_FILE.read_text().replace(old, new, 1))
    with pytest.raises(LessonError, match=words):
        load_lessons(path)


def test_a_lesson_played_to_its_end_tells_its_story_with_effects() -> None:
    lesson = LESSONS["champion-loss"]
    session = Session(lesson.build(), lesson)
    session.step(lesson.weeks, lesson.project)
    loss = [e for e in session.story.events if e.kind == "intervention"]
    assert len(loss) == 1 and loss[0].week == 30 and "champion of P3 housing leaves" in loss[0].text
    assert "(the lesson)" in loss[0].text
    assert loss[0].effect.startswith("momentum ") and "in four weeks" in loss[0].effect
    assert "the twin, the same run without it" in loss[0].effect
    before, after = (float(momentum_history(session.model)[w][3]) for w in (29, 29 + EFFECT_WEEKS))
    assert f"{before:.2f} -> {after:.2f}" in loss[0].effect
    # the champion the intervention removed is not told a second time as a champion leaving
    assert not [e for e in session.story.events if e.kind == "champion_left" and e.project == 3 and e.week in (30, 31)]
    kinds = {e.kind for e in session.story.events}
    assert {"intervention", "champion_emerged", "award"} <= kinds


def test_the_story_notes_stalls_abandonments_deliveries_and_follow_ons() -> None:
    lesson = LESSONS["rescue-funding"]
    model = lesson.build()
    story = Story(model)
    for _ in range(lesson.weeks):
        model.step()
        story.observe()
    project = [e for e in story.events if e.project == lesson.project]
    kinds = [e.kind for e in project]
    assert kinds.index("stalled") < kinds.index("intervention") < kinds.index("restarted") < kinds.index("delivered")
    stall = project[kinds.index("stalled")]
    assert stall.first_stall and stall.week == int(model.projects.first_stall_week[lesson.project])
    assert any(e.kind == "delivered" for e in story.events)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.05)


def _player(session: Session, play: PlaySettings, connected=lambda: True, stop_after: int | None = None):
    clock = FakeClock()
    ticks = itertools.count()
    keep = (lambda: True) if stop_after is None else (lambda: next(ticks) < stop_after)
    redraws = []
    player = Player(session, settings=lambda: play, selected=lambda: 0, connected=connected, keep_going=keep,
                    redraw=lambda: redraws.append(session.model.week), clock=clock, sleep=clock.sleep)
    return player, clock, redraws


def test_play_stops_by_itself_when_no_browser_is_connected() -> None:
    session = Session(LESSONS["meeting-discipline"].build())
    state = {"up": True}
    player, clock, redraws = _player(session, PlaySettings(speed=4.0), connected=lambda: state["up"])
    original = player.session.step

    def step(weeks: int, selected: int):
        if session.model.week == 10:
            state["up"] = False  # the browser goes at week 10
        return original(weeks, selected)

    player.session.step = step
    reason = player.run()
    assert "lost its connection" in reason
    assert session.model.week <= 10 + 4 * (DISCONNECT_GRACE + 1)  # at most the grace period's weeks more
    assert clock.now <= 10 / 4 + DISCONNECT_GRACE + 1.5


def test_play_pauses_before_a_lessons_intervention_then_goes_on_to_the_target() -> None:
    lesson = LESSONS["champion-loss"]
    session = Session(lesson.build(), lesson)
    play = PlaySettings(speed=8.0, target=lesson.weeks)
    player, _, redraws = _player(session, play)
    assert "next week, champion leaves (P3) at week 30" in player.run()
    assert session.model.week == 29 and not session.model.events
    assert player.run() == f"Reached week {lesson.weeks}."
    assert session.model.week == lesson.weeks and len(session.model.events) == 1
    assert play.weeks_per_redraw() == 2 and redraws[-1] == lesson.weeks


def test_play_can_pause_when_a_project_first_stalls() -> None:
    lesson = LESSONS["rescue-funding"]
    session = Session(lesson.build(), lesson)
    player, _, _ = _player(session, PlaySettings(speed=0.0, pause_at_first_stall=True,
                                                 pause_before_interventions=False))
    reason = player.run()
    first = int(np.min(session.model.projects.first_stall_week[session.model.projects.first_stall_week >= 0]))
    assert reason.startswith(f"Paused: week {first}: ") and "stalled" in reason
    assert session.model.week == first


def test_pause_button_stops_play_and_speed_sets_the_redraws() -> None:
    session = Session(LESSONS["meeting-discipline"].build())
    player, _, redraws = _player(session, PlaySettings(speed=1.0), stop_after=3)
    assert player.run() is None and session.model.week == 3 and redraws == [1, 2, 3]
    assert PlaySettings(speed=16.0).weeks_per_redraw() == 4 and PlaySettings(speed=16.0, redraw_every=13) \
        .weeks_per_redraw() == 13
