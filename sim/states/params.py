"""Parameters of the states submodel, each with unit, source and range.

Per-state attributes are one dataclass per state, so that each value sits on one line
with its own source; behavioural coefficients are grouped by rule.  Config keys use
lower-case ISO3 codes: ``model.states.tjk.dependence``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article, external, nonneg, param, share, sub
from sim.states.goals import ChoiceParams, PerceptionParams, RussiaParams, TalibanParams

# States that may recognise the Taliban government, in the fixed order of their random draws.
RECOGNISER_CODES = ("RUS", "CHN", "UZB", "PAK", "TJK", "TKM", "KGZ", "KAZ", "IRN", "USA")

# --------------------------------------------------------------------------- sources
_GUARANTOR = article("Russia remains the key guarantor of security in Central Asia")
_BASE_201 = article(
    "The 201st Military Base in Tajikistan, where Moscow retains approximately 7,000 troops"
)
_UZ_TM_HISTORY = article(
    "relations with Uzbekistan and Turkmenistan will remain more complicated than with the "
    "other three Central Asian governments, but less so than before 2016"
)
_CSTO = external("CSTO member states: Russia, Armenia, Belarus, Kazakhstan, Kyrgyzstan, Tajikistan", 2021)
_BORDERS = external("Afghanistan borders Tajikistan, Uzbekistan and Turkmenistan; CIA World Factbook", 2021)
_REMIT = "World Bank WDI, personal remittances received (% of GDP)"
_READY = article("recognition of the Taliban may be forthcoming in the near future, and not only from Moscow")


# --------------------------------------------------------------------------- states
@dataclass
class CentralAsianStateParams:
    """Attributes of a Central Asian state (defaults overridden per state below)."""

    csto_member: bool = param(False, unit="yes/no", source=_CSTO)
    borders_afghanistan: bool = param(False, unit="yes/no", source=_BORDERS)
    russian_troops: int = nonneg(0, unit="troops", source=ASSUMPTION)
    dependence: float = share(0.5, unit="index 0-1", source=ASSUMPTION, range=(0.3, 0.7),
                              doc="dependence on Russia (security, arms, remittances, trade)")
    alignment_2015: float = share(0.5, unit="index 0-1", source=ASSUMPTION, range=(0.3, 0.7),
                                  doc="alignment with Moscow before 2016")
    alignment_2021: float = share(0.5, unit="index 0-1", source=ASSUMPTION, range=(0.3, 0.7),
                                  doc="alignment with Moscow in August 2021")
    remittances_gdp: float = share(0.0, source=external(_REMIT, 2020), range=(0.0, 0.05),
                                   doc="remittances received / GDP, mostly from Russia")
    us_exercise_rate: float = nonneg(0.3, unit="exercises/year", source=ASSUMPTION, range=(0.0, 1.0),
                                     doc="rate of military exercises with the US at 2021 engagement and no pressure")
    recognition_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.01, 0.1),
                                     doc="base hazard of recognising the Taliban government")


@dataclass
class TajikistanParams(CentralAsianStateParams):
    csto_member: bool = param(True, unit="yes/no", source=_CSTO)
    borders_afghanistan: bool = param(True, unit="yes/no", source=_BORDERS)
    russian_troops: int = nonneg(7000, unit="troops", source=_BASE_201, range=(6000, 7500))
    dependence: float = share(0.85, unit="index 0-1", source=_GUARANTOR, range=(0.7, 0.95))
    alignment_2015: float = share(0.8, unit="index 0-1", source=_CSTO, range=(0.65, 0.9))
    alignment_2021: float = share(0.85, unit="index 0-1", source=_GUARANTOR, range=(0.7, 0.95))
    remittances_gdp: float = share(0.27, source=external(_REMIT + ", Tajikistan", 2020), range=(0.26, 0.34))
    us_exercise_rate: float = nonneg(0.2, unit="exercises/year", source=ASSUMPTION, range=(0.0, 0.5))
    recognition_rate: float = nonneg(0.005, unit="1/year", source=external(
        "Tajikistan's President Rahmon refused to recognise a Taliban government that excludes Tajiks", 2021),
        range=(0.0, 0.03))


@dataclass
class UzbekistanParams(CentralAsianStateParams):
    borders_afghanistan: bool = param(True, unit="yes/no", source=_BORDERS)
    dependence: float = share(0.45, unit="index 0-1", source=article(
        "In March 2016, Moscow pardoned 95 percent of Uzbekistan's debt to Russia"), range=(0.3, 0.6))
    alignment_2015: float = share(0.3, unit="index 0-1", source=_UZ_TM_HISTORY, range=(0.15, 0.45))
    alignment_2021: float = share(0.5, unit="index 0-1", source=_UZ_TM_HISTORY, range=(0.35, 0.65))
    remittances_gdp: float = share(0.12, source=external(_REMIT + ", Uzbekistan", 2020), range=(0.1, 0.17))
    us_exercise_rate: float = nonneg(0.4, unit="exercises/year", source=ASSUMPTION, range=(0.1, 1.0))
    recognition_rate: float = nonneg(0.05, unit="1/year", source=article(
        "The Uzbek government expressed readiness to"), range=(0.02, 0.2))


@dataclass
class TurkmenistanParams(CentralAsianStateParams):
    borders_afghanistan: bool = param(True, unit="yes/no", source=_BORDERS)
    dependence: float = share(0.3, unit="index 0-1", source=article(
        "And in November 2017, Russia and Turkmenistan signed an agreement on strategic partnership"),
        range=(0.15, 0.45))
    alignment_2015: float = share(0.25, unit="index 0-1", source=_UZ_TM_HISTORY, range=(0.1, 0.4))
    alignment_2021: float = share(0.4, unit="index 0-1", source=_UZ_TM_HISTORY, range=(0.25, 0.55))
    remittances_gdp: float = share(0.0, source=external(_REMIT + ", Turkmenistan: no data reported; assumed ~0", 2020),
                                   range=(0.0, 0.02))
    us_exercise_rate: float = nonneg(0.0, unit="exercises/year", source=external(
        "Turkmenistan's permanent neutrality, recognised by UN General Assembly resolution 50/80", 1995),
        range=(0.0, 0.1))
    recognition_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.005, 0.08))


@dataclass
class KyrgyzstanParams(CentralAsianStateParams):
    csto_member: bool = param(True, unit="yes/no", source=_CSTO)
    russian_troops: int = nonneg(500, unit="troops", source=external(
        "Kant air base, Kyrgyzstan: roughly 500 Russian personnel; approximate, press reports", 2019),
        range=(300, 1000))
    dependence: float = share(0.8, unit="index 0-1", source=article(
        "Russia’s airbase in Kant, Kyrgyzstan"), range=(0.65, 0.9))
    alignment_2015: float = share(0.75, unit="index 0-1", source=_CSTO, range=(0.6, 0.9))
    alignment_2021: float = share(0.8, unit="index 0-1", source=_CSTO, range=(0.65, 0.9))
    remittances_gdp: float = share(0.31, source=external(_REMIT + ", Kyrgyz Republic", 2020), range=(0.28, 0.33))
    us_exercise_rate: float = nonneg(0.2, unit="exercises/year", source=ASSUMPTION, range=(0.0, 0.5))
    recognition_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.005, 0.08))


@dataclass
class KazakhstanParams(CentralAsianStateParams):
    csto_member: bool = param(True, unit="yes/no", source=_CSTO)
    dependence: float = share(0.6, unit="index 0-1", source=article(
        "Kazakhstan, home to the largest ethnic Russian minority in the region, remains the largest "
        "buyer of Russian arms"), range=(0.45, 0.75))
    alignment_2015: float = share(0.7, unit="index 0-1", source=_CSTO, range=(0.55, 0.85))
    alignment_2021: float = share(0.7, unit="index 0-1", source=_CSTO, range=(0.55, 0.85))
    remittances_gdp: float = share(0.002, source=external(_REMIT + ", Kazakhstan", 2020), range=(0.0, 0.01))
    us_exercise_rate: float = nonneg(0.6, unit="exercises/year", source=external(
        "Steppe Eagle, a recurring Kazakhstan-US/NATO peacekeeping exercise", 2019), range=(0.2, 1.0))
    recognition_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.005, 0.08))


@dataclass
class RegionalPowerParams:
    recognition_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.005, 0.08))


@dataclass
class ChinaParams:
    """China chooses its economic engagement in Afghanistan and whether to recognise the Taliban
    (sim.states.choice), weighing the economy (trade, mining) against Islamic State and its
    standing; weights are in objective units of its own."""

    engagement_2021: float = share(0.2, unit="index 0-1", source=article(
        "China has increased its economic footprint and boosted arms sales in Central Asia"), range=(0.1, 0.4),
        doc="China's economic engagement in Afghanistan before its first review of it")
    economic_value: float = nonneg(1.0, unit="economy units at full engagement in peace", source=ASSUMPTION,
                                   range=(0.3, 2.0), doc="trade and mining (Mes Aynak copper, Amu Darya oil), scaled "
                                                         "by 1 - conflict")
    islamic_state_risk: float = nonneg(0.5, unit="security units per unit engagement per unit IS activity",
                                       source=ASSUMPTION, range=(0.1, 1.0),
                                       doc="the exposure of Chinese projects and of Xinjiang to Islamic State")
    engagement_cost: float = nonneg(0.5, unit="economy units at full engagement (rises as engagement squared)",
                                    source=ASSUMPTION, range=(0.2, 1.0))
    aid_relief: float = share(0.05, unit="collapse index at full Chinese engagement", source=ASSUMPTION,
                              range=(0.0, 0.1), doc="fall of the Afghan collapse target that Chinese trade buys")
    recognition_standing: float = nonneg(0.3, unit="standing units", source=article(
        "Beijing similarly said the establishment of the new Taliban government is a"), range=(0.1, 0.6),
        doc="what recognising the Taliban does for Beijing, before the West's reaction")
    recognition_economy: float = nonneg(0.3, unit="economy units per unit engagement", source=ASSUMPTION,
                                        range=(0.0, 0.6), doc="recognition secures the projects engagement builds")
    recognition_west_cost: float = nonneg(0.5, unit="standing units per unit Western leverage", source=ASSUMPTION,
                                          range=(0.2, 1.0))
    recognition_barrier: float = nonneg(0.2, unit="objective units", source=ASSUMPTION, range=(0.05, 0.5),
                                        doc="what breaking ranks with the UN's non-recognition costs Beijing")


@dataclass
class HostParams(RegionalPowerParams):
    """A neighbour hosting millions of Afghans (Iran, Pakistan): it chooses a deportation
    campaign (0-1) against the strain of hosting, by the logit choice with inertia."""

    afghans_2021: float = param(3.0e6, unit="people", source=ASSUMPTION, bounds=(1.0, math.inf),
                                range=(1.0e6, 5.0e6), doc="Afghans the country hosted before August 2021")
    strain: float = nonneg(1.0, unit="burden units at the 2021 stock", source=ASSUMPTION, range=(0.5, 2.0),
                           doc="the economic and social strain of hosting, at the 2021 stock")
    security_strain: float = nonneg(0.5, unit="burden units per unit Islamic State activity", source=ASSUMPTION,
                                    range=(0.0, 1.5), doc="the security strain that militancy in Afghanistan adds")
    deportation_belief: float = nonneg(1.0, unit="log cut of the burden at a full campaign", source=ASSUMPTION,
                                       range=(0.3, 2.0))
    deportation_cost: float = nonneg(0.8, unit="burden units per unit campaign", source=ASSUMPTION, range=(0.3, 2.0),
                                     doc="what a campaign costs in standing, relations with Kabul and policing; at "
                                         "the defaults the campaign chosen at the 2021 strain is about 0.25-0.5")


@dataclass
class IranParams(HostParams):
    recognition_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.005, 0.08))
    afghans_2021: float = param(3.4e6, unit="people", source=external(
        "UNHCR: Iran hosts about 780,000 registered Afghan refugees, 2.1 million undocumented Afghans and 586,000 "
        "passport holders", 2021), bounds=(1.0, math.inf), range=(3.0e6, 4.5e6))


@dataclass
class PakistanParams(HostParams):
    recognition_rate: float = nonneg(0.03, unit="1/year", source=article(
        "The Pakistan government meanwhile suggested the Taliban-run Afghan government should attend a "
        "regional forum"), range=(0.01, 0.15))
    afghans_2021: float = param(3.0e6, unit="people", source=external(
        "UNHCR/Government of Pakistan: about 1.4 million registered Afghan refugees, 840,000 Afghan Citizen Card "
        "holders and an estimated 0.7-1 million undocumented Afghans", 2021), bounds=(1.0, math.inf),
        range=(2.5e6, 4.0e6))
    security_strain: float = nonneg(1.0, unit="burden units per unit Islamic State activity", source=ASSUMPTION,
                                    range=(0.0, 2.0), doc="the security strain that militancy in Afghanistan adds "
                                                          "(Pakistan's own insurgency shelters there)")


@dataclass
class WestGoals:
    """Weights of the West's objective in deciding hosting funds and the reserves."""

    allies: float = nonneg(1.0, unit="weight", source=article(
        "Western states as taking a “humiliating approach” to temporarily hosting Afghan refugees in Central Asia"),
        range=(0.5, 2.0), doc="the humanitarian crisis and the Central Asian partners who carry it")
    cost: float = nonneg(1.0, unit="weight", source=ASSUMPTION, range=(0.5, 2.0),
                         doc="money spent, and money that reaches the Taliban")


