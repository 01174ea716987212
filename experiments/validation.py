"""Pattern-oriented validation: one experiment per pattern of the model brief ('Patterns the model should reproduce').

Each :class:`Check` compares conditions (a baseline and a changed condition, or two measures of the same
runs) through a *contrast*: a weighted sum of per-run measures, computed replication by replication.
Every condition of replication ``r`` runs with the same seed (common random numbers), so the contrast
of one replication is a paired difference and its mean has an ordinary t confidence interval.

Replications (the documented rule, stated in the report): a pilot of ``pilot`` replications gives the
standard deviation ``s`` of each check's per-replication contrast; a directional check then needs
``n = ((z_0.975 + z_0.80) * s / delta)^2`` replications for 80% power to detect its smallest effect of
interest ``delta`` at the 5% level; a level check needs ``n = (z_0.975 * s / (tolerance / 2))^2`` so that
its 95% interval is at most half the tolerance wide. ``n`` is clipped to ``[pilot, max_replications]``
and every condition runs the largest ``n`` of the checks that use it. The quick form caps ``n`` lower,
judges directional checks on 90% intervals (a one-sided 95% bound) and widens level tolerances by
:data:`QUICK_TOLERANCE_FACTOR`.

A directional check passes when its 95% interval lies wholly on the expected side of zero; a level
check passes when its estimate is within the tolerance of the target.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from partnerships.experiments.factors import Factor
from partnerships.experiments.abc_study import Target, load_study
from partnerships.experiments.intervals import half_width, mean_interval
from partnerships.experiments.posterior import DEFAULT_POSTERIOR, PosteriorDraws, draw, replication_draws
from partnerships.experiments.provenance import model_fingerprint
from partnerships.experiments.runs import execute
from partnerships.experiments.spec import RunSpec, build_specs
from partnerships.model.interventions import Intervention
from partnerships.model.parameters import PARAMETERS
from partnerships.model.scenarios import county_region

Z975 = float(stats.norm.ppf(0.975))
Z80 = float(stats.norm.ppf(0.80))
QUICK_TOLERANCE_FACTOR = 1.6
QUICK_CONFIDENCE = 0.90
WEEKS = 260
TRUST_STEP = 0.05  # trust change (0-1) whose time to gain and to lose measures 'built slowly, lost quickly'


@dataclass(frozen=True)
class Condition:
    """One set of runs: parameter overrides and scheduled interventions."""

    key: str
    label: str
    parameters: dict = field(default_factory=dict)
    interventions: tuple[Intervention, ...] = ()
    series: bool = False  # keep the per-project weekly series and project table (trust and follow-on measures)
    weeks: int | None = None  # run length if not the suite's (Settings.weeks)


@dataclass(frozen=True)
class Arm:
    """A measure of the runs of one condition, with its weight in the contrast."""

    condition: str
    measure: str
    weight: float


@dataclass(frozen=True)
class Check:
    """One testable statement of a pattern."""

    key: str
    pattern: int
    statement: str
    source: str
    quote: str
    arms: tuple[Arm, ...]
    effect_label: str  # what the contrast means, with its unit
    expect: str  # '+' or '-' (directional) or 'level'
    delta: float = 0.0  # smallest effect of interest (directional), for the power rule
    target: float = 0.0  # level checks: target value
    tolerance: float = 0.0  # level checks: allowed distance from target (full form)
    mechanism: str = ""  # which processes of the model bear on it (shown in the report)


@dataclass
class Settings:
    """How many replications, and how strict."""

    pilot: int = 40
    max_replications: int = 400
    quick: bool = False
    base_seed: int = 20261126
    weeks: int = WEEKS
    posterior: PosteriorDraws | None = None  # replication r of every condition runs at draw r % draws

    @classmethod
    def for_mode(cls, quick: bool, base_seed: int = 20261126, posterior_draws: int | None = None) -> Settings:
        posterior = draw(DEFAULT_POSTERIOR, posterior_draws, base_seed) if posterior_draws else None
        return cls(pilot=30, max_replications=90, quick=True, base_seed=base_seed, posterior=posterior) if quick else \
            cls(base_seed=base_seed, posterior=posterior)

    def over_draws(self, specs: list[RunSpec]) -> list[RunSpec]:
        """Each run at its replication's posterior draw (its own parameters win); unchanged without a posterior."""
        if self.posterior is None:
            return specs
        draws = replication_draws(self.posterior, max((s.replication for s in specs), default=-1) + 1)
        return [replace(s, parameters={**draws[s.replication], **s.parameters}) for s in specs]

    def record(self) -> dict:
        """What the runs depend on beyond their conditions (in every stored manifest: the resume guard)."""
        return {"base_seed": self.base_seed, **({"posterior": self.posterior.sha256, "draws": self.posterior.draws}
                                                if self.posterior is not None else {})}

    @property
    def confidence(self) -> float:
        """Two-sided level of the intervals the pass rule uses (quick form: 90%, a one-sided 95% bound)."""
        return QUICK_CONFIDENCE if self.quick else 0.95

    def tolerance(self, check: Check) -> float:
        return check.tolerance * (QUICK_TOLERANCE_FACTOR if self.quick else 1.0)


