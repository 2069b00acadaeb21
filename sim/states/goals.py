"""Parameters of the states that decide most (Russia, the Taliban) and of how every state
decides (the choice rule, perception), each with unit, source and range. Part of
``model.states`` (sim.states.params)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article, external, nonneg, param, share, sub

_GUARANTOR = article("Russia remains the key guarantor of security in Central Asia")


@dataclass
class ChoiceParams:
    """The choice rule every state decides by (sim.states.choice): a logit choice with inertia."""

    temperature: float = nonneg(0.01, unit="utility", source=external(
        "McKelvey & Palfrey, Quantal Response Equilibria for Normal Form Games (the logit choice rule; the "
        "value is an assumption)", 1995), range=(0.002, 0.05),
        doc="how far a state errs from its best option: 0 is strict maximisation")
    switching_cost: float = nonneg(0.2, unit="utility per unit of a level changed", source=ASSUMPTION,
                                   range=(0.0, 0.5), doc="policies have inertia: changing course costs credibility")
    every_reviews: int = param(4, unit="reviews", source=ASSUMPTION, bounds=(1, 52), range=(1, 13),
                               doc="a state reconsiders each of its decisions every this many reviews")


@dataclass
class PerceptionParams:
    """How states perceive (sim.states.perception): reports come late and noisy."""

    intel_lag_reviews: int = param(4, unit="reviews", source=ASSUMPTION, bounds=(0, 52), range=(0, 12),
                                   doc="how late an intelligence estimate (militant networks, Islamic State) arrives")
    intel_memory: float = share(0.25, unit="weight of the newest report", source=ASSUMPTION, range=(0.05, 1.0))
    intel_noise_sd: float = nonneg(0.2, unit="log sd of a report", source=ASSUMPTION, range=(0.0, 0.5))
    attack_memory_years: float = param(2.0, unit="years", source=ASSUMPTION, bounds=(0.02, 100.0), range=(0.5, 5.0),
                                       doc="attacks are rare and public: the perceived rate is their average over "
                                           "about this many years, without noise or lag")


@dataclass
class RussiaGoals:
    """Weights of Moscow's objective: what each of its choices is scored by (the scorecard's parts)."""

    security: float = nonneg(1.0, unit="weight", source=article(
        "the reality that the U.S. withdrawal from Afghanistan poses risks to Russia is clearly"), range=(0.5, 2.0))
    influence: float = nonneg(0.5, unit="weight", source=article(
        "The Kremlin has been working for years to increase its geopolitical footprint in the region"),
        range=(0.2, 1.0))
    drugs: float = nonneg(0.3, unit="weight", source=article(
        "narcotrafficking from Afghanistan through Central Asia presented a major challenge for Russia"),
        range=(0.1, 1.0))
    economy: float = nonneg(0.3, unit="weight", source=ASSUMPTION, range=(0.1, 1.0))
    standing: float = nonneg(0.3, unit="weight", source=article(
        "intent on prioritizing anti-Americanism and working with the Taliban"), range=(0.0, 1.0))


@dataclass
class RussiaParams:
    drills_2021: float = share(0.4, unit="index 0-1", source=article(
        "The Kremlin has increased regional security drills, both bilaterally and through the "
        "Collective Security Treaty Organization (CSTO)"), range=(0.2, 0.6),
        doc="intensity of Russian-led security drills in Central Asia in 2021")
    goals: RussiaGoals = sub(RussiaGoals)
    attacks_expected_per_year: float = nonneg(0.3, unit="attacks/year", source=external(
        "major attacks in Russia 2010-2021 with ten or more killed: Moscow metro 2010, Domodedovo 2011, "
        "Volgograd 2013 (two), St Petersburg metro 2017, about 0.4/year (approximate)", 2021), range=(0.1, 0.6),
        doc="the rate of major attacks Moscow takes as normal before it has seen any")
    crackdown_belief: float = nonneg(0.5, unit="log cut of the home threat Moscow expects at full crackdown",
                                     source=ASSUMPTION, range=(0.1, 1.0),
                                     doc="what Moscow believes arrests and repression do to the threat at home (it "
                                         "does not count the resentment they breed: the article's warning)")
    crackdown_cost: float = nonneg(2.0, unit="economy units per unit crackdown", source=ASSUMPTION, range=(0.5, 4.0),
                                   doc="the cost Moscow sees in a crackdown (policing, unrest, the economy)")
    attack_share_of_threat: float = share(0.5, unit="weight of attacks against militant estimates", source=ASSUMPTION,
                                          range=(0.2, 0.8), doc="Moscow's threat at home: this share from the "
                                          "attacks it has seen, the rest from its estimate of militant networks")
    drills_belief: float = nonneg(1.0, unit="log cut of the Central Asian threat Moscow expects at full drills",
                                  source=_GUARANTOR, range=(0.3, 2.0))
    drills_cost: float = nonneg(3.0, unit="economy units per unit drills", source=ASSUMPTION, range=(1.0, 5.0),
                                doc="set so that at the 2021 threat Moscow's best drills are near drills_2021")
    islamic_state_expected: float = param(0.3, unit="index 0-1", source=external(
        "ISKP attack at Kabul airport, 26 August 2021 (the scenario's default activity)", 2021),
        bounds=(0.01, 1.0), range=(0.1, 0.6), doc="the Islamic State activity in Afghanistan Moscow takes as normal")
    refugee_pressure_2021: float = share(0.5, unit="index 0-1", source=article(
        "Putin has the means to pressure Central Asian countries to limit the number of refugees they receive"),
        range=(0.25, 0.75), doc="Moscow's pressure on Central Asian admissions when the run starts, before its first "
                                "review of it")
    refugees_expected_per_year: float = param(50000.0, unit="Afghans entering Central Asia per year",
                                              source=ASSUMPTION, bounds=(1.0, math.inf), range=(20000.0, 150000.0),
                                              doc="the flow Moscow takes as normal before it has seen any")
    militant_refugees_expected_per_year: float = param(
        5.0, unit="militants per year", source=ASSUMPTION, bounds=(0.01, math.inf), range=(1.0, 20.0),
        doc="militants entering Central Asia undetected among refugees that Moscow takes as normal")
    refugee_share_of_threat: float = share(0.5, unit="weight of the flow against the militants in it",
                                           source=article("does not want “militants appearing [in Russia] again "
                                                          "under the guise of refugees.”"), range=(0.2, 0.8))
    pressure_belief: float = nonneg(1.0, unit="log cut of the refugee threat Moscow expects at full pressure",
                                    source=article("Putin has the means to pressure Central Asian countries to limit "
                                                   "the number of refugees they receive"), range=(0.3, 2.0))
    pressure_goodwill_cost: float = nonneg(1.2, unit="influence units per unit pressure", source=ASSUMPTION,
                                           range=(0.5, 2.5),
                                           doc="goodwill in Central Asia that pressing its governments costs; set so "
                                               "that at the threat Moscow takes as normal its best pressure is near "
                                               "refugee_pressure_2021")
    onward_expected_per_year: float = param(2000.0, unit="Afghans moving on into Russia per year", source=ASSUMPTION,
                                            bounds=(1.0, math.inf), range=(500.0, 10000.0),
                                            doc="the flow of Afghans through Central Asia into Russia that Moscow "
                                                "takes as normal")
    restriction_belief: float = nonneg(1.0, unit="log cut of the onward threat Moscow expects at full restriction",
                                       source=ASSUMPTION, range=(0.3, 2.0))
    restriction_labour_cost: float = nonneg(1.0, unit="economy units per unit restriction", source=article(
        "Then there is the issue of"), range=(0.3, 3.0),
        doc="the migrant labour Russia's economy forgoes; at the defaults Moscow restricts once the onward flow runs "
            "above about 3 times what it took as normal")
    push_standing: float = nonneg(0.3, unit="standing units per unit push", source=article(
        "Moscow will likely push to shift the responsibility to the United States and the West more broadly"),
        range=(0.0, 0.6), doc="what campaigning for the reserves' release and for the West to carry the cost does "
                              "for Moscow's standing against the West")
    push_security: float = nonneg(0.3, unit="security units per unit push per unit collapse", source=article(
        "calling on the U.S. to take the bulk of the responsibility for stabilizing Afghanistan"),
        range=(0.0, 0.6), doc="the stability Moscow expects a release to buy, as Afghanistan collapses")
    push_cost: float = nonneg(0.5, unit="economy units per unit push (rises as push squared)", source=ASSUMPTION,
                              range=(0.1, 1.0), doc="diplomatic capital spent on the campaign")
    engagement_2021: float = share(0.5, unit="index 0-1", source=article(
        "Moscow had begun talking to the Taliban as early as 2007"), range=(0.3, 0.7),
        doc="Moscow's engagement with the Taliban (aid, arms, diplomacy) before its first review of it")
    engagement_standing: float = nonneg(0.3, unit="standing units per unit engagement", source=article(
        "Indeed, Moscow now touts its diplomatic standing in Afghanistan."), range=(0.0, 0.6))
    engagement_security: float = nonneg(0.5, unit="security units per unit engagement per unit IS threat",
                                        source=article("Russian officials also have subsequently justified engagement "
                                                       "with the Taliban by pointing to ISIS as a common enemy"),
                                        range=(0.1, 1.0), doc="the Islamic State threat (1 = as Moscow took it in "
                                                              "2021) Moscow expects the Taliban to hold down for it")
    engagement_cost: float = nonneg(1.0, unit="economy units at full engagement (rises as engagement squared)",
                                    source=ASSUMPTION, range=(0.3, 2.0))
    recognition_standing: float = nonneg(1.0, unit="standing units", source=article(
        "Moscow appears to have concluded that the Taliban are the current reality in Afghanistan"),
        range=(0.3, 2.0), doc="what recognising the Taliban does for Moscow's standing, before the West's reaction")
    recognition_west_cost: float = nonneg(1.0, unit="standing units per unit Western leverage", source=ASSUMPTION,
                                          range=(0.3, 2.0), doc="the West's reaction, as strong as its leverage")
    recognition_security: float = nonneg(0.3, unit="security units per unit engagement", source=article(
        "Since Moscow is keeping its embassy open in Kabul, Russian officials will likely have more opportunities to "
        "interact with the Taliban"), range=(0.0, 0.6), doc="recognition deepens the partnership engagement builds")
    recognition_barrier: float = nonneg(0.3, unit="objective units", source=article(
        "still officially labeled a terrorist organization in Russia"), range=(0.1, 0.6),
        doc="what lifting the Taliban's designation as terrorists costs Moscow at home")
    drills_influence: float = nonneg(0.5, unit="influence units per unit drills", source=article(
        "Russia remains the key guarantor of security in Central Asia"), range=(0.0, 1.0),
        doc="what holding drills does for Moscow's standing as the region's guarantor")


@dataclass
class TalibanGoals:
    """Weights of the Taliban's objective in deciding the opium ban, the effort against Islamic
    State and the concessions made to seek recognition."""

    revenue: float = nonneg(1.0, unit="weight", source=ASSUMPTION, range=(0.5, 2.0),
                            doc="the share of its budget the Taliban would lose (the unit of the objective)")
    control: float = nonneg(0.5, unit="weight", source=ASSUMPTION, range=(0.2, 1.0),
                            doc="holding the provinces: the farmers' livelihoods a ban takes and its enforcement")
    recognition: float = nonneg(1.0, unit="weight", source=article(
        "recognition of the Taliban may be forthcoming in the near future, and not only from Moscow"),
        range=(0.3, 2.0), doc="recognition and the aid that comes with it")
    islamic_state: float = nonneg(1.0, unit="weight", source=article(
        "the Taliban's purported perception of ISIS as its chief enemy is rather tenuous"), range=(0.3, 2.0),
        doc="the threat Islamic State poses to Taliban rule")


@dataclass
class TalibanParams:
    """The Taliban's opium ban, chosen against revenue, control and recognition (sim.states.choice)."""

    goals: TalibanGoals = sub(TalibanGoals)
    budget_usd_bn: float = nonneg(2.5, unit="USD bn/year of revenue other than opium before the collapse",
                                  source=external("World Bank, Afghanistan Development Update: domestic revenue "
                                                  "about USD 2.5bn a year before August 2021 (approximate)", 2021),
                                  range=(1.0, 3.5), doc="what the Taliban collect besides the opium tax, cut by the "
                                                        "economic collapse: budget x (1 - collapse)")
    opium_revenue_expected_usd_bn: float = param(
        0.1, unit="USD bn/year", source=external(
            "Ushr of about 10% on a farm-gate opium value of about USD 1bn (UNODC Afghanistan Opium Survey 2021, "
            "approximate)", 2021), bounds=(0.001, math.inf), range=(0.05, 0.3),
        doc="the opium tax the Taliban expect before the first harvest under their rule")
    farm_income_share: float = share(0.11, unit="share of GDP", source=external(
        "UNODC Afghanistan Opium Survey 2021: the opium economy was worth 9-14% of GDP", 2021), range=(0.09, 0.14),
        doc="the livelihoods a full ban takes from the farmers, felt as the collapse leaves them nothing else")
    enforcement_cost: float = nonneg(0.2, unit="control units at a full ban (rises as the ban squared)",
                                     source=ASSUMPTION, range=(0.05, 0.5),
                                     doc="destroying fields and policing the ban in the provinces")
    ban_legitimacy: float = nonneg(0.3, unit="recognition units per unit ban while no state recognises",
                                   source=ASSUMPTION, range=(0.0, 0.6),
                                   doc="what a ban promises towards recognition and aid, scaled by the share of "
                                       "states still withholding recognition")
    concession_legitimacy: float = nonneg(0.2, unit="recognition units per unit concessions while no state "
                                          "recognises", source=article(
        "recognition of the Taliban may be forthcoming in the near future, and not only from Moscow"),
        range=(0.05, 0.5), doc="what concessions (a broader government, guarantees to the neighbours) promise "
                               "towards recognition, scaled by the share of states still withholding it")
    aid_need: float = nonneg(1.0, unit="relative gain per unit collapse", source=ASSUMPTION, range=(0.0, 2.0),
                             doc="recognition and the aid it brings are worth 1 + this x collapse: more, the "
                                 "deeper the collapse")
    concession_cost: float = nonneg(0.4, unit="control units at full concessions (rises as the level squared)",
                                    source=ASSUMPTION, range=(0.1, 1.0),
                                    doc="what concessions cost the leadership with its hardliners")
    suppression_2021: float = share(0.5, unit="index 0-1", source=ASSUMPTION, range=(0.3, 0.7),
                                    doc="the Taliban's effort against Islamic State at the fall of Kabul, before their "
                                        "first review of it; IS activity's target is scaled by 1 - "
                                        "afghanistan.suppression_effect x (effort - this)")
    suppression_belief: float = nonneg(1.0, unit="log cut of the IS threat the Taliban expect at full effort",
                                       source=ASSUMPTION, range=(0.3, 2.0))
    suppression_cost: float = nonneg(0.4, unit="revenue units per unit effort", source=ASSUMPTION, range=(0.1, 1.0),
                                     doc="fighters and money; Russian support (arms, intelligence) cuts it by "
                                         "russian_support x Moscow's engagement")
    russian_support: float = share(0.5, unit="share of the effort's cost Russian support removes at full engagement",
                                   source=article("Moscow's support for the Taliban went beyond diplomacy to arms "
                                                  "provision and other assistance"), range=(0.0, 0.8))
    revenue_memory_years: float = param(1.0, unit="years", source=ASSUMPTION, bounds=(0.02, 100.0),
                                        range=(0.5, 2.0), doc="the Taliban average their opium tax over about this "
                                                              "long (harvests are seasonal)")