@dataclass
class WestParams:
    goals: WestGoals = sub(WestGoals)
    refugees_expected_per_year: float = param(50000.0, unit="Afghans entering Central Asia per year",
                                              source=ASSUMPTION, bounds=(1.0, math.inf), range=(20000.0, 150000.0),
                                              doc="the flow the West takes as normal before it has seen any")
    hosting_value: float = nonneg(1.0, unit="allies units per log(1 + funds / USD 100m)", source=ASSUMPTION,
                                  range=(0.3, 2.0), doc="what hosting funds do for the crisis and the partners, "
                                                        "with diminishing returns")
    hosting_cost: float = nonneg(1.0, unit="cost units per USD 100m a year per state", source=ASSUMPTION,
                                 range=(0.5, 2.0), doc="at the defaults the West pays once the crisis times the "
                                                       "perceived flow (1 = normal) passes 1")
    reserves_value: float = nonneg(0.5, unit="allies units per unit collapse at full release", source=article(
        "the humanitarian catastrophe that will soon unfold in Afghanistan"), range=(0.2, 1.0))
    reserves_cost: float = nonneg(0.5, unit="cost units at full release", source=ASSUMPTION, range=(0.2, 1.0),
                                  doc="money that reaches an unrecognised Taliban government")
    reserves_push_effect: float = nonneg(0.3, unit="allies units at full release per unit of Moscow's push",
                                         source=article("in former Afghan government reserves and for them to go "
                                                        "to the Taliban"), range=(0.0, 0.6),
                                         doc="the pressure Moscow's campaign puts on the West to release and carry "
                                             "the cost")
    recognition_rate: float = nonneg(0.002, unit="1/year", source=ASSUMPTION, range=(0.0, 0.02))
    leverage_2021: float = share(0.6, unit="index 0-1", source=ASSUMPTION, range=(0.4, 0.8),
                                 doc="Western leverage over the Taliban and the region in August 2021")
    leverage_loss: float = share(0.5, unit="share lost when all other states recognise", source=article(
        "both points to loss of leverage"), range=(0.2, 0.8))
    us_engagement_2021: float = share(0.3, unit="index 0-1", source=article(
        "U.S. military and political engagement in the region has decreased"), range=(0.15, 0.45))
    us_engagement_return: float = share(0.7, unit="index 0-1", source=ASSUMPTION, range=(0.5, 0.9),
                                        doc="US engagement in the region after a return")
    leverage_return_gain: float = share(0.2, unit="index 0-1", source=ASSUMPTION, range=(0.0, 0.4),
                                        doc="Western leverage regained by a US return")


