"""The one registry of model parameters.

Every parameter is defined here once, with its type, default, allowed range, unit, meaning and
source. The CLI (`partnerships params`, `--set`), the live view's sliders, the SALib problem of the
sensitivity study and the ODD's parameter table are all generated from :data:`PARAMETERS`.

Sources cite the five source documents by key and place, as ``docs/sources.md`` sets out (for example
``PAS 2007, 'managing time', p. 16``), published literature by author and year, or the model brief;
"assumption" marks a value that is our own choice, documented in ``docs/ODD.md``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from partnerships.model.errors import InputError

Kind = Literal["float", "int", "bool"]
Group = Literal["headline", "funding", "meetings", "trust", "leadership", "obstacles", "project", "gates", "partners",
                "benefits"]


class ParameterError(InputError):
    """A parameter name or value that the model does not accept (message is one line)."""


@dataclass(frozen=True)
class Parameter:
    """One model parameter: its name, type, default, allowed range [low, high], unit and meaning."""

    name: str
    kind: Kind
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    group: Group
    label: str

    def validate(self, value: object) -> float | int | bool:
        """Return ``value`` converted to this parameter's type, or raise :class:`ParameterError`."""
        converted = _convert(self, value)
        if not (self.low <= float(converted) <= self.high):
            raise ParameterError(
                f"parameter '{self.name}' = {value!r} is out of range: allowed {self.range_text()} ({self.unit})"
            )
        return converted

    @property
    def lever(self) -> bool:
        """True for a lever a policy team or funder controls (group 'headline'); False for a model assumption."""
        return self.group == "headline"

    def range_text(self) -> str:
        if self.kind == "bool":
            return "true or false"
        fmt = "{:g}"
        return f"{fmt.format(self.low)} to {fmt.format(self.high)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.kind,
            "default": self.default,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "meaning": self.meaning,
            "source": self.source,
            "group": self.group,
        }


def _convert(p: Parameter, value: object) -> float | int | bool:
    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ParameterError(f"parameter '{p.name}' = {value!r} is not a boolean: allowed true or false")
    try:
        if isinstance(value, bool):  # True is 1 to Python, not a number to a user
            raise TypeError
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParameterError(
            f"parameter '{p.name}' = {value!r} is not a number: allowed {p.range_text()} ({p.unit})"
        ) from None
    if not math.isfinite(number):
        raise ParameterError(f"parameter '{p.name}' = {value!r} is not a finite number: allowed {p.range_text()}")
    if p.kind == "int":
        if number != int(number):
            raise ParameterError(f"parameter '{p.name}' = {value!r} is not a whole number: allowed {p.range_text()}")
        return int(number)
    return number


def _p(name: str, kind: Kind, default: float, low: float, high: float, unit: str, meaning: str,
       source: str, group: Group, label: str) -> Parameter:
    return Parameter(name, kind, default, low, high, unit, meaning, source, group, label)


