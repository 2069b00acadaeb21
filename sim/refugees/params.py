"""Parameters of the refugee submodel, each with unit, source and range.

Movement rules follow FLEE (Suleimenova, Bell & Groen 2017; FLEE 3.1 defaults in
flee/SimulationSettings.py, 2023). Border policies of the Central Asian states come from
the states submodel; the others are set here, per country.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article, external, nonneg, param, run_setting, share, sub

_FLEE = "FLEE 3.1 default, flee/SimulationSettings.py (Suleimenova, Bell & Groen, Sci. Rep. 2017)"
_ILLEGAL = article("even as the flow of illegal refugees is likely to increase")
_MIGRATION = article("If Central Asian countries accept many Afghan refugees, they may then find their way to "
                     "Russia as migrant workers")


@dataclass
class BorderPolicy:
    """Entry policy of a state whose admission is not decided by the states submodel."""

    admit_share: float = share(0.3, source=ASSUMPTION, range=(0.1, 0.6),
                               doc="share of arriving Afghans admitted")
    screening: float = share(0.5, source=ASSUMPTION, range=(0.2, 0.8),
                             doc="share of the admitted who are screened")
    irregular: float = share(0.3, source=_ILLEGAL, range=(0.1, 0.6),
                             doc="chance that someone refused entry crosses irregularly (smuggling)")
    attractiveness: float = nonneg(1.0, unit="score multiplier", source=ASSUMPTION, range=(0.5, 2.0),
                                   doc="pull of the country's host locations (diaspora, jobs, safety)")
    return_rate: float = nonneg(0.05, unit="1/year", source=ASSUMPTION, range=(0.0, 0.3),
                                doc="rate at which hosted Afghans return or are deported")


@dataclass
class IranBorder(BorderPolicy):
    admit_share: float = share(0.4, source=external(
        "UNHCR: Iran hosts about 3.4 million Afghans, most undocumented", 2022), range=(0.2, 0.6))
    irregular: float = share(0.6, source=_ILLEGAL, range=(0.3, 0.8))
    attractiveness: float = nonneg(1.5, unit="score multiplier", source=external(
        "UNHCR: Iran and Pakistan host most Afghan refugees", 2022), range=(1.0, 2.5))
    return_rate: float = nonneg(0.15, unit="1/year", source=external(
        "IOM: over a million returns and deportations from Iran to Afghanistan a year", 2023), range=(0.05, 0.4))


@dataclass
class PakistanBorder(BorderPolicy):
    admit_share: float = share(0.5, source=external(
        "UNHCR: Pakistan hosts about 1.3 million registered Afghan refugees", 2022), range=(0.2, 0.7))
    irregular: float = share(0.6, source=_ILLEGAL, range=(0.3, 0.8))
    attractiveness: float = nonneg(1.5, unit="score multiplier", source=external(
        "UNHCR: Iran and Pakistan host most Afghan refugees", 2022), range=(1.0, 2.5))
    return_rate: float = nonneg(0.05, unit="1/year", source=external(
        "UNHCR voluntary repatriation from Pakistan before 2021: tens of thousands a year of about 1.4 million "
        "registered (approximate); deportation campaigns come on top (model.states.pak, sim.states.agents.Host)",
        2021), range=(0.02, 0.15))


@dataclass
class RussiaBorder(BorderPolicy):
    admit_share: float = share(0.3, source=_MIGRATION, range=(0.1, 0.6),
                               doc="share of arriving Afghan migrant workers admitted, before restrictions")
    screening: float = share(0.8, source=article(
        "militants appearing [in Russia] again under the guise of refugees"), range=(0.5, 1.0))
    irregular: float = share(0.2, source=ASSUMPTION, range=(0.05, 0.4))
    attractiveness: float = nonneg(1.0, unit="score multiplier", source=ASSUMPTION, range=(0.5, 2.0))
    return_rate: float = nonneg(0.1, unit="1/year", source=ASSUMPTION, range=(0.0, 0.3))


@dataclass
class TurkeyBorder(BorderPolicy):
    admit_share: float = share(0.2, source=ASSUMPTION, range=(0.05, 0.5))
    irregular: float = share(0.4, source=ASSUMPTION, range=(0.1, 0.7))


@dataclass
class EuropeBorder(BorderPolicy):
    admit_share: float = share(0.3, source=ASSUMPTION, range=(0.1, 0.6))
    irregular: float = share(0.3, source=ASSUMPTION, range=(0.1, 0.6))
    return_rate: float = nonneg(0.02, unit="1/year", source=ASSUMPTION, range=(0.0, 0.1))


@dataclass
class CentralAsiaHosting:
    """What the states submodel does not decide for Central Asian borders."""

    irregular: float = share(0.03, source=external(
        "The Diplomat: Central Asian states 'remain closed to refugees and asylum seekers from Afghanistan'",
        2022), range=(0.01, 0.1), doc="chance that someone refused entry crosses irregularly")
    attractiveness: float = nonneg(0.8, unit="score multiplier", source=ASSUMPTION, range=(0.4, 1.5))
    return_rate: float = nonneg(0.3, unit="1/year", source=external(
        "UNHCR, 25 August 2022: grave concerns over continued detention and deportations of Afghan refugees "
        "in Tajikistan", 2022), range=(0.1, 0.6))


@dataclass
class MovementParams:
    """FLEE's movement rules."""

    move_chance_conflict: float = share(1.0, unit="1/day", source=external(_FLEE, 2023), range=(0.5, 1.0),
                                        doc="chance per day that a displaced group leaves an Afghan region")
    move_chance_town: float = share(0.3, unit="1/day", source=external(_FLEE, 2023), range=(0.1, 0.6),
                                    doc="chance per day of leaving a hub, port, crossing or market")
    move_chance_camp: float = share(0.001, unit="1/day", source=external(_FLEE, 2023), range=(0.0, 0.01),
                                    doc="chance per day of leaving a host location")
    conflict_score: float = nonneg(0.316, unit="score", source=external(_FLEE + ": 1/sqrt(10)", 2023),
                                   range=(0.1, 0.5))
    camp_score: float = nonneg(1.0, unit="score", source=external(_FLEE, 2023), range=(0.5, 2.0))
    town_score: float = nonneg(1.0, unit="score", source=external(_FLEE, 2023), range=(0.5, 2.0))
    distance_softening: float = nonneg(10.0, unit="km", source=external(_FLEE, 2023), range=(1.0, 50.0),
                                       doc="route weight = score / (softening + path km)")
    awareness: int = param(1, unit="extra links seen", source=external(_FLEE, 2023), bounds=(0, 3),
                           range=(0, 2))
    capacity_buffer: float = share(0.9, unit="share of capacity", source=external(_FLEE, 2023),
                                   range=(0.8, 0.95),
                                   doc="attractiveness falls linearly from this occupancy to zero when full")
    speed_road_km: float = nonneg(360.0, unit="km/day", source=external(_FLEE + ": MaxMoveSpeed", 2023),
                                  range=(100.0, 400.0))
    speed_foot_km: float = nonneg(35.0, unit="km/day", source=external(_FLEE + ": MaxWalkSpeed", 2023),
                                  range=(20.0, 50.0))
    host_capacity_share: float = share(0.05, unit="share of city population", source=ASSUMPTION,
                                       range=(0.01, 0.2), doc="capacity of a host location for new arrivals")