# --------------------------------------------------------------------------- rules
@dataclass
class AfghanistanParams:
    """Dynamics of the Afghan crisis held by the Taliban agent."""

    collapse_adjust_months: float = nonneg(6.0, unit="months", source=ASSUMPTION, range=(2.0, 12.0),
                                           doc="time constant of the economy moving to its collapse target")
    conflict_adjust_months: float = nonneg(3.0, unit="months", source=ASSUMPTION, range=(1.0, 6.0))
    islamic_state_conflict: float = share(0.5, unit="conflict per unit IS activity", source=ASSUMPTION,
                                          range=(0.2, 0.8), doc="conflict added by Islamic State activity")
    islamic_state_collapse_gain: float = nonneg(
        1.0, unit="relative rise of IS activity per unit of collapse above its initial level", source=ASSUMPTION,
        range=(0.0, 2.0), doc="Islamic State grows as the state fails, as the article's 2014 precedent has "
        "it: \"ISIS rose across Syria and Iraq following an earlier U.S. withdrawal\"; 0 keeps IS "
        "activity at the scenario's level")
    suppression_effect: float = share(0.6, unit="share of IS activity's target per unit Taliban effort",
                                      source=ASSUMPTION, range=(0.2, 1.0),
                                      doc="what the Taliban's effort against Islamic State does to it, against their "
                                          "2021 effort")
    engagement_aid: float = share(0.05, unit="collapse index at full Russian engagement", source=article(
        "Moscow acted simultaneously as a peacemaker, military partner, and supporter of terrorism"),
        range=(0.0, 0.1), doc="fall of the collapse target that Moscow's aid and trade buy")
    islamic_state_adjust_months: float = nonneg(6.0, unit="months", source=ASSUMPTION, range=(3.0, 12.0),
                                                doc="time constant of IS activity moving to its target")
    noise_sd: float = nonneg(0.05, unit="index/sqrt(month)", source=ASSUMPTION, range=(0.0, 0.1),
                             doc="random shocks to collapse and conflict")
    reserves_total_usd_bn: float = nonneg(9.5, unit="USD bn", source=article(
        "9.5 billion in former Afghan government reserves"))
    reserves_relief_per_bn: float = nonneg(0.03, unit="collapse index per USD bn", source=ASSUMPTION,
                                           range=(0.01, 0.05),
                                           doc="fall of the collapse target per USD bn of reserves released")
    recognition_relief: float = nonneg(0.1, unit="collapse index", source=ASSUMPTION, range=(0.0, 0.2),
                                       doc="fall of the collapse target when every state recognises")
    weight_collapse: float = share(0.5, unit="weight", source=ASSUMPTION, range=(0.3, 0.7))
    weight_conflict: float = share(0.3, unit="weight", source=ASSUMPTION, range=(0.1, 0.5))
    weight_drought: float = share(0.2, unit="weight", source=ASSUMPTION, range=(0.0, 0.3))


