"""Scenario: the uncertainties nobody in the model controls (EMA Workbench's vocabulary)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article, external, param, share


@dataclass
class ScenarioConfig:
    """Exogenous conditions in Afghanistan: whether the US withdrew, and indexes in [0, 1]."""

    withdrawal: bool = param(True, unit="yes/no", source=article(
        "the U.S. withdrawal from Afghanistan"),
        doc="false: the counterfactual without it (experiment no_withdrawal): US and NATO forces stay, the "
            "Republic's government holds (no Taliban government to recognise, no Taliban ban), the reserves are "
            "not frozen")

    collapse_initial: float = share(0.3, unit="index 0-1", source=ASSUMPTION, range=(0.2, 0.4),
                                    doc="economic collapse index at the fall of Kabul")
    collapse_depth: float = share(0.75, unit="index 0-1", source=article(
        "the humanitarian catastrophe that will soon unfold in Afghanistan"), range=(0.5, 0.95),
        doc="level the collapse index moves to with reserves frozen and no recognition")
    conflict_intensity: float = share(0.35, unit="index 0-1", source=article(
        "The coming violence could spill over into Russia"), range=(0.15, 0.7),
        doc="conflict level the Afghan conflict index moves to, before Islamic State activity")
    islamic_state_activity: float = share(0.3, unit="index 0-1", source=external(
        "ISKP attack at Kabul airport, 26 August 2021", 2021), range=(0.1, 0.6),
        doc="Islamic State (ISKP) activity in Afghanistan at the fall of Kabul, before it grows with the collapse")
    drought_severity: float = share(0.5, unit="index 0-1", source=external(
        "FAO/WFP hunger hotspots: severe drought in Afghanistan", 2021), range=(0.2, 0.9),
        doc="drought, one of the three parts of the Afghan crisis index")