# --- the patterns ----------------------------------------------------------------------------------
Q001_LEADERSHIP = "An 'audacious' model of leadership 'sticking its neck out' to make projects happen"
Q002_MANAGER = "The project manager plays a critical role in ensuring progress and momentum"
Q002_EMPOWERED = ("A lack of autonomy on the part of representatives can have major detrimental affects on a "
                  "project, not least in causing significant delay in reaching decisions")
Q001_TCA = "We were stuck at that point...and along came TCA funding to unlock the project for us"
Q001_CATALYST = ("it may not be the offer of large sums of money that, of itself, is the real stimulus to action: the "
                 "money (and the 'competition rules' that surround it) may be the catalysts that overcome blockages")
Q001_TURNOVER = "Projects can fail when this leadership changes"
Q002_MEMBERS = ("too many organisations can increase the communication permutations and the difficulty of "
                "reaching agreement about aims and actions")
Q002_TRUST = "Trust needs time to develop, and it is a fragile process"
Q002_SUCCESS = "trust is built-up through activity cycles. Success breeds success"
Q001_EMBEDDED = ("It can be a risk if it disappears. We're partly beyond that now as our model of working has "
                 "embedded and developed")
Q001_RISK = ("At least one party needs to take an 'upbeat' view of risk. Issues that could kill off a "
             "different project become manageable risks")
Q003_WELL = ("38 per cent of respondents in the leadership network survey said their sub-regional partnership works "
             "well, and 34 per cent said not well")
Q001_BEHAVIOUR = ("Behaviour, culture and trust are far more important to success in collaboration than the "
                  "structures through which people work")
Q000_BRITTLE = ("Without a strong institutional relationship backed up by strong personal connections between "
                "partners, collaborations can be overly rigid and brittle, unable to bend with the wind of external "
                "shocks and internal developments")
Q002_SUCCESS_OUTCOMES = ("Collaborative projects often report that success breeds success. One of the greatest "
                         "benefits from a successful project is the establishment of trust between parties and the "
                         "will to continue working together")
Q002_DEMOCRACY = ("managing collaboration by consensus - making all decisions democratically - versus exerting power "
                  "to make decisions more rapidly and drive progress towards delivery within a timescale")
Q003_HEALTH = ("72 per cent rating crime and community safety partnership work in their borough as good, compared to "
               "52 per cent for health partnerships")


def _leaves_at(week: int, projects: int = 10) -> tuple[Intervention, ...]:
    return tuple(Intervention("champion_leaves", week=week, project=p) for p in range(projects))


def _award_on_first_stall(amount: float, projects: int = 10) -> tuple[Intervention, ...]:
    return tuple(Intervention("funding_award", when="first_stall", project=p, amount=amount) for p in range(projects))


def _shock_at(week: int) -> tuple[Intervention, ...]:
    return (Intervention("policy_shock", week=week, amount=SHOCK_SIZE),)


SMALL_AWARD = 25.0  # £k: a quarter of a stage of work (work_cost 100)
#: Pattern 8: the same step on the 0-1 scales of behaviour and of structure. Behaviour: selflessness_mean up by
#: it, sector_trust_gap down by it (starting trust of council-health and council-agency pairs up by it); the
#: registry has no parameter for representatives' skill, so skill is not raised. Structure: meeting_discipline up
#: by it, lead_decides_share up by it (more projects governed by a lead, at governance levels 4-6).
BEHAVIOUR_STEP = 0.2
SHOCK_WEEK = 52
SHOCK_SIZE = 0.2  # extra share of capacity squeezed out (the policy_shock default)
LONG_WEEKS = 520  # pattern 5c: ten years, so that follow-ons have time to deliver
DELIVERY_WINDOW = 156  # pattern 5c: delivered within three years of its start
MATURE_EMBEDDING = 0.06  # per week: embedded ways of working (default 0.01)
LOSS_WEEK = 52
# Pattern 7: the London survey (Young Foundation 2008, §2 and §3), read from the calibration study
# (experiments/calibration.toml), which fits its "works well" share: each share among the respondents who could
# say (those who did not know leave the denominator), within its binomial 95% sampling error (normal
# approximation), in the survey's setting: no external funding programme.
SURVEY = next(t for t in load_study("calibration", probe=False).targets if t.name == "sub_regional_works_well")
SURVEY_NOT_WELL = 0.34  # the same question's "not well" answers, as a share of all respondents (§2)


def among_could_say(target: Target) -> tuple[float, float]:
    """A binomial survey target as a share of those who could say, and its 95% sampling half-width."""
    k, n = target.answered(sum(target.dont_know) / 2)
    p = k / n
    return p, 1.96 * math.sqrt(p * (1 - p) / n)


WORKS_WELL = among_could_say(SURVEY)  # 0.51 +- 0.15
NOT_WELL = among_could_say(replace(SURVEY, observed=SURVEY_NOT_WELL))  # 0.46 +- 0.15