@dataclass
class AdmissionParams:
    """Logistic admission rule of a Central Asian state: share of arriving Afghans admitted."""

    intercept: float = param(-2.0, unit="log-odds", source=external(
        "The Diplomat: Central Asian states 'remain closed to refugees and asylum seekers from Afghanistan'; "
        "set so that Central Asia admits a few per cent of arrivals", 2022), range=(-3.0, -1.0))
    humanitarian: float = nonneg(2.0, unit="log-odds per unit pressure", source=article(
        "taking a “humiliating approach” to temporarily hosting Afghan refugees in Central Asia"),
        range=(0.5, 4.0))
    russian_pressure: float = nonneg(2.0, unit="log-odds per unit pressure x dependence", source=article(
        "Putin has the means to pressure Central Asian countries to limit the number of refugees they receive"),
        range=(0.5, 4.0))
    security_fear: float = nonneg(1.5, unit="log-odds per unit fear", source=article(
        "militants appearing [in Russia] again under the guise of refugees"), range=(0.5, 3.0))
    economic_cost: float = nonneg(5.0, unit="log-odds per unit remittance exposure", source=article(
        "if Afghans compete with Central Asians for jobs in Russia, it could add economic pressure for the "
        "Central Asian states"), range=(0.0, 10.0))
    onward_share: float = share(0.2, source=article(
        "If Central Asian countries accept many Afghan refugees, they may then find their way to Russia as "
        "migrant workers"), range=(0.05, 0.5),
        doc="share of admitted Afghans expected to move on to Russia before any is observed (a prior, updated with the onward migration the refugee submodel reports)")
    onward_prior_people: float = param(10000.0, unit="people", source=ASSUMPTION, bounds=(1.0, math.inf),
                                       range=(1000.0, 50000.0),
                                       doc="weight of the prior onward share against the onward migration the "
                                           "Central Asian governments observe (pseudo-count of admitted Afghans)")
    hosting_funds_effect: float = nonneg(0.5, unit="pressure per USD 100m/year per state", source=ASSUMPTION,
                                         range=(0.1, 1.0))
    adjust_months: float = nonneg(2.0, unit="months", source=ASSUMPTION, range=(0.5, 6.0),
                                  doc="time for a state's admission policy to reach its target")
    screening_base: float = share(0.3, source=ASSUMPTION, range=(0.1, 0.5),
                                  doc="share of admitted Afghans screened at zero fear and pressure")
    screening_fear: float = share(0.4, source=ASSUMPTION, range=(0.1, 0.6))
    screening_pressure: float = share(0.3, source=ASSUMPTION, range=(0.0, 0.5))
    screening_funds_effect: float = nonneg(0.2, unit="share screened per USD 100m/year per state", source=ASSUMPTION,
                                           range=(0.05, 0.4),
                                           doc="added share of admitted Afghans screened per USD 100m a year of "
                                               "Western screening funds (policy.western_screening)")