_ALL = [
    # --- the four headline levers ------------------------------------------------------------
    _p("external_funding", "float", 50.0, 0.0, 1000.0, "£ thousand per award",
       "Size of one external funding award (0 switches the funding programme off).",
       "INLOGOV 2015, §3 'Momentum': small TCA awards \"unlock the project\"; PAS 2007, 'managing time', p. 16: PAS "
       "funding paid for a project manager",
       "headline", "External funding award (£k)"),
    _p("leader_turnover", "float", 0.15, 0.0, 0.6, "probability per year",
       "Yearly chance that an organisation's representative leaves and is replaced.",
       "INLOGOV 2015, §3, figure one: \"Projects can fail when this leadership changes\"", "headline",
       "Leadership turnover (per year)"),
    _p("meeting_interval", "int", 4, 1, 26, "weeks",
       "Weeks between partnership meetings of each project.",
       "PAS 2007, 'managing time', p. 16: regular meetings and attendance; assumption: monthly by default", "headline",
       "Meeting interval (weeks)"),
    _p("meeting_discipline", "float", 0.5, 0.0, 1.0, "0-1 score",
       "Meeting discipline: attendance expected, agendas sent in advance, actions followed up by whom and when.",
       "PAS 2007, 'managing time', p. 16: the Greater Manchester waste DPD protocol (agendas in advance, follow-up by "
       "whom and when)",
       "headline", "Meeting discipline (0-1)"),
    # --- funding ----------------------------------------------------------------------------------
    _p("funding_call_interval", "int", 26, 4, 104, "weeks",
       "Weeks between calls of the external funding programme.",
       "INLOGOV 2015, §3 'Momentum': TCA rounds; assumption: twice a year",
       "funding", "Funding call interval (weeks)"),
    _p("funding_success_chance", "float", 0.35, 0.0, 1.0, "probability",
       "Chance that a project's bid to a funding call succeeds.", "assumption", "funding", "Bid success chance"),
    _p("funding_resource_effect", "bool", True, 0, 1, "switch",
       "Whether an award adds money that buys work, obstacle clearing and a project manager (the resource effect).",
       "model brief, process 5", "funding", "Funding buys work"),
    _p("funding_catalytic_effect", "bool", True, 0, 1, "switch",
       "Whether an award's rules and deadline move reluctant partners (the catalytic effect).",
       "INLOGOV 2015, §3 'Momentum': small sums of TCA funding \"were actually the positive mirror image of statutory "
       "compulsion\"",
       "funding", "Funding is a catalyst"),
    _p("catalytic_strength", "float", 0.5, 0.0, 1.0, "0-1 score",
       "How strongly an award's deadline lifts the commitment partners act on (and consent) while it runs.",
       "INLOGOV 2015, §3 'Momentum' (TCA); assumption for size",
       "funding", "Catalytic strength"),
    _p("award_deadline", "int", 39, 8, 104, "weeks",
       "Weeks an award's deadline and rules keep pressure on the partners.", "INLOGOV 2015, §3 'Momentum'; assumption",
       "funding", "Award deadline (weeks)"),
    _p("work_cost", "float", 100.0, 10.0, 500.0, "£ thousand per stage",
       "Cost of buying one whole stage of project work with money.", "assumption (a year of a project officer)",
       "funding", "Cost of a stage of work (£k)"),
    _p("manager_cost", "float", 50.0, 20.0, 100.0, "£ thousand per year",
       "Cost of a project manager that a project without its own pays from award money.",
       "PAS 2007, 'managing time', p. 16: PAS funding paid for a project manager; assumption for the salary",
       "funding", "Project manager cost (£k/yr)"),
    # --- meetings and work ------------------------------------------------------------------------
    _p("coordination_cost", "float", 0.04, 0.0, 0.2, "fraction per member pair",
       "Productivity lost for each extra pair of members to keep in step.",
       "PAS 2007, 'determining membership', p. 19: more partners, more to keep in step", "meetings",
       "Coordination cost per pair"),
    _p("work_rate", "float", 0.42, 0.05, 5.0, "stages per week",
       "Progress a fully committed, well-resourced partnership makes per week on a stage of work.",
       "assumption (a stage takes months)", "meetings", "Work rate (stages/week)"),
    _p("momentum_rate", "float", 0.031, 0.01, 0.3, "fraction per week",
       "Share of the gap between momentum and what the week's work supports that closes each week.",
       "INLOGOV 2015, §3 'Momentum'; PAS 2007, 'managing time', p. 16: undone actions bleed momentum", "meetings",
       "Momentum response rate"),
    _p("meeting_days", "float", 0.25, 0.0, 0.5, "officer-days per meeting",
       "Officer time each attendee spends on a partnership meeting, taken from its partnership work that week.",
       "PAS 2007, 'managing time', p. 16; assumption for size", "meetings", "Meeting time (days)"),
    # --- trust ------------------------------------------------------------------------------------
    _p("trust_gain", "float", 0.03, 0.0, 0.2, "trust per meeting",
       "Interpersonal trust gained by two representatives who meet together (scaled by room to grow).",
       "PAS 2007, 'the trust-building loop', p. 13 (after Huxham and Vangen)", "trust", "Trust gain per meeting"),
    _p("trust_loss_ratio", "float", 3.0, 1.0, 10.0, "ratio",
       "How many times faster trust is lost by a failure than gained by a success.",
       "PAS 2007, 'the trust-building loop', p. 13: trust \"is a fragile process\"; Slovic (1993) asymmetry principle",
       "trust", "Trust loss / gain ratio"),
    _p("absence_penalty", "float", 0.01, 0.0, 0.1, "trust per missed meeting",
       "Trust the absentee loses with each partner at a meeting it misses.",
       "PAS 2007, 'managing time', p. 16: \"treating your partners with respect\"", "trust", "Absence penalty"),
    _p("embedding_rate", "float", 0.01, 0.0, 0.1, "fraction per week",
       "Rate at which interpersonal trust embeds into institutional trust through joint working.",
       "INLOGOV 2015, §3 'Leadership': Thames Gateway Kent (embedded ways of working survive turnover)", "trust",
       "Embedding rate"),
    _p("sector_trust_gap", "float", 0.22, 0.0, 0.4, "trust",
       "How much lower baseline trust is between councils and health bodies or central agencies.",
       "INLOGOV 2015, §3 'Trust'; Young Foundation 2008, §2: health and DWP the hardest partners", "trust",
       "Sector trust gap"),
    # --- leadership -------------------------------------------------------------------------------
    _p("champion_share", "float", 0.5, 0.0, 1.0, "probability",
       "Chance that a new project starts with a collaborative champion.",
       "INLOGOV 2015, §3, figure one: collaborative champions, \"audacious\" leadership", "leadership",
       "Projects with a champion"),
    _p("project_manager_share", "float", 0.4, 0.0, 1.0, "probability",
       "Chance that a new project has a dedicated project manager.",
       "PAS 2007, 'managing time', p. 16: \"The project manager plays a critical role in ensuring progress and "
       "momentum\"",
       "leadership", "Projects with a project manager"),
    _p("autonomy_mean", "float", 0.55, 0.0, 1.0, "0-1 score",
       "Average empowerment of representatives to decide in the room without referring back home.",
       "PAS 2007, 'empowering representatives', p. 15: \"Participants at meetings need the autonomy to address "
       "issues and make decisions on behalf of their organisations\"", "leadership",
       "Representative autonomy"),
    _p("champion_loss", "float", 0.2, 0.0, 0.5, "momentum",
       "Momentum a project loses when its champion's representative leaves.",
       "INLOGOV 2015, §3, figure one: \"Projects can fail when this leadership changes\"", "leadership",
       "Momentum lost with champion"),
    _p("champion_emergence", "float", 0.02, 0.0, 0.2, "probability per week",
       "Weekly chance that a skilled representative steps up as champion of a project that has none.",
       "INLOGOV 2015, §6 'Districts must better nurture individual collaborative talent': champions emerge from "
       "skilled people; assumption for rate", "leadership", "Champion emergence"),
    # --- partners ---------------------------------------------------------------------------------
    _p("risk_appetite_mean", "float", 0.25, 0.0, 1.0, "0-1 score",
       "Average risk appetite of organisations (above 0.7 counts as an 'upbeat' view of risk).",
       "INLOGOV 2015, §3, figure one: \"At least one party needs to take an ‘upbeat’ view of risk\"", "partners",
       "Risk appetite"),
    _p("selflessness_mean", "float", 0.3, 0.0, 1.0, "0-1 score",
       "Average selflessness: willingness to contribute beyond expected benefit (districts score higher).",
       "INLOGOV 2015, §3 'Selflessness': most often a district council, as place-shaper", "partners", "Selflessness"),
    _p("financial_pressure", "float", 0.4, 0.0, 0.9, "fraction of capacity",
       "Share of partnership capacity squeezed out by the day job and budget pressure.",
       "PAS 2007, 'resourcing collaboration', p. 25: \"it does distract from the day job\"; Centre for Cities 2017, "
       "'What are the major challenges of collaboration?': capacity limits", "partners", "Financial pressure"),
    _p("reorganisation_rate", "float", 0.4, 0.0, 1.0, "probability per year",
       "Yearly chance that a health body or government agency is reorganised (new representative, shock).",
       "INLOGOV 2015, §2: health administration \"seems to change with every incoming Secretary of State\"; "
       "assumption for rate", "partners", "Health/agency reorganisation rate"),
    _p("reorganisation_shock", "float", 0.3, 0.0, 1.0, "shock size",
       "Size of the shock a reorganised partner's projects absorb (momentum lost is size x (1 - resilience)).",
       "Centre for Cities 2017, 'What are the major challenges of collaboration?': brittleness; assumption for size",
       "partners", "Reorganisation shock"),
    # --- obstacles --------------------------------------------------------------------------------
    _p("obstacle_rate", "float", 2.45, 0.0, 12.0, "obstacles per project per year",
       "Expected number of obstacles that hit an active project in a year.",
       "INLOGOV 2015, §3 'Momentum': projects lost over \"relatively small problems\"; assumption",
       "obstacles", "Obstacles per year"),
    _p("obstacle_severity", "float", 2.0, 0.1, 10.0, "weeks of full effort",
       "Mean size of an obstacle (log-normally distributed: mostly small, a few large).",
       "INLOGOV 2015, §3 'Momentum': projects lost over \"relatively small problems\"",
       "obstacles", "Obstacle severity"),
    _p("risk_aversion_amplifier", "float", 2.0, 0.0, 5.0, "ratio",
       "How much bigger an obstacle looks to a partnership with no upbeat risk-taker.",
       "INLOGOV 2015, §3, figure one: \"Issues that could kill off a different project become manageable risks with "
       "the right behaviours in place\"", "obstacles",
       "Risk-aversion amplifier"),
    # Upper end 0.4, not 0.5: a project starts with momentum 0.5, so a threshold of 0.5 stalls every project whose
    # momentum dips at all in its first week (87% of the county's projects stalled in week 1), a degenerate region.
    _p("stall_threshold", "float", 0.15, 0.01, 0.4, "momentum",
       "Momentum below which a project stalls.", "assumption", "obstacles", "Stall threshold"),
    _p("patience", "int", 54, 4, 156, "weeks",
       "Weeks a stalled project is tolerated before the partners abandon it.",
       "INLOGOV 2015, §3, figure one: \"Projects with good potential are too often abandoned\"", "obstacles",
       "Patience when stalled (weeks)"),
    # --- project ----------------------------------------------------------------------------------
    _p("ambition", "float", 1.0, 0.3, 3.0, "stages of work",
       "Amount of work in each stage of a first project, relative to a standard stage.",
       "PAS 2007, 'the trust-building loop', p. 13: modest early aims", "project", "Ambition"),
    _p("lead_decides_share", "float", 0.3, 0.0, 1.0, "probability",
       "Chance that a project is governed by a lead who decides rather than by consensus.",
       "PAS 2007, 'exercising leadership', p. 18: \"democracy\" and \"pragmatism\"", "project", "Lead-decides governance"),
    _p("membership_change_rate", "float", 0.3, 0.0, 2.0, "changes per project per year",
       "Expected number of partners asking to join an active project in a year.",
       "PAS 2007, 'determining membership', p. 19", "project", "Late joiners per year"),
    _p("follow_on_chance", "float", 0.5, 0.0, 1.0, "probability",
       "Chance that a delivered project leads to a follow-on among the same partners.",
       "PAS 2007, 'success breeds success', p. 27", "project", "Follow-on chance"),
    # --- stage gates and agreeing goals ----------------------------------------------------------
    _p("trust_consent_weight", "float", 1.0, 0.0, 3.0, "utility per unit of trust",
       "Weight of a partner's trust in its co-members (above 0.5) in its consent at a stage gate.",
       "PAS 2007, 'building trust', p. 11: \"trust needs to be high enough to encourage risk-taking\"; assumption "
       "for size", "gates", "Trust weight in consent"),
    _p("skill_consent_weight", "float", 0.5, 0.0, 2.0, "utility per unit of skill",
       "Weight of the representative's boundary-spanning skill (above 0.5) in its organisation's consent at a gate.",
       "INLOGOV 2015, §5 'Who makes a good boundary spanner?'; assumption for size", "gates",
       "Skill weight in consent"),
    _p("deliberation_rate", "float", 0.5, 0.0, 1.0, "fraction per meeting",
       "How far a partner at a meeting in the agreeing-goals stage moves its aim towards the room's view, before "
       "scaling by the meeting's quality and its trust.",
       "Choi and Robertson (2014): deliberation builds shared understanding; assumption for size", "gates",
       "Deliberation rate"),
    _p("misalignment_weight", "float", 1.0, 0.0, 2.0, "benefit lost per unit of distance",
       "Share of its benefit a partner loses per unit of distance between its aim and the agreed aim (at gates and "
       "when benefits are realised).",
       "Choi and Robertson (2014): a decision's acceptability falls with its distance from a stakeholder's "
       "preference; assumption for size", "gates", "Misalignment cost"),
    # --- benefits ---------------------------------------------------------------------------------
    # low end 1: below it joint delivery is worth less than going alone, every gate is a loss for every partner
    # and the partnerships never deliver (0.3% of first projects at 0.5) - a region the sources do not describe
    _p("collaborative_advantage", "float", 2.0, 1.0, 3.0, "ratio",
       "Benefit of joint delivery relative to what the partners could achieve alone.",
       "PAS 2007, 'introduction', p. 3; Huxham and Vangen (2005)", "benefits", "Collaborative advantage"),
    _p("equitable_share", "float", 0.5, 0.0, 1.0, "probability",
       "Chance that a project shares benefits in proportion to contribution rather than equally.",
       "PAS 2007, 'realising benefits', p. 27: equitable benefit shares", "benefits", "Equitable sharing"),
    _p("fairness_tolerance", "float", 0.3, 0.0, 1.0, "fraction",
       "Shortfall of benefit share below contribution share that a partner tolerates.",
       "PAS 2007, 'realising benefits', p. 27; Adams (1965) equity theory", "benefits", "Fairness tolerance"),
]

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _ALL}
#: The levers a policy team or funder controls (group 'headline'); every other parameter is a model assumption.
HEADLINE_LEVERS: tuple[str, ...] = tuple(p.name for p in _ALL if p.lever)


def defaults() -> dict[str, float | int | bool]:
    """Every parameter at its default value."""
    return {p.name: _convert(p, p.default) for p in PARAMETERS.values()}


def lookup(name: str, names: Iterable[str] | None = None, what: str = "parameter") -> str:
    """Return ``name`` if known, else raise a one-line error suggesting the closest known name."""
    known = list(PARAMETERS) if names is None else list(names)
    if name in known:
        return name
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(known)}"
    raise ParameterError(f"unknown {what} '{name}': {hint}")


def validate(overrides: Mapping[str, object] | None = None) -> dict[str, float | int | bool]:
    """Defaults updated with ``overrides``, every name and value checked."""
    values = defaults()
    for name, value in (overrides or {}).items():
        name = lookup(name)
        values[name] = PARAMETERS[name].validate(value)
    return values


def parse_assignment(text: str) -> tuple[str, float | int | bool]:
    """Parse a command-line ``NAME=VALUE`` into a validated pair."""
    if "=" not in text:
        raise ParameterError(f"--set expects NAME=VALUE, got '{text}'")
    name, _, value = text.partition("=")
    name = lookup(name.strip())
    return name, PARAMETERS[name].validate(value.strip())