CONDITIONS: tuple[Condition, ...] = (
    Condition("default", "Default scenario"),
    Condition("survey_setting", "Default scenario without the external funding programme (London 2008 had none)",
              {"external_funding": 0.0}),
    Condition("default_series", "Default scenario, every delivered project followed on (weekly series kept)",
              {"follow_on_chance": 1.0}, series=True),
    Condition("no_leaders", "No champion, no project manager, representatives who must refer back",
              {"champion_share": 0.0, "champion_emergence": 0.0, "project_manager_share": 0.0, "autonomy_mean": 0.25}),
    Condition("leaders", "Champion, dedicated project manager and empowered representatives in every project",
              {"champion_share": 1.0, "project_manager_share": 1.0, "autonomy_mean": 0.85}),
    Condition("no_award", "Funding programme off, no award",
              {"external_funding": 0.0}),
    Condition("award_money", f"£{SMALL_AWARD:g}k award when a project first stalls, money only",
              {"external_funding": 0.0, "funding_catalytic_effect": False},
              _award_on_first_stall(SMALL_AWARD)),
    Condition("award_catalyst", f"£{SMALL_AWARD:g}k award when a project first stalls, money and catalyst",
              {"external_funding": 0.0, "funding_catalytic_effect": True},
              _award_on_first_stall(SMALL_AWARD)),
    Condition("champions_stay", "Every project has a champion; nobody is made to leave",
              {"champion_share": 1.0}),
    Condition("champions_leave", f"Every project has a champion; each champion leaves at week {LOSS_WEEK}",
              {"champion_share": 1.0}, _leaves_at(LOSS_WEEK)),
    Condition("mature_stay", "Mature partnerships (embedded ways of working); nobody is made to leave",
              {"champion_share": 1.0, "embedding_rate": MATURE_EMBEDDING}),
    Condition("mature_leave", f"Mature partnerships; each champion leaves at week {LOSS_WEEK}",
              {"champion_share": 1.0, "embedding_rate": MATURE_EMBEDDING}, _leaves_at(LOSS_WEEK)),
    Condition("few_members", "No late joiners", {"membership_change_rate": 0.0}),
    Condition("many_members", "One late joiner a year per project", {"membership_change_rate": 1.0}),
    Condition("cautious", "Cautious partners: risk appetite 0.15 on average (an upbeat partner is rare)",
              {"risk_appetite_mean": 0.15}),
    Condition("upbeat", "Risk appetite 0.6 on average (most projects have an upbeat partner)",
              {"risk_appetite_mean": 0.6}),
    Condition("behaviour_up", f"Behaviour and trust raised by {BEHAVIOUR_STEP:g}: selflessness 0.3 -> 0.5, sector "
              "trust gap 0.22 -> 0.02 (skill: no parameter)",
              {"selflessness_mean": 0.3 + BEHAVIOUR_STEP, "sector_trust_gap": 0.22 - BEHAVIOUR_STEP}),
    Condition("structures_up", f"Structures raised by {BEHAVIOUR_STEP:g}: meeting discipline 0.5 -> 0.7, "
              "lead-decides governance share 0.3 -> 0.5",
              {"meeting_discipline": 0.5 + BEHAVIOUR_STEP, "lead_decides_share": 0.3 + BEHAVIOUR_STEP}),
    Condition("trust_high", "Strong relationships: no sector trust gap, embedded ways of working (embedding 0.06)",
              {"sector_trust_gap": 0.0, "embedding_rate": MATURE_EMBEDDING}),
    Condition("trust_high_shock", f"Strong relationships; a policy shock of {SHOCK_SIZE:g} at week {SHOCK_WEEK}",
              {"sector_trust_gap": 0.0, "embedding_rate": MATURE_EMBEDDING}, _shock_at(SHOCK_WEEK)),
    Condition("trust_low", "Weak relationships: sector trust gap 0.4, no embedding",
              {"sector_trust_gap": 0.4, "embedding_rate": 0.0}),
    Condition("trust_low_shock", f"Weak relationships; a policy shock of {SHOCK_SIZE:g} at week {SHOCK_WEEK}",
              {"sector_trust_gap": 0.4, "embedding_rate": 0.0}, _shock_at(SHOCK_WEEK)),
    Condition("long_follow_on", f"Ten years ({LONG_WEEKS} weeks), every delivered project followed on",
              {"follow_on_chance": 1.0}, series=True, weeks=LONG_WEEKS),
    Condition("lead_decides", "Every project governed by a lead who decides", {"lead_decides_share": 1.0}),
    Condition("consensus", "Every project governed by consensus", {"lead_decides_share": 0.0}),
)