@dataclass
class SecurityFearParams:
    base: float = share(0.2, unit="index 0-1", source=ASSUMPTION, range=(0.1, 0.3))
    border_conflict: float = share(0.5, unit="fear per unit conflict", source=_GUARANTOR, range=(0.2, 0.8),
                                   doc="extra fear from Afghan conflict for states bordering Afghanistan")
    islamic_state: float = share(0.3, unit="fear per unit IS activity", source=article(
        "Russian officials also have subsequently justified engagement with the Taliban by pointing to ISIS"),
        range=(0.1, 0.5))


@dataclass
class AlignmentParams:
    adjust_years: float = nonneg(2.0, unit="years", source=ASSUMPTION, range=(1.0, 5.0))
    history_carryover: float = share(0.5, unit="share of 2015-2021 trend carried forward", source=_UZ_TM_HISTORY,
                                     range=(0.0, 1.0))
    security_gain: float = share(0.2, unit="alignment per unit fear x guarantee", source=_GUARANTOR,
                                 range=(0.05, 0.4))
    china_drag_per_year: float = share(0.01, unit="alignment/year", source=article(
        "China has increased its economic footprint and boosted arms sales in Central Asia in recent "
        "years—an engagement that is only likely to grow"), range=(0.0, 0.03))
    us_engagement_drag: float = share(0.3, unit="alignment per unit US engagement above 2021", source=ASSUMPTION,
                                      range=(0.1, 0.5))
    pressure_pull: float = share(0.1, unit="alignment per unit Russian pressure x dependence", source=article(
        "At least in the short term, it seems Moscow will be able to"), range=(0.0, 0.2),
        doc="Moscow's pressure on admissions, obeyed, binds the dependent states closer")
    aid_pull: float = share(0.05, unit="alignment per USD 100m/year of Western hosting funds", source=ASSUMPTION,
                            range=(0.0, 0.15), doc="Western money for hosting pulls the states towards the West")
    exercise_loss: float = share(0.03, unit="alignment per exercise", source=ASSUMPTION, range=(0.0, 0.08))
    guarantee_arms: float = share(0.2, unit="guarantee index", source=article(
        "Moscow remains the largest supplier of weaponry to the region"), range=(0.1, 0.3))
    guarantee_csto: float = share(0.4, unit="guarantee index", source=_CSTO, range=(0.2, 0.5))
    guarantee_troops: float = share(0.4, unit="guarantee index at troops_full_guarantee troops", source=_BASE_201,
                                    range=(0.2, 0.5))
    troops_full_guarantee: float = param(7000.0, unit="troops", source=_BASE_201, bounds=(1.0, math.inf),
                                         range=(5000.0, 10000.0),
                                         doc="Russian troops at which the troop part of the guarantee is full (the "
                                             "201st base, the largest Russian garrison in the region)")