@dataclass
class DeportationParams:
    """What a host's deportation campaign (0-1, chosen in sim.states) does to the Afghans there."""

    return_gain: float = nonneg(3.0, unit="x return rate per unit campaign", source=ASSUMPTION, range=(1.0, 6.0),
                                doc="a full campaign multiplies the host's return rate by 1 + this")
    admit_cut: float = share(0.5, unit="share of admission removed at a full campaign", source=ASSUMPTION,
                             range=(0.2, 0.8))


@dataclass
class RefugeeParams:
    people_per_agent: int = run_setting(1000, unit="people per agent", bounds=(1, 1_000_000),
                                        doc="size of each travelling group (the resolution); 1 for individuals")
    displacement_rate: float = nonneg(0.07, unit="share of population/year at full crisis", source=external(
        "assumption calibrated to UNHCR: about 1.6 million Afghans fled to neighbouring countries "
        "from August 2021 (approximate)", 2023), range=(0.03, 0.15))
    crisis_floor: float = share(0.3, unit="crisis index", source=ASSUMPTION, range=(0.1, 0.5),
                                doc="crisis below which no one is displaced")
    give_up_after_turn_back: float = share(0.2, source=ASSUMPTION, range=(0.05, 0.5),
                                           doc="chance that a group turned back at a border goes home")
    refusal_memory_days: int = param(30, unit="days", source=external(
        "UNHCR, Afghanistan situation: external update, Sept 2021: with most official crossings closed to "
        "Afghans without documents, people refused at one crossing sought others or irregular routes; "
        "direction only, the length is an assumption", 2021), bounds=(0, 3650), range=(7, 180),
        doc="days a group turned back at a border avoids the hops into that country, and into any other that "
            "turned it back meanwhile, in its route choice (0: it may try again the next day); admission is a "
            "state's policy, the same at each of its crossings")
    militant_share: float = share(0.0002, unit="militants per displaced person", source=article(
        "militants appearing [in Russia] again under the guise of refugees"), range=(0.00005, 0.001))
    screening_catch: float = share(0.6, unit="share of militants caught by screening", source=ASSUMPTION,
                                   range=(0.3, 0.9))
    onward_rate: float = nonneg(0.3, unit="1/year", source=_MIGRATION, range=(0.1, 0.8),
                                doc="rate at which Afghans hosted in Central Asia set out for Russia, "
                                    "at the 2021 wage gap and labour demand")
    transit_share: float = share(0.7, source=ASSUMPTION, range=(0.3, 0.95),
                                 doc="chance that a migrant worker bound for Russia is let through a "
                                     "Central Asian border on the way")
    wage_gap_index: float = nonneg(1.0, unit="Russian/Central Asian wage ratio relative to 2021", source=external(
        "Rosstat and national statistics: average wage in Russia about 2-4 times Tajikistan's or "
        "Uzbekistan's (approximate); onward_rate is set at that 2021 gap", 2021), range=(0.6, 1.6))
    wage_gap_elasticity: float = nonneg(1.0, unit="elasticity", source=ASSUMPTION, range=(0.5, 2.0))
    labour_demand: float = nonneg(1.0, unit="index (2021 = 1)", source=ASSUMPTION, range=(0.5, 1.5))
    jobs_taken_per_worker: float = share(0.3, unit="CA jobs lost per Afghan worker in Russia",
                                         source=article("if Afghans compete with Central Asians for jobs in "
                                                        "Russia, it could add economic pressure for the Central "
                                                        "Asian states"), range=(0.1, 0.6))
    remittance_per_worker_usd: float = nonneg(3000.0, unit="USD/year", source=external(
        "World Bank/Central Bank of Russia: about USD 2,500-4,000 remitted per Central Asian migrant worker "
        "a year (approximate)", 2020), range=(2000.0, 4500.0))
    central_asia: CentralAsiaHosting = sub(CentralAsiaHosting)
    irn: IranBorder = sub(IranBorder)
    pak: PakistanBorder = sub(PakistanBorder)
    deportation: DeportationParams = sub(DeportationParams)
    rus: RussiaBorder = sub(RussiaBorder)
    tur: TurkeyBorder = sub(TurkeyBorder)
    weu: EuropeBorder = sub(EuropeBorder)
    movement: MovementParams = sub(MovementParams)