CHECKS: tuple[Check, ...] = (
    Check("1a_leaders_deliver", 1, "A champion, a dedicated project manager and empowered representatives: more delivered",
          "001, 002", f"001: '{Q001_LEADERSHIP}'; 002: '{Q002_MANAGER}'; '{Q002_EMPOWERED}'",
          (Arm("leaders", "delivered_share", 1.0), Arm("no_leaders", "delivered_share", -1.0)),
          "difference in share of projects delivered", "+", delta=0.05,
          mechanism=("a champion and a project manager lift momentum, work done and obstacle clearing; empowered "
                     "representatives decide gates in the room instead of referring back home")),
    Check("1b_leaders_faster", 1, "... and delivered sooner",
          "001, 002", f"002: '{Q002_MANAGER}'",
          (Arm("leaders", "restricted_mean_weeks_to_delivery", 1.0),
           Arm("no_leaders", "restricted_mean_weeks_to_delivery", -1.0)),
          "difference in restricted mean weeks to delivery (undelivered projects count the whole run)", "-",
          delta=10.0,
          mechanism=("as 1a; every starting project counts, an undelivered one at the run's 260 weeks (the median over "
                     "delivered projects only, used before, ignored the projects that never delivered)")),
    Check("2a_catalyst_unlocks", 2, "A small award unlocks stalled projects when its rules act as a catalyst",
          "001", f"001: '{Q001_TCA}'",
          (Arm("award_catalyst", "abandoned_share", 1.0), Arm("award_money", "abandoned_share", -1.0)),
          "difference in share abandoned (stalled for good), catalyst on vs money only", "-", delta=0.05,
          mechanism=("only the catalytic effect restarts a stalled project and lifts momentum, consent and obstacle "
                     "clearing until the deadline; money only buys work once a project is moving")),
    Check("2b_beyond_money", 2, "... well beyond what the money alone buys (catalytic gain exceeds the money's gain)",
          "001", f"001: '{Q001_CATALYST}'",
          (Arm("award_catalyst", "abandoned_share", 1.0), Arm("award_money", "abandoned_share", -2.0),
           Arm("no_award", "abandoned_share", 1.0)),
          "change in share abandoned due to the catalyst minus that due to the money", "-", delta=0.05,
          mechanism="as 2a: money alone cannot be spent by a stalled project"),
    Check("3a_loss_hurts", 3, "Losing the champion (and so a key representative) hurts",
          "001", f"001: '{Q001_TURNOVER}'",
          (Arm("champions_leave", "not_working_share", 1.0), Arm("champions_stay", "not_working_share", -1.0)),
          "difference in share clearly not working (abandoned or stalled), champions leave vs stay", "+", delta=0.05,
          mechanism=("the project loses champion_loss momentum and its champion's drive until another emerges; the "
                     "leaver's successor starts without interpersonal trust")),
    Check("3b_mature_hurt_less", 3, "Mature partnerships with embedded ways of working are hurt less",
          "001", f"001 (Thames Gateway Kent): '{Q001_EMBEDDED}'",
          (Arm("mature_leave", "not_working_share", 1.0), Arm("mature_stay", "not_working_share", -1.0),
           Arm("champions_leave", "not_working_share", -1.0), Arm("champions_stay", "not_working_share", 1.0)),
          "rise in share not working caused by the loss when mature minus that at default embedding", "-", delta=0.04,
          mechanism=("maturity (embedding) acts through institutional trust, which cushions the trust lost with "
                     "the leaver and scales down the momentum lost; the loss also removes the champion's drive until "
                     "another emerges, which embedding does not touch, and trust moves outcomes little")),
    Check("4_members_slow", 4, "More members slow agreement",
          "002", f"002: '{Q002_MEMBERS}'",
          (Arm("many_members", "restricted_mean_weeks_to_delivery", 1.0),
           Arm("few_members", "restricted_mean_weeks_to_delivery", -1.0)),
          "difference in restricted mean weeks to delivery (undelivered projects count the whole run)", "+", delta=10.0,
          mechanism=("each extra member adds pairs to keep in step (coordination cost) and one more partner who must "
                     "consent or may refer back home")),
    Check("5a_trust_slow_fast", 5, "Trust is built slowly and lost quickly",
          "002", f"002: '{Q002_TRUST}'",
          (Arm("default_series", "weeks_to_lose_trust", 1.0), Arm("default_series", "weeks_to_gain_trust", -1.0)),
          f"weeks to lose minus weeks to gain {TRUST_STEP:g} of trust", "-", delta=2.0,
          mechanism=("meetings add a small share of the room to grow; failures, absences and departures subtract outright "
                     "(trust_loss_ratio)")),
    Check("5b_success_breeds_success", 5, "Success breeds success: follow-on projects start from higher trust",
          "002", f"002: '{Q002_SUCCESS}'",
          (Arm("default_series", "follow_on_start_trust", 1.0),
           Arm("default_series", "peer_trust_at_follow_on_start", -1.0)),
          "trust of a follow-on at its start minus that of first projects still under way that week", "+", delta=0.015,
          mechanism="a follow-on starts among the partners of a delivered project, with the trust they built"),
    Check("5c_follow_ons_deliver", 5, "Success breeds success in outcomes: follow-on projects deliver more often",
          "002", f"002: '{Q002_SUCCESS_OUTCOMES}'",
          (Arm("long_follow_on", "follow_on_delivered_within", 1.0),
           Arm("long_follow_on", "first_delivered_within", -1.0)),
          f"share of follow-ons delivered within {DELIVERY_WINDOW} weeks of their start minus that of first projects "
          f"(projects started at least {DELIVERY_WINDOW} weeks before the end of a {LONG_WEEKS}-week run)", "+",
          delta=0.05,
          mechanism=("a follow-on starts among the partners of a delivered project with the trust they built, which "
                     "helps at gates and with obstacles; it is also bolder (ambition grows with that trust) and starts "
                     "when fewer projects compete for the partners' capacity. No rule makes a follow-on deliver more: "
                     "an emergent outcome if it passes")),
    Check("6_upbeat_risk", 6, "A partner with an upbeat view of risk gets projects through their obstacles",
          "001", f"001: '{Q001_RISK}'",
          (Arm("upbeat", "not_working_share", 1.0), Arm("cautious", "not_working_share", -1.0)),
          "difference in share clearly not working (abandoned or stalled)", "-", delta=0.05,
          mechanism=("obstacles look bigger without a partner above the 'upbeat' risk appetite of 0.7, and perceived risk "
                     "lowers consent at gates")),
    Check("7a_working_well", 7,
          f"The share working well is far from 100%: {WORKS_WELL[0]:.0%} of those who could say ({SURVEY.observed:.0%} "
          f"of all, {SURVEY.dont_know[0]:.0%} did not know)",
          "003", f"003: '{Q003_WELL}'", (Arm("survey_setting", "working_well_share", 1.0),),
          "share working well, without a funding programme (the survey's setting)", "level", target=WORKS_WELL[0],
          tolerance=WORKS_WELL[1],
          mechanism=("fitted by the calibration on the London scenario (docs/calibration.md); at the registry's "
                     "defaults the work rate lies below its credible interval")),
    Check("7b_not_working", 7, f"... and {NOT_WELL[0]:.0%} of those who could say not well ({SURVEY_NOT_WELL:.0%} of all)",
          "003", f"003: '{Q003_WELL}'", (Arm("survey_setting", "not_working_share", 1.0),),
          "share clearly not working (abandoned or stalled), without a funding programme", "level",
          target=NOT_WELL[0], tolerance=NOT_WELL[1],
          mechanism="not fitted: the calibration fits the share working well only; 'not well' read as clearly not "
                    "working is an assumption"),
    Check("7c_health_below_safety", 7, "Health partnerships work well less often than community-safety ones",
          "003", f"003: '{Q003_HEALTH}'",
          (Arm("default", "health_working_well_share", 1.0), Arm("default", "community_safety_working_well_share", -1.0)),
          "health minus community-safety share working well (London: 0.52 - 0.72 = -0.20)", "-", delta=0.10,
          mechanism=("health bodies are reorganised often (reorganisation_rate: a new representative, trust restarting "
                     "from the institutional level, a shock to their projects), are hierarchical, and councils trust "
                     "them less (sector_trust_gap); their capacity is not set to hit the figure (ODD 7.7)")),
    Check("8_behaviour_over_structures", 8,
          f"Raising behaviour and trust by {BEHAVIOUR_STEP:g} moves delivery more than raising structures by "
          f"{BEHAVIOUR_STEP:g}",
          "001", f"001: '{Q001_BEHAVIOUR}'",
          (Arm("behaviour_up", "delivered_share", 1.0), Arm("structures_up", "delivered_share", -1.0)),
          f"effect on the share delivered of behaviour and trust (+{BEHAVIOUR_STEP:g}) minus that of structures "
          f"(+{BEHAVIOUR_STEP:g}); both against the same default runs, so the default cancels", "+", delta=0.05,
          mechanism=("selflessness raises commitment and consent; starting trust raises consent, obstacle clearing "
                     "and ambition; meeting discipline raises attendance, action quality and work done; a lead who "
                     "decides needs only partners holding half the contributions (LEAD_QUORUM). Skill has no parameter "
                     "and is not raised")),
    Check("9_trust_less_brittle", 9,
          "After a policy shock, partnerships with strong institutional and personal trust stall less than weak ones",
          "000", f"000: '{Q000_BRITTLE}'",
          (Arm("trust_high_shock", "stalls", 1.0), Arm("trust_high", "stalls", -1.0),
           Arm("trust_low_shock", "stalls", -1.0), Arm("trust_low", "stalls", 1.0)),
          f"extra stalls caused by a policy shock of {SHOCK_SIZE:g} at week {SHOCK_WEEK} with strong relationships "
          "minus those with weak relationships (stalls per run)", "-", delta=0.3,
          mechanism=("a policy shock squeezes every organisation's capacity (fading 2% a week); trust enters consent, "
                     "obstacle clearing and (through embedding) the momentum lost with a leaver, and a shock's momentum "
                     "loss is scaled down by the project's resilience, its mean institutional and interpersonal trust "
                     "(absorb_shocks)")),
    Check("10a_lead_decides_faster", 10, "A lead who decides delivers faster than consensus",
          "002", f"002: '{Q002_DEMOCRACY}'",
          (Arm("lead_decides", "restricted_mean_weeks_to_delivery", 1.0),
           Arm("consensus", "restricted_mean_weeks_to_delivery", -1.0)),
          "difference in restricted mean weeks to delivery, lead decides minus consensus", "-", delta=10.0,
          mechanism=("a lead who decides passes a gate on its own consent (trust lost if others object); consensus "
                     "needs every partner (the governance level is drawn apart from the decision rule)")),
    Check("10b_consensus_evener", 10, "... and consensus spreads net benefits more evenly",
          "002", f"002: '{Q002_DEMOCRACY}'",
          (Arm("consensus", "net_benefit_spread", 1.0), Arm("lead_decides", "net_benefit_spread", -1.0)),
          "difference in the spread of partners' net benefits, consensus minus lead decides", "-", delta=0.05,
          mechanism=("no rule sets the spread: consent of every partner should keep any one partner's net benefit "
                     "from falling far below the rest; a lead who decides can carry a gate over a losing partner")),
)