@dataclass
class ExerciseParams:
    """Each Central Asian state chooses its posture towards exercises with the US (the share of
    its 2021 exercise rate it will hold) by the logit choice with inertia, against its goals:
    security, sovereignty, and what Moscow's pressure puts at risk (jobs and remittances)."""

    security_value: float = nonneg(1.0, unit="security units per unit posture per unit fear", source=article(
        "if Central Asian countries decide to hold exercises with the U.S."), range=(0.3, 2.0))
    sovereignty_value: float = nonneg(0.5, unit="sovereignty units per unit posture per unit independence "
                                      "(1 - dependence)", source=ASSUMPTION, range=(0.1, 1.0),
                                      doc="hedging against Moscow, as far as the state can afford it")
    pressure_cost: float = nonneg(1.5, unit="remittance units per unit posture per unit pressure x dependence",
                                  source=article("if Central Asian countries decide to hold exercises with the "
                                                 "U.S., Moscow (not to mention Beijing and Tehran) will pressure "
                                                 "them against it"), range=(0.5, 3.0),
                                  doc="what defying the pressure puts at risk, as far as the state depends on Russia")
    china_iran_pressure: float = share(0.2, unit="pressure index added by Beijing and Tehran", source=article(
        "Moscow (not to mention Beijing and Tehran) will pressure them against it"), range=(0.0, 0.4))


