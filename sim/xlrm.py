"""The XLRM frame of robust decision making (Lempert, Popper & Bankes 2003), declared once.

- **X, uncertainties**: every model and scenario parameter with a declared range
  (:func:`sim.uncertainty.uncertain_parameters`), drawn by ``uncertainty=ranges``, or the
  calibrated posterior's parameters (``uncertainty=posterior``); and the scenario group.
- **L, levers**: the policy levers (:mod:`sim.policy`), each numeric setting with its unit and
  range; a lever left at None is decided by the state that holds it.
- **R, relationships**: the model (its phases, in order).
- **M, measures**: the outcomes a policy is judged on, each declaring for whom more of it is
  better (+1) or worse (-1): Moscow, Central Asia, Afghans, Europe. A stakeholder with no sign on
  a measure does not judge policies by it. Every sign is a reading of the source article (quoted)
  or an assumption, said as such.

``sim-explore --list`` prints the frame.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article

STAKEHOLDERS = ("Moscow", "Central Asia", "Afghans", "Europe")


@dataclass(frozen=True)
class Measure:
    """An outcome a policy is judged on: who prefers more of it (+1) or less (-1), and why."""

    outcome: str
    stakes: dict[str, int]
    why: str
    short: str = ""  # a label of a few words for figures

    def sense(self, stakeholder: str) -> int:
        """+1 (more is better), -1 (less is better) or 0 (not this stakeholder's measure)."""
        return self.stakes.get(stakeholder, 0)


MEASURES: tuple[Measure, ...] = (
    Measure("n_hosted_ca", {"Moscow": -1, "Central Asia": -1, "Afghans": +1, "Europe": +1}, article(
        "Putin has the means to pressure Central Asian countries to limit the number of refugees they receive"),
        short="hosted in CA"),
    Measure("cum_turned_back", {"Afghans": -1}, ASSUMPTION + ": a refusal at a border is a harm to the refused",
            short="turned back"),
    Measure("cum_irregular_ca", {"Moscow": -1, "Central Asia": -1},
            ASSUMPTION + ": crossings outside the posts escape screening", short="irregular into CA"),
    Measure("cum_onward_to_rus", {"Moscow": -1}, article(
        "If Central Asian countries accept many Afghan refugees, they may then find their way to Russia as "
        "migrant workers"), short="onward to Russia"),
    Measure("cum_militants_infiltrated", {"Moscow": -1, "Central Asia": -1, "Europe": -1}, article(
        "militants appearing [in Russia] again under the guise of refugees"), short="militants in"),
    Measure("p_major_attack_rus", {"Moscow": -1}, article(
        "more Russian citizens from establishing stronger ties with foreign terrorist groups"),
        short="attack in Russia"),
    Measure("attack_risk_ca", {"Central Asia": -1}, ASSUMPTION + ": governments prefer fewer attacks",
            short="attack risk CA"),
    Measure("ca_remittance_loss_usd", {"Central Asia": -1},
            ASSUMPTION + ": remittances from Russia are income to Central Asian households", short="remittances lost"),
    Measure("cum_supply_rus_tonnes", {"Moscow": -1}, article(
        "a major surge in drug trafficking as a result of the U.S. withdrawal from Afghanistan"),
        short="opiates to Russia"),
    Measure("cum_supply_eur_tonnes", {"Europe": -1}, ASSUMPTION + ": heroin reaching Europe is a harm there",
            short="opiates to Europe"),
    Measure("n_hosted_weu", {"Europe": -1},
            ASSUMPTION + ": European governments fund hosting in the region to keep arrivals down",
            short="hosted in W. Europe"),
    Measure("afghan_crisis_index", {"Afghans": -1}, ASSUMPTION + ": the humanitarian crisis harms Afghans",
            short="Afghan crisis"),
    Measure("russia_influence_ca", {"Moscow": +1}, article(
        "like Moscow would like to limit American influence in Central Asia"), short="Russia's influence"),
    Measure("moscow_net_payoff", {"Moscow": +1}, "Moscow's scorecard against a no-withdrawal world (sim.scorecard)",
            short="Moscow's payoff"),
)


def measures(names: list[str] | None = None) -> dict[str, Measure]:
    """The declared measures by outcome (those in `names` only, in that order, when given)."""
    table = {m.outcome: m for m in MEASURES}
    if names is None:
        return table
    return {n: table[n] for n in names if n in table}


def check_measures() -> None:
    """Every measure names a registered outcome and known stakeholders with signs +-1."""
    from sim.outcomes import registry

    known = registry()
    for m in MEASURES:
        if m.outcome not in known:
            raise ValueError(f"measure {m.outcome}: not a registered outcome")
        for who, sign in m.stakes.items():
            if who not in STAKEHOLDERS or sign not in (-1, 1):
                raise ValueError(f"measure {m.outcome}: stake {who}={sign} (stakeholders {STAKEHOLDERS}, signs +-1)")


@dataclass(frozen=True)
class LeverSetting:
    """One numeric setting of a lever: its dotted key, unit, range and whether None means 'decided'."""

    key: str
    unit: str
    range: tuple[float, float] | None
    default: float | None  # None: a decision lever the state decides unless it is set
    source: str
    doc: str

    @property
    def decided_when_none(self) -> bool:
        return self.default is None


def levers() -> list[LeverSetting]:
    """Every lever setting a policy can fix (``policy.<lever>.<field>``), in declaration order."""
    from sim.policy import STATUS_QUO, iter_levers

    out = []
    for name, lever in iter_levers(STATUS_QUO):
        for f in dataclasses.fields(lever):
            if f.name == "start" or "unit" not in f.metadata:
                continue
            m = f.metadata
            out.append(LeverSetting(f"policy.{name}.{f.name}", m["unit"], m["range"], getattr(lever, f.name),
                                    m["source"], m.get("doc", "")))
    return out


def lever_values(cfg) -> dict[str, float]:
    """The value of every lever setting in `cfg` (NaN where the state decides it), by key."""
    from sim.config import get_value

    out = {}
    for lv in levers():
        v = get_value(cfg, lv.key)
        out[lv.key] = math.nan if v is None else float(v)
    return out


def frame_text(uncertainty_source: str = "ranges") -> str:
    """The XLRM frame as plain text (``sim-explore --list``)."""
    from sim.phase import ORDER
    from sim.uncertainty import uncertain_parameters

    xs = uncertain_parameters()
    groups: dict[str, int] = {}
    for name in xs:
        g = ".".join(name.split(".")[:2])
        groups[g] = groups.get(g, 0) + 1
    lines = ["X  uncertainties (uncertainty=ranges draws each from its declared range; uncertainty=posterior "
             "draws the calibrated parameters):",
             f"   {len(xs)} parameters: " + ", ".join(f"{g} ({n})" for g, n in groups.items()),
             "   scenario group: baseline, deep_collapse, no_withdrawal (conf/scenario/)",
             "L  levers (a policy fixes some; None = the state decides):"]
    for lv in levers():
        rng = "" if lv.range is None else f" range {lv.range[0]:g}-{lv.range[1]:g}"
        lines.append(f"   {lv.key} [{lv.unit}]{rng}{' (decided unless set)' if lv.decided_when_none else ''}")
    lines += ["R  relationships: the model, phases " + " -> ".join(ORDER) + " (docs/ODD.md)",
              "M  measures (+ more is better, - less is better, for each stakeholder):"]
    for m in MEASURES:
        stakes = ", ".join(f"{who} {'+' if s > 0 else '-'}" for who, s in m.stakes.items())
        lines.append(f"   {m.outcome}: {stakes}")
    return "\n".join(lines)