# --- measures from the weekly series ---------------------------------------------------------------
def trust_episodes(trust: np.ndarray) -> tuple[float, int, float, int]:
    """Split a weekly trust series into rising and falling spells; return (gained, weeks rising, lost, weeks falling).

    A week in which trust does not change belongs to the spell it falls in (between two meetings a rising
    spell is still rising); weeks before the first change belong to none.
    """
    change = np.diff(np.asarray(trust, dtype=float))
    change[np.abs(change) < 1e-12] = 0.0
    sign = np.sign(change)
    last = np.maximum.accumulate(np.where(sign != 0, np.arange(len(sign)), -1))
    spell = np.where(last >= 0, sign[np.maximum(last, 0)], 0.0)
    up, down = spell > 0, spell < 0
    return float(change[up].sum()), int(up.sum()), float(-change[down].sum()), int(down.sum())


OPEN_STAGES = ("initiating", "agreeing goals", "design and feasibility", "delivery", "realising benefits", "stalled")
UNDER_WAY = ("initiating", "agreeing goals", "design and feasibility", "delivery", "stalled")


def follow_on_measures(projects: pd.DataFrame, weeks: int, window: int = DELIVERY_WINDOW) -> dict[str, float]:
    """Delivery of follow-ons against first projects, at equal time since their start (pattern 5c).

    Among the projects started at least ``window`` weeks before the end of a ``weeks``-week run, the share of
    follow-ons (``follow_on_delivered_within``) and of first projects (``first_delivered_within``) delivered
    within ``window`` weeks of their start; NaN when the run has no such project of that kind.
    """
    eligible = projects[projects["started_week"] <= weeks - window]
    within = eligible["delivered"] & (eligible["weeks_to_delivery"] <= window)
    out = {}
    for name, mask in (("follow_on_delivered_within", eligible["follow_on"]),
                       ("first_delivered_within", ~eligible["follow_on"])):
        out[name] = float(within[mask].mean()) if mask.any() else math.nan
    return out


