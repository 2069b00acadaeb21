"""States submodel: one Mesa agent per state; policies reviewed every ``review_days``.

Entry points called by the model: :func:`setup`, :func:`step` (every day; acts on review
days), :func:`observe` (monthly outcome values) and :func:`final` (end-of-run scalars).

Order of rules within a review (each one line below):
1. the Taliban's Afghanistan: collapse (eased by released reserves and recognition) and conflict;
2. the West: a possible US return, then engagement and leverage (lost as recognition spreads), and
   its perceptions and (every ``choice.every_reviews`` reviews) its hosting funds and the reserves;
3-4. the deciding states perceive and, every ``choice.every_reviews`` reviews, choose (sim.states.choice;
   docs/ODD.md 7.1.10): Russia its crackdown, drills, pressure on Central Asian admissions, worker
   restriction, reserves campaign and engagement with the Taliban; the Taliban their opium ban and
   their effort against Islamic State; Pakistan and Iran their deportations; China its engagement;
   then Central Asian security fear (Afghan conflict at their border, Islamic State);
5. each Central Asian state: its posture towards exercises with the US (a choice against Moscow's
   pressure, every ``choice.every_reviews`` reviews) and the exercises it holds, alignment, admission;
6. recognition of the Taliban, decided simultaneously from the state at the start of this rule.

A lever set to force a decision (the levers of :data:`FORCIBLE`) sets it on its start date and
the agent no longer reviews it; before that date the agent decides. Without the withdrawal
(``scenario.withdrawal: false``) the Taliban do not govern: they decide nothing and no lever
forces their decisions; the reserves are released; Moscow neither engages them nor campaigns.

Each perception and each decision draws from a stream of its own, derived from the phase's by
name (sim.draws.named_stream), a fixed number of draws at every review: adding a decision leaves
the others' draws as they were, and every experiment draws the same numbers.
"""

from __future__ import annotations

import math
from random import Random
from typing import TYPE_CHECKING

from mesa.agent import AgentSet


from sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR, next_multiple
from sim.countries import CENTRAL_ASIA, DEPORTERS, NAMES
from sim.policy import USReturnMode
from sim.draws import event_prob, named_stream
from sim.states.agents import CentralAsianState, China, Host, State, West, share_recognising
from sim.states.taliban import Taliban
from sim.states.russia import NOT_WITHOUT_WITHDRAWAL, Russia
from sim.states.outcomes import OUTCOMES, RECOGNITION_TIMED  # noqa: F401 - the phase's outcomes
from sim.states.params import RECOGNISER_CODES

if TYPE_CHECKING:
    from sim.model import SpilloverModel

NAME = "states"
HOSTS = DEPORTERS  # neighbours that choose deportation campaigns
# Decisions a lever can force: (lever, its field, the deciding agent's code, the agent's attribute).
FORCIBLE = (
    *((name, "level", "RUS", attr) for name, (attr, _, _) in Russia.DECISIONS.items()),
    ("opium_ban", "compliance", "TAL", "opium_ban"),
    ("taliban_iskp_suppression", "level", "TAL", "iskp_suppression"),
    ("taliban_recognition_seeking", "level", "TAL", "recognition_seeking"),
    ("western_hosting", "usd_m_per_year", "USA", "hosting_funds"),
    ("reserves_release", "share", "USA", "reserves_release"),
    ("china_engagement", "level", "CHN", "engagement"),
    *((f"{c.lower()}_deportation", "level", c, "deportation") for c in HOSTS),
)
# Decisions that do not exist without the withdrawal (the Republic governs, the reserves are not
# frozen): neither chosen nor forced in that world.
NO_WITHDRAWAL_FIXED = ("opium_ban", "taliban_iskp_suppression", "taliban_recognition_seeking", "reserves_release",
                       *NOT_WITHOUT_WITHDRAWAL)
# Streams of the phase's perceptions and decisions, each derived from the phase's by name.
DRAWS = (*(f"perception:russia:{name}" for name in Russia.PERCEIVED), *(f"decision:{name}" for name in Russia.DECISIONS),
         "decision:taliban_opium_ban", *(f"perception:{c.lower()}:hosted" for c in HOSTS),
         *(f"decision:{c.lower()}_deportation" for c in HOSTS), "perception:west:refugees_ca",
         "decision:western_hosting", "decision:reserves_release", "decision:taliban_iskp_suppression",
         "decision:russia_recognition", "decision:china_engagement", "decision:china_recognition",
         *(f"decision:{c.lower()}_exercises" for c in CENTRAL_ASIA), "decision:taliban_recognition_seeking")
