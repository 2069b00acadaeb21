"""Security spillover: militant stocks per country, radicalization in Russia, attack risk.

The article's argument closes here: the withdrawal's risks for Russia come back through
militants among refugees, trafficking networks and Islamic State, and through
radicalization at home that a crackdown on Russia's Muslims would feed. The phase acts
weekly, after the refugee and narcotics phases of the same day:

1. inflows to each country's militant stock (Central Asia and Russia):
   - militants among refugees who entered the country undetected this week (refugee phase);
     those whose group leaves again (onward to another country, or home) leave its stock
     with them, so a militant who crosses Tajikistan to Russia counts in Russia only;
   - recruits of trafficking networks: ``narco_link`` per tonne of opiates transiting it
     this week (narcotics phase);
   - Islamic State Khorasan's exports: its fighters (scaled by the Taliban agent's IS
     activity) x a rate x each country's share;
   - in Russia, home-grown recruits in proportion to the radicalization index;
2. outflows: attrition, and removal by security effort (Central Asian effort rises with
   Russian drills; Russian effort with the crackdown lever);
3. radicalization in Russia moves towards grievance (base + crackdown) scaled by the
   Muslim minority's size relative to 2021 (growing every year) and by IS's pull, and
   decays; a harsher crackdown never lowers it, all else equal;
4. attack hazard per country: the 2021 rate x (militants / 2021 militants) x (1 + weight x
   radicalization above 2021, Russia only) x exp(-protection x (effort - 1)); major attacks
   are drawn from it by inversion of one uniform per country and week, and the probability of at least one in Russia over the horizon is
   1 - exp(-cumulative hazard).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.calendar import DAYS_PER_WEEK as WEEK
from sim.calendar import next_multiple
from sim.countries import CENTRAL_ASIA
from sim.countries import SPILLOVER as COUNTRIES
from sim.draws import event_prob, poisson_inverse_each
from sim.security.outcomes import OUTCOMES  # noqa: F401 - the phase's outcomes

if TYPE_CHECKING:
    from sim.model import SpilloverModel

NAME = "security"
RUS = COUNTRIES.index("RUS")


class SecurityState:
    """Militant stocks, radicalization and hazards between weeks."""

    def __init__(self, model: "SpilloverModel") -> None:
        p = model.cfg.model.security
        self.rng = model.streams["security"]
        self.initial = np.array([getattr(p.initial, c.lower()) for c in COUNTRIES])
        self.militants = self.initial.copy()
        self.is_share = np.array([getattr(p.islamic_state, c.lower()) for c in COUNTRIES])
        self.radicalization = p.radicalization.index_2021
        self.muslim_share = p.radicalization.muslim_share_2021
        self.hazard = np.zeros(len(COUNTRIES))  # attacks per year
        self.cum_hazard_rus = 0.0
        self.attacks = np.zeros(len(COUNTRIES), dtype=np.int64)
        self.from_refugees = 0.0
        self.from_trafficking = 0.0
        self.from_islamic_state = 0.0
        self.home_grown = 0.0
        self.iskp = 0.0
        self.last_infiltrated = np.zeros(len(COUNTRIES))
        self.last_left = np.zeros(len(COUNTRIES))
        a = p.attacks
        self.base_hazard = np.full(len(COUNTRIES), a.major_attacks_per_year_ca_2021 / len(CENTRAL_ASIA))
        self.base_hazard[RUS] = a.major_attacks_per_year_rus_2021


def setup(model: "SpilloverModel") -> None:
    model.security = SecurityState(model) if model.cfg.model.security.active else None
    if model.security is not None:
        p = model.cfg.model.security
        _hazards(model.security, p, _effort(model, p, model.coupling.crackdown))
        _publish(model, model.security)


def _publish(model: "SpilloverModel", st: "SecurityState") -> None:
    """Write what the other phases read of security (sim.coupling)."""
    c = model.coupling
    c.attacks[:] = st.attacks
    c.militants[:] = st.militants


def _effort(model, p, crackdown: float) -> np.ndarray:
    e = p.effort
    # Drills relative to 2021, so that effort 1 is the 2021 level whatever the drills were then.
    drills_2021, drills = model.coupling.drills_2021, model.coupling.drills
    effort = np.full(len(COUNTRIES), e.effort_ca * (1.0 + e.drills_gain * drills) / (1.0 + e.drills_gain * drills_2021))
    effort[RUS] = e.effort_rus * (1.0 + e.crackdown_effort_gain * crackdown)
    return effort


def _hazards(st: SecurityState, p, effort: np.ndarray) -> None:
    a, e, r = p.attacks, p.effort, p.radicalization
    base = st.base_hazard
    scale = np.divide(st.militants, st.initial, out=np.zeros_like(st.militants), where=st.initial > 0)
    boost = np.ones(len(COUNTRIES))
    boost[RUS] = max(0.0, 1.0 + a.radicalization_weight * (st.radicalization - r.index_2021))
    st.hazard = base * scale * boost * np.exp(-e.protection * (effort - 1.0))


def next_busy_day(model: "SpilloverModel", day: int) -> int:
    """The first day from `day` on which :func:`step` acts: once a week (never, when inactive)."""
    return model.calendar.n_days + 1 if model.security is None else next_multiple(day, WEEK)


def step(model: "SpilloverModel") -> None:
    st: SecurityState | None = model.security
    if st is None or model.day % WEEK != 0:
        return
    p = model.cfg.model.security
    dt = WEEK / DAYS_PER_YEAR
    crackdown = model.coupling.crackdown
    # 1. inflows: refugee militants (refugee phase), opiates in transit (narcotics phase), ISKP
    c = model.coupling
    infiltrated = c.militants_entered.copy()
    from_refugees = infiltrated - st.last_infiltrated
    st.last_infiltrated = infiltrated
    left = c.militants_left.copy()
    moved_on = left - st.last_left
    st.last_left = left
    from_trafficking = p.narco_link * c.opiates_passing
    islamic_state = c.islamic_state
    st.iskp = p.islamic_state.iskp_fighters * islamic_state
    from_is = st.iskp * p.islamic_state.export_per_year * dt * st.is_share
    home = np.zeros(len(COUNTRIES))
    home[RUS] = p.radicalization.recruits_per_year * st.radicalization * dt
    # 2. outflows (exact decay over the week)
    effort = _effort(model, p, crackdown)
    out_rate = p.effort.attrition_per_year + p.effort.removal_per_year * effort
    kept = st.militants * np.exp(-out_rate * dt)
    moved_on = np.minimum(moved_on, kept + from_refugees)  # no more than the stock holds
    st.militants = kept + from_refugees - moved_on + from_trafficking + from_is + home
    st.from_refugees += from_refugees.sum() - moved_on.sum()
    st.from_trafficking += from_trafficking.sum()
    st.from_islamic_state += from_is.sum()
    st.home_grown += home[RUS]
    # 3. radicalization in Russia
    r = p.radicalization
    years = model.day / DAYS_PER_YEAR
    st.muslim_share = min(1.0, r.muslim_share_2021 + r.muslim_share_growth * years)
    grievance = min(1.0, r.grievance_base + r.crackdown_grievance * crackdown)
    push = r.rate_per_year * grievance * (st.muslim_share / r.muslim_share_2021) * \
        (1.0 + r.islamic_state_pull * islamic_state)
    # dR/dt = push (1 - R) - decay R, solved exactly over the week
    k = push + r.decay_per_year
    target = push / k if k > 0 else st.radicalization
    st.radicalization = target + (st.radicalization - target) * math.exp(-k * dt)
    # 4. attacks
    _hazards(st, p, effort)
    st.cum_hazard_rus += st.hazard[RUS] * dt
    st.attacks += poisson_inverse_each(st.rng.random(len(COUNTRIES)), st.hazard * dt)
    _publish(model, st)


def observe(model: "SpilloverModel") -> dict[str, float]:
    st: SecurityState | None = model.security
    if st is None:
        return {o.name: math.nan for o in OUTCOMES if o.series}
    ca = slice(0, len(CENTRAL_ASIA))
    return {
        "n_militants_afg": st.iskp,
        **{f"n_militants_{c.lower()}": float(st.militants[i]) for i, c in enumerate(COUNTRIES)},
        "n_militants_ca": float(st.militants[ca].sum()),
        "cum_militants_from_refugees": st.from_refugees,
        "cum_militants_from_trafficking": st.from_trafficking,
        "cum_militants_from_islamic_state": st.from_islamic_state,
        "cum_militants_home_grown_rus": st.home_grown,
        "muslim_share_rus": st.muslim_share,
        "radicalization_index_rus": st.radicalization,
        "attack_risk_rus": event_prob(st.hazard[RUS], 1.0),
        "attack_risk_ca": event_prob(st.hazard[ca].sum(), 1.0),
        "p_major_attack_rus": event_prob(st.cum_hazard_rus, 1.0),
        "cum_major_attacks_rus": float(st.attacks[RUS]),
        "cum_major_attacks_ca": float(st.attacks[ca].sum()),
    }


def final(model: "SpilloverModel") -> dict[str, float]:
    return {}