def series_measures(weekly: pd.DataFrame, projects: pd.DataFrame, weeks: int = WEEKS) -> dict[str, float]:
    """Trust-dynamics measures of one run from its per-project weekly series and project table.

    ``weeks_to_gain_trust``/``weeks_to_lose_trust``: weeks a project's mean trust takes to rise (fall) by
    :data:`TRUST_STEP` at the run's average pace while rising (falling), over open projects.
    ``follow_on_start_trust``: mean trust of follow-on projects in the week they start;
    ``peer_trust_at_follow_on_start``: mean trust, that same week, of the first-generation projects still under way
    (not yet delivered).
    Also the follow-on delivery measures of :func:`follow_on_measures` for a ``weeks``-week run.
    """
    totals = np.zeros(4)
    stage = weekly["stage"].astype(str)
    for _, one in weekly[stage.isin(OPEN_STAGES)].groupby("project"):
        totals += trust_episodes(one.sort_values("week")["trust_mean"].to_numpy())
    gained, weeks_up, lost, weeks_down = totals
    follow = projects[projects["follow_on"]]
    first = set(projects.loc[~projects["follow_on"], "project"])
    under_way = weekly[stage.isin(UNDER_WAY) & weekly["project"].isin(first)].groupby("week")["trust_mean"].mean()
    at_start = weekly.set_index(["project", "week"])["trust_mean"]
    own, peers = [], []
    for p, w in zip(follow["project"], follow["started_week"]):
        if (p, w) in at_start.index and w in under_way.index:
            own.append(at_start[(p, w)])
            peers.append(under_way[w])
    return {
        "weeks_to_gain_trust": TRUST_STEP * weeks_up / gained if gained > 0 else math.nan,
        "weeks_to_lose_trust": TRUST_STEP * weeks_down / lost if lost > 0 else math.nan,
        "follow_on_start_trust": float(np.mean(own)) if own else math.nan,
        "peer_trust_at_follow_on_start": float(np.mean(peers)) if peers else math.nan,
        **follow_on_measures(projects, weeks),
    }


# --- running ---------------------------------------------------------------------------------------
def specs_for(conditions: Sequence[Condition], replications: dict[str, int], settings: Settings,
              tables: tuple[str, ...] = (), weeks: int | None = None) -> list[RunSpec]:
    """Condition i (a point), replication r: run ``r * len(conditions) + i``; every condition of
    replication r shares its seed (common random numbers). A condition missing from ``replications``
    has no runs. Runs last ``weeks`` (default: the settings')."""
    return settings.over_draws(build_specs(
        [c.parameters for c in conditions], [replications.get(c.key, 0) for c in conditions],
        base_seed=settings.base_seed, region=county_region(), weeks=weeks or settings.weeks,
        interventions=[c.interventions for c in conditions], common_seeds=True, tables=tables))


def measures_table(conditions: Sequence[Condition], replications: dict[str, int], out: Path, settings: Settings,
                   workers: int | None, retry_failed: bool = False) -> pd.DataFrame:
    """Run (or resume) every condition's replications; one row per run with its condition and measures
    (``retry_failed``: run again the stored runs that failed in the model)."""
    frames = []
    lengths = sorted({c.weeks or settings.weeks for c in conditions})
    for kind, length in [(kind, length) for kind in ("summary", "series") for length in lengths]:
        group = [c for c in conditions if c.series == (kind == "series") and (c.weeks or settings.weeks) == length]
        if not group:
            continue
        folder = kind if length == settings.weeks else f"{kind}-{length}w"
        manifest = {"kind": "validation", "text": json.dumps({"conditions": [asdict(c) for c in group],
                                                              **settings.record(), "weeks": length}, sort_keys=True)}
        keys = {c.key for c in group}
        specs = specs_for(conditions, {k: n for k, n in replications.items() if k in keys}, settings,
                          ("project_weekly", "projects") if kind == "series" else (), weeks=length)
        runs = execute(specs, out / folder, workers=workers, resume=True, manifest=manifest,
                       label=f"validation ({folder})", retry_failed=retry_failed)
        runs["condition"] = [conditions[p].key for p in runs["point"]]
        if kind == "series":
            runs = runs.join(_series_measures(out / folder, runs, length), on="run_id")
        frames.append(runs)
    return pd.concat(frames, ignore_index=True)