N_NORMALS = 2  # collapse, conflict
N_UNIFORMS = 1 + len(CENTRAL_ASIA) + len(RECOGNISER_CODES)  # US return, exercises, recognitions


def setup(model: "SpilloverModel") -> None:
    """Create the state agents and set each Central Asian state's initial admission policy."""
    p = model.cfg.model.states
    model.taliban = Taliban(model)
    model.russia = Russia(model, p.rus)
    model.west = West(model, p.usa)
    ca = [CentralAsianState(model, code, NAMES[code], getattr(p, code.lower())) for code in CENTRAL_ASIA]
    powers = [China(model, p.chn) if code == "CHN" else Host(model, code, getattr(p, code.lower()))
              for code in ("CHN", "IRN", "PAK")]
    model.central_asia = ca
    by_code = {s.code: s for s in (model.russia, model.west, *ca, *powers)}
    # Recognisers in a fixed order: the order of random draws never depends on the levers.
    model.recognisers = [by_code[code] for code in RECOGNISER_CODES]
    model.recognisers_but_west = [s for s in model.recognisers if s is not model.west]  # erode its leverage
    model.state_by_code = by_code
    model.coupling.drills_2021 = p.rus.drills_2021
    seeds = model.streams["states"].bit_generator.seed_seq
    # Each stream's draws for every review, drawn at once: a normal for a perception, a uniform
    # for a decision (the same numbers as drawing one per review, at a fraction of the cost).
    n = model.calendar.n_days // p.review_days + 1
    model.state_draws = {name: (named_stream(seeds, name).standard_normal(n) if name.startswith("perception:")
                                else named_stream(seeds, name).random(n)).tolist() for name in DRAWS}
    china = by_code["CHN"]
    # The AgentSet activates them in this fixed order and never shuffles; its generator (which
    # Mesa asks for) comes from a stream of its own, so it could not shift any other draw.
    model.deciders = AgentSet([model.west, model.russia, model.taliban, *(by_code[c] for c in HOSTS), china],
                              random=Random(int(named_stream(seeds, "deciders").integers(2**63))))
    # States whose recognition is their choice (rule 6), with a decision stream each.
    model.recognition_choosers = model.deciders.select(lambda a: hasattr(a, "RECOGNITION_STREAM"))
    model.forcing = _forcing(model)
    model.forcing_days = frozenset(start for *_, start in model.forcing)
    # Days besides the reviews on which the phase acts: forced decisions and dated events.
    model.states_event_days = sorted({d for d in model.forcing_days if d >= 1}
                                     | {max(1, model.lever_start_day(name)) for name in ("recognition", "us_return")})
    _forced_decisions(model)
    _update_ca(model, dt_months=None, dt_years=0.0, u=None)
    _publish(model)


def next_busy_day(model: "SpilloverModel", day: int) -> int:
    """The first day from `day` on which :func:`step` acts: a review, a forced decision or a dated event."""
    review = next_multiple(day, model.cfg.model.states.review_days)
    return min(review, next((d for d in model.states_event_days if d >= day), review))