@dataclass
class RecognitionParams:
    ban_effect: float = nonneg(1.0, unit="hazard multiplier per unit opium ban", source=ASSUMPTION, range=(0.0, 2.0),
                               doc="a Taliban opium ban raises every state's hazard of recognising them by "
                                   "1 + this x ban")
    seeking_effect: float = nonneg(1.0, unit="hazard multiplier per unit Taliban concessions", source=ASSUMPTION,
                                   range=(0.0, 2.0), doc="the Taliban seeking recognition raise every other state's "
                                                         "hazard of recognising them by 1 + this x concessions")
    seeking_barrier_cut: float = share(0.5, unit="share of the barrier removed at full concessions",
                                       source=ASSUMPTION, range=(0.0, 0.8),
                                       doc="concessions lower what breaking ranks with non-recognition costs Moscow "
                                           "and Beijing")
    peer_effect: float = nonneg(1.0, unit="hazard multiplier per share of states recognising", source=_READY,
                                range=(0.0, 3.0))
    russia_lead: float = nonneg(1.0, unit="hazard multiplier per unit alignment once Russia recognises",
                                source=ASSUMPTION, range=(0.0, 3.0))


@dataclass
class InfluenceParams:
    """Weights of Russia's influence index in Central Asia (they sum to 1 after normalising)."""

    weight_alignment: float = nonneg(0.5, unit="weight", source=ASSUMPTION, range=(0.3, 0.7))
    weight_security: float = nonneg(0.3, unit="weight", source=_GUARANTOR, range=(0.1, 0.5))
    weight_economic: float = nonneg(0.2, unit="weight", source=ASSUMPTION, range=(0.1, 0.4))
    security_without_drills: float = share(0.5, unit="share of the security part held with no drills",
                                           source=ASSUMPTION, range=(0.2, 0.8),
                                           doc="the security part is guarantee x (this + (1 - this) x drills): the "
                                               "garrison and arms count even when no drills are held")


@dataclass
class USReturnParams:
    crisis_threshold: float = share(0.7, unit="crisis index", source=article(
        "The U.S. may yet find itself having to return to Afghanistan or the broader region. But not "
        "before things get worse."), range=(0.55, 0.85))
    rate: float = nonneg(0.3, unit="1/year while above threshold", source=external(
        "US return to Iraq in 2014, three years after the 2011 withdrawal, as ISIS rose", 2014),
        range=(0.05, 1.0))
    islamic_state_cut: float = share(0.5, unit="share of IS activity removed after a return", source=ASSUMPTION,
                                     range=(0.2, 0.8))


@dataclass
class StatesParams:
    """Everything the states submodel reads from ``model.states``."""

    review_days: int = param(7, unit="days", source=ASSUMPTION, bounds=(1, 365), range=(1, 30),
                             doc="days between policy reviews of every state")
    choice: ChoiceParams = sub(ChoiceParams)
    perception: PerceptionParams = sub(PerceptionParams)
    tjk: TajikistanParams = sub(TajikistanParams)
    uzb: UzbekistanParams = sub(UzbekistanParams)
    tkm: TurkmenistanParams = sub(TurkmenistanParams)
    kgz: KyrgyzstanParams = sub(KyrgyzstanParams)
    kaz: KazakhstanParams = sub(KazakhstanParams)
    rus: RussiaParams = sub(RussiaParams)
    tal: TalibanParams = sub(TalibanParams)
    chn: ChinaParams = sub(ChinaParams)
    irn: IranParams = sub(IranParams)
    pak: PakistanParams = sub(PakistanParams)
    usa: WestParams = sub(WestParams)
    afghanistan: AfghanistanParams = sub(AfghanistanParams)
    admission: AdmissionParams = sub(AdmissionParams)
    fear: SecurityFearParams = sub(SecurityFearParams)
    alignment: AlignmentParams = sub(AlignmentParams)
    exercises: ExerciseParams = sub(ExerciseParams)
    recognition: RecognitionParams = sub(RecognitionParams)
    influence: InfluenceParams = sub(InfluenceParams)
    us_return: USReturnParams = sub(USReturnParams)