def _series_measures(folder: Path, runs: pd.DataFrame, weeks: int = WEEKS) -> pd.DataFrame:
    weekly = pd.read_parquet(folder / "project_weekly.parquet")
    projects = pd.read_parquet(folder / "projects.parquet")
    weekly = weekly[weekly["run_id"].isin(runs["run_id"])]
    by_run = dict(tuple(projects.groupby("run_id")))
    rows = {rid: series_measures(w, by_run[rid], weeks) for rid, w in weekly.groupby("run_id")}
    return pd.DataFrame.from_dict(rows, orient="index")


def contrasts(check: Check, table: pd.DataFrame) -> pd.Series:
    """The check's contrast for every replication where all its measures are defined."""
    parts = []
    for arm in check.arms:
        rows = table[table["condition"] == arm.condition].set_index("replication")[arm.measure].astype(float)
        parts.append(arm.weight * rows)
    return pd.concat(parts, axis=1).dropna().sum(axis=1)


def needed_replications(check: Check, values: pd.Series, settings: Settings) -> int:
    """Replications the check needs by the documented rule (see the module docstring)."""
    s = float(values.std(ddof=1)) if len(values) > 1 else math.inf
    if check.expect == "level":
        n = (Z975 * s / (settings.tolerance(check) / 2)) ** 2
    else:
        n = ((Z975 + Z80) * s / check.delta) ** 2
    # a check whose measure is undefined in some runs (no follow-on, none delivered) needs more runs
    defined = len(values) / settings.pilot if settings.pilot else 1.0
    n = n / max(defined, 0.05) if math.isfinite(n) else settings.max_replications
    return int(min(settings.max_replications, max(settings.pilot, math.ceil(n))))


@dataclass
class CheckResult:
    """A check's outcome: effect, 95% interval, pass/fail and the one-line reason."""

    check: Check
    n: int
    estimate: float
    low: float
    high: float
    passed: bool
    reason: str
    tolerance: float
    measured: bool = True  # False: a measure it needs is not an output of this model (status 'not measured')

    @property
    def status(self) -> str:
        """'pass', 'fail' or 'not measured'."""
        return "not measured" if not self.measured else ("pass" if self.passed else "fail")

    def row(self) -> dict:
        c = self.check
        return {"check": c.key, "pattern": c.pattern, "statement": c.statement, "source": c.source, "quote": c.quote,
                "conditions": " | ".join(f"{a.weight:+g} x {a.measure} [{a.condition}]" for a in c.arms),
                "effect": c.effect_label, "expected": c.expect, "smallest_effect": c.delta if c.expect != "level" else None,
                "target": c.target if c.expect == "level" else None, "tolerance": self.tolerance if c.expect == "level" else None,
                "replications": self.n, "estimate": self.estimate, "ci_low": self.low, "ci_high": self.high,
                "passed": self.passed, "status": self.status, "reason": self.reason, "mechanism": c.mechanism}


def evaluate(check: Check, values: pd.Series, settings: Settings) -> CheckResult:
    """Mean contrast with its 95% t interval, and the pass rule."""
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    half = half_width(values.to_numpy(dtype=float), settings.confidence) if n > 1 else math.inf
    low, high = mean - half, mean + half
    tol = settings.tolerance(check)
    if n == 0:
        return CheckResult(check, n, mean, low, high, False, "no estimate: no replication has every measure of the "
                           "check defined (failed runs, or a measure undefined in every run)", tol)
    if check.expect == "level":
        passed = bool(abs(mean - check.target) <= tol)
        reason = (f"{mean:.3f} is {'within' if passed else 'outside'} {check.target:.3g} ± {tol:.3g}")
    else:
        passed = bool(high < 0) if check.expect == "-" else bool(low > 0)
        side = "below" if check.expect == "-" else "above"
        level = f"{settings.confidence:.0%} interval"
        if passed:
            reason = f"the whole {level} [{low:.3g}, {high:.3g}] lies {side} zero, as the pattern says"
        elif (mean < 0) == (check.expect == "-"):
            reason = f"right direction ({mean:.3g}) but the {level} [{low:.3g}, {high:.3g}] includes zero"
        else:
            reason = f"wrong direction: {mean:.3g}, {level} [{low:.3g}, {high:.3g}]"
    return CheckResult(check, n, mean, low, high, passed, reason, tol)


@dataclass
class Validation:
    """Everything the validation produced."""

    settings: Settings
    results: list[CheckResult]
    runs: pd.DataFrame
    replications: dict[str, int]

    @property
    def passed(self) -> bool:
        """Every check that could be measured passed (a check 'not measured' is reported, not counted)."""
        return all(r.passed for r in self.results if r.measured)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([r.row() for r in self.results])