def step(model: "SpilloverModel") -> None:
    """Review every state's policy on review days; nothing happens between reviews."""
    p = model.cfg.model.states
    _dated_events(model)
    if model.day in model.forcing_days:
        _forced_decisions(model)
    if model.day % p.review_days != 0:
        return
    dt_days = p.review_days
    dt_months, dt_years = dt_days / DAYS_PER_MONTH, dt_days / DAYS_PER_YEAR
    rng = model.streams["states"]
    # As Python floats: the rules below use them one by one, where numpy scalars are slow.
    z = rng.standard_normal(N_NORMALS).tolist()
    u = rng.random(N_UNIFORMS).tolist()
    model.review_number = model.day // p.review_days  # which of each stream's draws is this review's (Decider.draw)

    # No state recognises the Taliban between here and rule 6, which decides from this share.
    share_rec = _share_recognising(model)
    released = p.afghanistan.reserves_total_usd_bn * model.west.reserves_release
    # 1. Afghanistan
    china = model.state_by_code["CHN"]
    engagement = model.russia.engagement if model.cfg.scenario.withdrawal else 0.0  # no aid to an insurgency
    model.taliban.update(dt_months, released, share_rec, model.west.present, engagement, china.engagement,
                         z[0], z[1])
    # 2. The West
    if model.lever("us_return").mode is USReturnMode.conditional:
        model.west.consider_return(model.taliban.crisis, u[0], dt_years)
    model.west.update(_share_recognising_others(model))
    # 2-4. The deciders perceive and choose, in a fixed order (the West, Russia, the Taliban,
    # Pakistan, Iran, China); then Central Asia
    deciding = (model.day // p.review_days) % p.choice.every_reviews == 0
    model.deciders.do("review", dt_years, deciding)
    _update_ca(model, dt_months, dt_years, u[1:1 + len(CENTRAL_ASIA)])
    # 6. Recognition
    _recognition(model, u[1 + len(CENTRAL_ASIA):], dt_years, share_rec)
    _publish(model)


def _forcing(model: "SpilloverModel") -> list[tuple[object, str, float, int]]:
    """(agent, attribute, value, start day) of every decision this run's levers force."""
    out = []
    for lever, field, code, attr in FORCIBLE:
        if not model.cfg.scenario.withdrawal and lever in NO_WITHDRAWAL_FIXED:
            continue
        value = getattr(getattr(model.cfg.policy, lever), field)
        if value is not None:
            agent = model.taliban if code == "TAL" else model.state_by_code[code]
            out.append((agent, attr, value, model.lever_start_day(lever)))
    return out


def _forced_decisions(model: "SpilloverModel") -> None:
    """Decisions a lever forces take its value on its start day (at setup, for a lever that acts
    from the start); from then on the agent leaves them alone. Nothing else changes a
    decision between reviews, so the phase looks only on those days."""
    changed = False
    for agent, attr, value, start in model.forcing:
        if model.day == start or (model.day == 0 and start <= 0):
            setattr(agent, attr, value)
            changed = True
    if changed:
        _publish_decisions(model)


def _publish_decisions(model: "SpilloverModel") -> None:
    """Write the decisions other phases read (sim.coupling)."""
    c = model.coupling
    c.crackdown, c.drills = model.russia.crackdown, model.russia.drills
    c.opium_ban, c.worker_restriction = model.taliban.opium_ban, model.russia.worker_restriction
    for k, code in enumerate(HOSTS):
        c.deportation[k] = model.state_by_code[code].deportation


def _publish(model: "SpilloverModel") -> None:
    """Write what the other phases read of the states (sim.coupling)."""
    c = model.coupling
    t = model.taliban
    c.crisis, c.islamic_state, c.collapse = t.crisis, t.islamic_state, t.collapse
    _publish_decisions(model)
    ca = model.central_asia
    c.admit_share[:] = [s.admit_share for s in ca]  # one copy into the array rather than one per item
    c.screening[:] = [s.screening for s in ca]


def onward_belief(model: "SpilloverModel") -> float:
    """The share of Afghans admitted to Central Asia that its governments expect to move on to
    Russia: the prior ``onward_share``, weighted as ``onward_prior_people`` admitted, updated with
    the onward migration they have observed (a pseudo-count mean)."""
    a, c = model.cfg.model.states.admission, model.coupling
    return (a.onward_share * a.onward_prior_people + c.onward_to_rus) / (a.onward_prior_people + c.admitted_ca)


def _dated_events(model: "SpilloverModel") -> None:
    """Levers that are events (forced recognition, forced US return) act on their start date."""
    policy = model.cfg.policy
    if policy.recognition.early and model.lever_starts_today("recognition") and model.cfg.scenario.withdrawal:
        for code in policy.recognition.early:
            state = model.state_by_code[code]
            if not state.recognises:
                state.recognised_day = model.day
    if policy.us_return.mode is USReturnMode.forced and model.lever_starts_today("us_return"):
        model.west.return_now()
        model.west.update(_share_recognising_others(model))


def _share_recognising_others(model: "SpilloverModel") -> float:
    return share_recognising(model.recognisers_but_west)


def _update_ca(model: "SpilloverModel", dt_months: float | None, dt_years: float, u) -> None:
    t = model.taliban
    conflict, islamic_state = t.conflict, t.islamic_state
    for s in model.central_asia:
        s.update_fear(conflict, islamic_state)
    p = model.cfg.model.states
    refugee_pressure = model.russia.refugee_pressure
    west = model.west
    funds, us_engagement = west.hosting_funds, west.engagement
    humanitarian = west.leverage * t.crisis + p.admission.hosting_funds_effect * funds / 100.0
    years = model.day / DAYS_PER_YEAR
    onward = onward_belief(model)
    screening_funds = model.lever("western_screening").usd_m_per_year
    deciding = u is not None and (model.day // p.review_days) % p.choice.every_reviews == 0
    if deciding:  # the pressure against exercises with the US, as the lever stands today
        ex_pressure = min(1.0, model.lever("russia_exercise_pressure").level + p.exercises.china_iran_pressure)
    for i, s in enumerate(model.central_asia):
        if u is not None:
            if deciding:
                s.decide_posture(p.choice, ex_pressure, s.draw(s.posture_stream))
            s.hold_exercise(us_engagement, u[i], dt_years)
            s.update_alignment(years, us_engagement, dt_years, refugee_pressure, funds)
        s.update_admission(humanitarian, refugee_pressure, onward, dt_months, screening_funds)


def _mean(xs: list[float]) -> float:
    """Mean of a short list, summed left to right as numpy does for fewer than 8 values
    (np.mean's call overhead dominated the weekly review)."""
    return sum(xs) / len(xs)


def _share_recognising(model: "SpilloverModel") -> float:
    return share_recognising(model.recognisers)


def _recognition(model: "SpilloverModel", u, dt_years: float, share_rec: float) -> None:
    """Rule 6, from `share_rec`: the share of states that recognised the Taliban before it."""
    p = model.cfg.model.states
    if not model.cfg.scenario.withdrawal:  # no Taliban government to recognise
        return
    russia_in = model.russia.recognises
    seeking = model.taliban.recognition_seeking
    deciding: list[State] = []
    reviewing = (model.day // p.review_days) % p.choice.every_reviews == 0
    r = p.recognition
    # The factors every hazard is multiplied by, in this order (the same for every state)
    ban, seeks = 1.0 + r.ban_effect * model.taliban.opium_ban, 1.0 + r.seeking_effect * seeking
    for s, ui in zip(model.recognisers, u):
        if s.recognises:
            continue
        # Moscow's and Beijing's recognition is their choice, reviewed with their others: the
        # states model.recognition_choosers selects by their stream (looked up here directly, as
        # iterating the AgentSet's weak references cost more than the rest of the rule).
        stream = getattr(s, "RECOGNITION_STREAM", None)
        if stream is not None:
            if reviewing and s.decide_recognition(p.choice, model.west.leverage, s.draw(stream), seeking):
                deciding.append(s)
            continue
        hazard = s.recognition_hazard(share_rec, p) * ban * seeks
        if russia_in and isinstance(s, CentralAsianState):
            hazard *= 1.0 + r.russia_lead * s.alignment
        if ui < event_prob(hazard, dt_years):
            deciding.append(s)
    for s in deciding:
        s.recognised_day = model.day


def observe(model: "SpilloverModel") -> dict[str, float]:
    """Monthly values of the series outcomes."""
    ca = model.central_asia
    t = model.taliban
    out = {
        "russia_influence_ca": _mean([s.influence(model.russia.drills) for s in ca]),
        "n_states_recognizing_taliban": float(sum(s.recognises for s in model.recognisers)),
        "afghan_crisis_index": t.crisis,
        "afghan_collapse_index": t.collapse,
        "afghan_conflict_index": t.conflict,
        "islamic_state_index": t.islamic_state,
        "west_leverage": model.west.leverage,
        "alignment_ca": _mean([s.alignment for s in ca]),
        "decision_russia_drills": model.russia.drills,
        "decision_russia_crackdown": model.russia.crackdown,
        "decision_russia_refugee_pressure": model.russia.refugee_pressure,
        "decision_russia_worker_restriction": model.russia.worker_restriction,
        "decision_taliban_opium_ban": t.opium_ban,
        **{f"decision_{c.lower()}_deportation": model.state_by_code[c].deportation for c in HOSTS},
        "decision_russia_reserves_push": model.russia.reserves_push,
        "decision_us_hosting_funds": model.west.hosting_funds,
        "decision_us_reserves_release": model.west.reserves_release,
        "decision_us_return": float(model.west.returned),
        "decision_russia_engagement": model.russia.engagement,
        "decision_taliban_iskp_suppression": t.iskp_suppression,
        "decision_taliban_recognition_seeking": t.recognition_seeking,
        "decision_china_engagement": model.state_by_code["CHN"].engagement,
        "decision_ca_us_exercises": _mean([s.exercise_posture for s in ca]),
        "cum_us_exercises_ca": float(sum(s.exercises for s in ca)),
        "admit_share_ca": _mean([s.admit_share for s in ca]),
        "screening_share_ca": _mean([s.screening for s in ca]),
    }
    for s in ca:
        out[f"admit_share_{s.code.lower()}"] = s.admit_share
    return out


def final(model: "SpilloverModel") -> dict[str, float]:
    """End-of-run scalars: months to recognition and to a US return (NaN when it never happens)."""
    cal = model.calendar

    def month(day: int | None) -> float:
        return math.nan if day is None else cal.months_since_start(day)

    out = {f"month_{name}_recognizes": month(model.state_by_code[code].recognised_day)
           for code, name in RECOGNITION_TIMED.items()}
    days = [s.recognised_day for s in model.recognisers if s.recognised_day is not None]
    out["month_first_recognition"] = month(min(days) if days else None)
    out["month_us_returns"] = month(model.west.returned_day)
    return out
