"""Outcomes of the states submodel (registered by name, unit and label)."""

from __future__ import annotations

from sim.countries import CENTRAL_ASIA, NAMES
from sim.outcomes import Outcome

# States whose recognition month is an outcome (named as ready in the article).
RECOGNITION_TIMED = {"RUS": "russia", "CHN": "china", "UZB": "uzbekistan", "PAK": "pakistan"}

OUTCOMES = (
    Outcome("russia_influence_ca", "index 0-1", "Russian influence in Central Asia (end of horizon)"),
    Outcome("n_states_recognizing_taliban", "states", "States recognising the Taliban (end of horizon)"),
    Outcome("month_russia_recognizes", "months since start", "Month Russia recognises the Taliban (NaN: never)",
            series=False),
    Outcome("month_china_recognizes", "months since start", "Month China recognises the Taliban (NaN: never)",
            series=False),
    Outcome("month_uzbekistan_recognizes", "months since start",
            "Month Uzbekistan recognises the Taliban (NaN: never)", series=False),
    Outcome("month_pakistan_recognizes", "months since start",
            "Month Pakistan recognises the Taliban (NaN: never)", series=False),
    Outcome("month_first_recognition", "months since start", "Month of the first recognition (NaN: none)",
            series=False),
    Outcome("month_us_returns", "months since start", "Month the US returns (NaN: never)", series=False),
    Outcome("afghan_crisis_index", "index 0-1", "Afghan crisis index (mean over horizon)", reduce="mean"),
    Outcome("afghan_collapse_index", "index 0-1", "Afghan economic collapse (mean over horizon)", reduce="mean"),
    Outcome("afghan_conflict_index", "index 0-1", "Afghan conflict intensity (mean over horizon)", reduce="mean"),
    Outcome("islamic_state_index", "index 0-1", "Islamic State (ISKP) activity in Afghanistan (mean over horizon)",
            reduce="mean"),
    Outcome("west_leverage", "index 0-1", "Western leverage (end of horizon)"),
    Outcome("alignment_ca", "index 0-1", "Central Asian alignment with Moscow, mean of five (end of horizon)"),
    Outcome("decision_russia_drills", "index 0-1", "Russian-led drills in Central Asia, Moscow's choice (mean "
            "over horizon)", reduce="mean"),
    Outcome("decision_russia_crackdown", "index 0-1", "Russia's domestic crackdown on its Muslims, Moscow's choice "
            "(mean over horizon)", reduce="mean"),
    Outcome("decision_russia_refugee_pressure", "index 0-1", "Russia's pressure on Central Asia to limit Afghan "
            "admissions, Moscow's choice (mean over horizon)", reduce="mean"),
    Outcome("decision_russia_worker_restriction", "index 0-1", "Russia's restriction on Afghan migrant workers, "
            "Moscow's choice (mean over horizon)", reduce="mean"),
    Outcome("decision_taliban_opium_ban", "share", "Share of opium cultivation the Taliban ban and enforce, their "
            "choice (mean over horizon)", reduce="mean"),
    Outcome("decision_pak_deportation", "index 0-1", "Pakistan's campaign deporting Afghans, its choice (mean over "
            "horizon)", reduce="mean"),
    Outcome("decision_irn_deportation", "index 0-1", "Iran's campaign deporting Afghans, its choice (mean over "
            "horizon)", reduce="mean"),
    Outcome("decision_russia_reserves_push", "index 0-1", "Moscow's campaign for the reserves' release and for the "
            "West to carry the cost, its choice (mean over horizon)", reduce="mean"),
    Outcome("decision_us_hosting_funds", "USD m/year per state", "Western funds for hosting Afghans in each Central "
            "Asian state, the West's choice (mean over horizon)", reduce="mean"),
    Outcome("decision_us_reserves_release", "share", "Share of the frozen Afghan reserves released, the West's "
            "choice (mean over horizon)", reduce="mean"),
    Outcome("decision_us_return", "share of months", "Months with US forces back in the region after a return "
            "(share of the horizon)", reduce="mean"),
    Outcome("decision_russia_engagement", "index 0-1", "Moscow's engagement with the Taliban (aid, arms, diplomacy), "
            "its choice (mean over horizon)", reduce="mean"),
    Outcome("decision_taliban_iskp_suppression", "index 0-1", "The Taliban's effort against Islamic State, their "
            "choice (mean over horizon)", reduce="mean"),
    Outcome("decision_taliban_recognition_seeking", "index 0-1", "Concessions the Taliban make to seek "
            "recognition, their choice (mean over horizon)", reduce="mean"),
    Outcome("decision_china_engagement", "index 0-1", "China's economic engagement in Afghanistan, its choice "
            "(mean over horizon)", reduce="mean"),
    Outcome("decision_ca_us_exercises", "share of the 2021 rate", "Central Asian posture towards exercises with the "
            "US, mean of five, their choice (mean over horizon)", reduce="mean"),
    Outcome("cum_us_exercises_ca", "exercises", "Central Asian military exercises with the US (total)"),
    Outcome("admit_share_ca", "share", "Share of arriving Afghans admitted, mean of five CA states "
            "(mean over horizon)", reduce="mean"),
    *(Outcome(f"admit_share_{c.lower()}", "share",
              f"Share of arriving Afghans admitted by {NAMES[c]} (mean over horizon)", reduce="mean")
      for c in CENTRAL_ASIA),
    Outcome("screening_share_ca", "share", "Share of admitted Afghans screened, mean of five CA states "
            "(mean over horizon)", reduce="mean"),
)