def validate_patterns(out: Path, settings: Settings, workers: int | None = None,
                      checks: Sequence[Check] = CHECKS,
                      progress: Callable[[str], None] = lambda _: None, retry_failed: bool = False) -> Validation:
    """Pilot, choose replications by the rule, run the rest, and evaluate every check."""
    used = {a.condition for c in checks for a in c.arms}
    conditions = [c for c in CONDITIONS if c.key in used]
    pilot = {c.key: settings.pilot for c in conditions}
    progress(f"pilot: {settings.pilot} replications of {len(conditions)} conditions")
    table = measures_table(conditions, pilot, out, settings, workers, retry_failed)
    measured = [c for c in checks if all(a.measure in table.columns for a in c.arms)]
    needs = {c.key: needed_replications(c, contrasts(c, table), settings) if c in measured else settings.pilot
             for c in checks}
    replications = {k: max([needs[c.key] for c in checks if k in {a.condition for a in c.arms}]) for k in pilot}
    if any(replications[k] > pilot[k] for k in pilot):
        progress(f"main: {sum(replications.values())} runs in all (the power rule)")
        table = measures_table(conditions, replications, out, settings, workers, retry_failed)
    results = [evaluate(c, contrasts(c, table), settings) if c in measured else not_measured(c, table, settings)
               for c in checks]
    return Validation(settings, results, table, replications)


def not_measured(check: Check, table: pd.DataFrame, settings: Settings) -> CheckResult:
    """The result of a check whose measure the model does not output: no estimate, status 'not measured'."""
    missing = sorted({a.measure for a in check.arms if a.measure not in table.columns})
    return CheckResult(check, 0, math.nan, math.nan, math.nan, False,
                       f"not measured: the model has no output {', '.join(missing)}", settings.tolerance(check),
                       measured=False)


# --- one-factor-at-a-time response curves ------------------------------------------------------------
OFAT_OUTCOMES = ("working_well_share", "not_working_share", "delivered_share", "mean_trust")


def ofat_levels(name: str, count: int) -> list:
    """``count`` evenly spaced levels over a parameter's allowed range (both values for a switch)."""
    p = PARAMETERS[name]
    return Factor.of(name, p.low, p.high).grid(count)


def ofat(out: Path, settings: Settings, levels: int, replications: int, workers: int | None = None,
         retry_failed: bool = False) -> pd.DataFrame:
    """Every parameter swept alone over its range (others at their defaults): mean and 95% interval per level.

    Every level of replication r has the same seed (common random numbers), so the curves are smooth.
    """
    points = [(name, value) for name in PARAMETERS for value in ofat_levels(name, levels)]
    specs = settings.over_draws(build_specs([{name: value} for name, value in points], replications,
                                            base_seed=settings.base_seed, region=county_region(), weeks=settings.weeks,
                                            common_seeds=True))
    text = json.dumps({"ofat": [[n, v] for n, v in points], **settings.record(), "weeks": settings.weeks})
    runs = execute(specs, out / "ofat", workers=workers, resume=True, manifest={"kind": "validation-ofat", "text": text},
                   label="response curves", retry_failed=retry_failed)
    runs["parameter"] = [points[p][0] for p in runs["point"]]
    runs["value"] = [float(points[p][1]) for p in runs["point"]]
    rows = []
    for (name, value), group in runs.groupby(["parameter", "value"], sort=False):
        for outcome in OFAT_OUTCOMES:
            mean, low, high, n = mean_interval(group[outcome].to_numpy(dtype=float))
            rows.append({"parameter": name, "value": value, "default": float(PARAMETERS[name].default),
                         "outcome": outcome, "mean": mean, "ci_low": low, "ci_high": high, "replications": n})
    return pd.DataFrame(rows)


# --- the whole suite ---------------------------------------------------------------------------------
OFAT_FULL = (5, 16)  # levels per parameter, replications per level
OFAT_QUICK = (3, 3)


def runs_folder(out: Path, quick: bool, posterior_draws: int | None = None) -> Path:
    """Where a suite's runs are kept: ``out/runs/<quick|full>[-posterior<N>]-<model fingerprint, 12 hex digits>``."""
    over = f"-posterior{posterior_draws}" if posterior_draws else ""
    return Path(out) / "runs" / f"{'quick' if quick else 'full'}{over}-{model_fingerprint()[:12]}"


def run_suite(out: Path, quick: bool = False, workers: int | None = None, curves: bool = True,
              progress: Callable[[str], None] = lambda _: None, retry_failed: bool = False,
              posterior_draws: int | None = None) -> tuple[Validation, pd.DataFrame | None]:
    """Patterns, then response curves; runs are kept in :func:`runs_folder` (resumable; ``retry_failed`` runs
    again the stored runs that failed in the model; ``posterior_draws``: replication r of every condition runs
    at draw r % N of the project's calibrated posterior, so the contrasts carry parameter uncertainty)."""
    settings = Settings.for_mode(quick, posterior_draws=posterior_draws)
    runs = runs_folder(out, quick, posterior_draws)
    validation = validate_patterns(runs, settings, workers=workers, progress=progress, retry_failed=retry_failed)
    response = None
    if curves:
        levels, replications = OFAT_QUICK if quick else OFAT_FULL
        progress(f"response curves: {len(PARAMETERS)} parameters x {levels} levels x {replications} replications")
        response = ofat(runs, settings, levels, replications, workers=workers, retry_failed=retry_failed)
    return validation, response
