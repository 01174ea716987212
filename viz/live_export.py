"""The run's summary as plain text, downloaded from the page (a record of what the room saw)."""

from __future__ import annotations

from importlib.metadata import version
from partnerships.model.codes import Stage
from partnerships.model.parameters import defaults
from partnerships.viz.live_model import AVERAGE_RULE, average_momentum, average_trust, counts
from partnerships.viz.live_player import Session
from partnerships.viz.live_style import project_label


def summary_text(session: Session) -> str:
    """Scenario, seed, week, settings that differ from the defaults (the run's and the twin's),
    counts and averages in both runs, each project's state, and the story log."""
    model = session.model
    with model.lock:
        base = defaults()
        lines = [f"Partnerships live view: summary at week {model.week}", "",
                 f"Scenario: {model.spec.name} ({model.spec.description})", f"Seed: {model.seed}"]
        if session.lesson is not None:
            lines.append(f"Lesson: {session.lesson.title} ({session.lesson.id}); watched project P{session.lesson.project}")
        changed = {name: value for name, value in model.params.items() if base[name] != value}
        lines.append("Settings other than the defaults: " + (", ".join(f"{k} = {v:g}" for k, v in changed.items())
                                                             or "none"))
        twin = {name: model.baseline.params[name] for name in model.twin_overrides}
        lines.append("The twin differs in: " + (", ".join(f"{k} = {v:g}" for k, v in twin.items()) or "no setting"))
        lines += ["", f"{'':34}{'run':>10}{'twin':>10}", f"{'':34}{model.labels[0][:9]:>10}{model.labels[1][:9]:>10}"]
        mine, theirs = counts(model), counts(model.baseline)
        for name in mine:
            lines.append(f"{'projects ' + name if name != 'representatives left' else name:34}"
                         f"{mine[name]:>10}{theirs[name]:>10}")
        lines.append(f"{'average momentum (0-1)':34}{average_momentum(model):>10.2f}{average_momentum(model.baseline):>10.2f}")
        lines.append(f"{'average trust (0-1)':34}{average_trust(model):>10.2f}{average_trust(model.baseline):>10.2f}")
        lines.append(f"(averages {AVERAGE_RULE.format(n=model.n_initial_projects)})")
        lines += ["", "Projects in the run: stage, momentum, delivered in week"]
        shown = range(min(len(model.projects), 200))
        for p in shown:
            delivered = int(model.projects.delivered_week[p])
            lines.append(f"  {project_label(model, p):22}{Stage(int(model.projects.stage[p])).label:24}"
                         f"{float(model.projects.momentum[p]):6.2f}  {delivered if delivered >= 0 else '-'}")
        if len(model.projects) > len(shown):
            lines.append(f"  ... and {len(model.projects) - len(shown)} more")
        lines += ["", "What happened (the story log, oldest first):"]
        lines += [f"  {e.line()}" for e in session.story.events] or ["  nothing yet"]
        lines += ["", f"partnerships {version('partnerships')}"]
    return "\n".join(lines) + "\n"
