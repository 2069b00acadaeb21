"""Parameters of the security submodel: militant stocks, radicalization in Russia, attack risk."""

from __future__ import annotations

from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article, external, nonneg, share, sub

_SPILL = article("The coming violence could spill over into Russia, perhaps emboldening terrorist groups to "
                 "recruit radicalized Muslims there")
_CLAMP = article("if Moscow starts to further clamp down on Russia's own Muslims, this approach will breed "
                 "resentment and radicalization, as happened before")


@dataclass
class InitialMilitants:
    """Militants in jihadist networks able to act in each country in August 2021.

    No public count exists. The defaults were set by hand near the stocks that the 2021
    inflows sustain at the 2021 removal rates. They are not re-fitted: in the baseline
    (sim-run replicates=20, mean final stock over these values) the stocks end at 1.14 (RUS)
    to 1.76 (KGZ) times these values, because IS activity grows with the collapse and
    trafficking reaches Kyrgyzstan, Turkmenistan and Kazakhstan by more paths; with
    islamic_state_collapse_gain 0 and max_detour 1 they end at 0.86 (TKM) to 1.41 (KAZ) times
    them."""

    tjk: float = nonneg(80.0, unit="militants", source=ASSUMPTION, range=(25.0, 250.0))
    uzb: float = nonneg(45.0, unit="militants", source=ASSUMPTION, range=(15.0, 150.0))
    tkm: float = nonneg(20.0, unit="militants", source=ASSUMPTION, range=(5.0, 60.0))
    kgz: float = nonneg(15.0, unit="militants", source=ASSUMPTION, range=(5.0, 50.0))
    kaz: float = nonneg(25.0, unit="militants", source=ASSUMPTION, range=(8.0, 80.0))
    rus: float = nonneg(300.0, unit="militants", source=ASSUMPTION, range=(100.0, 1000.0))


@dataclass
class IslamicStateExport:
    """Recruits and fighters Islamic State Khorasan sends into neighbouring countries."""

    iskp_fighters: float = nonneg(4000.0, unit="fighters at IS activity 1", source=external(
        "UN Security Council Monitoring Team, 28th and 29th reports: ISKP about 1,500-2,200 fighters in 2021, "
        "up to about 4,000 by 2022 (approximate)", 2022), range=(1500.0, 6000.0),
        doc="ISKP strength in Afghanistan per unit of the Islamic State activity index")
    export_per_year: float = nonneg(0.05, unit="militants sent abroad per ISKP fighter per year", source=external(
        "Crocus City Hall attack, Moscow, March 2024, by Tajik ISKP recruits; UN Monitoring Team reports "
        "ISKP recruiting Central Asians (approximate)", 2024), range=(0.01, 0.15))
    tjk: float = share(0.35, unit="share of ISKP's exported militants", source=ASSUMPTION, range=(0.2, 0.5),
                       doc="Tajiks are ISKP's largest foreign contingent")
    uzb: float = share(0.2, unit="share of ISKP's exported militants", source=ASSUMPTION, range=(0.1, 0.3))
    tkm: float = share(0.1, unit="share of ISKP's exported militants", source=ASSUMPTION, range=(0.0, 0.2))
    kgz: float = share(0.1, unit="share of ISKP's exported militants", source=ASSUMPTION, range=(0.0, 0.2))
    kaz: float = share(0.05, unit="share of ISKP's exported militants", source=ASSUMPTION, range=(0.0, 0.15))
    rus: float = share(0.2, unit="share of ISKP's exported militants", source=_SPILL, range=(0.05, 0.35),
                       doc="through Central Asian labour migrants in Russia")


@dataclass
class Radicalization:
    """Radicalization among Russia's Muslim minority: grievance x size of the minority."""

    muslim_share_2021: float = share(0.1, unit="share of Russia's population", source=external(
        "Pew Research Center, The Future of the Global Muslim Population: Russia about 11.7% Muslim in 2010; "
        "other estimates 6.5-15% (approximate)", 2011), range=(0.065, 0.15))
    muslim_share_growth: float = nonneg(0.0014, unit="share points per year", source=external(
        "Pew Research Center projection 11.7% (2010) to 14.4% (2030); the article's claim of one third "
        "within 15 years (a 2019 prediction by Russia's chief mufti, which the article links) "
        "is taken as the upper end", 2011), range=(0.0005, 0.0155),
        doc="upper end: 10% to one third in 15 years")
    grievance_base: float = share(0.2, unit="index 0-1", source=ASSUMPTION, range=(0.1, 0.4),
                                  doc="grievance among Russian Muslims before any new crackdown")
    crackdown_grievance: float = share(0.5, unit="grievance per unit crackdown", source=_CLAMP,
                                       range=(0.2, 0.8))
    rate_per_year: float = nonneg(0.3, unit="1/year at grievance 1 and the 2021 minority", source=ASSUMPTION,
                                  range=(0.1, 0.6), doc="how fast grievance turns into radicalization")
    islamic_state_pull: float = nonneg(0.5, unit="x rate per unit IS activity", source=article(
        "Nor will this approach necessarily prevent more Russian citizens from establishing stronger ties "
        "with foreign terrorist groups"), range=(0.0, 1.0))
    decay_per_year: float = nonneg(0.2, unit="1/year", source=ASSUMPTION, range=(0.05, 0.5),
                                   doc="radicalization fades when grievance eases")
    index_2021: float = share(0.25, unit="index 0-1", source=ASSUMPTION, range=(0.1, 0.4),
                              doc="close to the steady state of the 2021 grievance, so only shocks move it")
    recruits_per_year: float = nonneg(300.0, unit="militants per year at index 1", source=ASSUMPTION,
                                      range=(100.0, 1000.0), doc="home-grown recruits into militant networks")


@dataclass
class SecurityEffort:
    """Police and intelligence effort: it removes militants and protects against attacks."""

    removal_per_year: float = nonneg(0.25, unit="share of militants arrested or killed per year at effort 1",
                                     source=ASSUMPTION, range=(0.1, 0.5))
    attrition_per_year: float = share(0.1, unit="share of militants leaving per year", source=ASSUMPTION,
                                      range=(0.05, 0.2), doc="disengagement, departure, death")
    effort_ca: float = nonneg(1.0, unit="index (1 = 2021 level)", source=ASSUMPTION, range=(0.5, 1.5))
    effort_rus: float = nonneg(1.0, unit="index (1 = 2021 level)", source=ASSUMPTION, range=(0.5, 1.5))
    drills_gain: float = nonneg(0.5, unit="x effort per unit Russian drills", source=article(
        "key guarantor of security in Central Asia"), range=(0.0, 1.0),
        doc="Russian and CSTO drills raise Central Asian security effort")
    crackdown_effort_gain: float = nonneg(0.5, unit="x effort per unit crackdown", source=ASSUMPTION,
                                          range=(0.0, 1.0), doc="a crackdown also arrests more militants")
    protection: float = nonneg(0.5, unit="log attack hazard cut per unit effort", source=ASSUMPTION,
                               range=(0.2, 1.0))


@dataclass
class AttackRisk:
    """Hazard of a major attack (ten or more killed) per militant, scaled by radicalization."""

    major_attacks_per_year_rus_2021: float = nonneg(0.3, unit="attacks/year", source=external(
        "major attacks in Russia 2010-2021 with ten or more killed: Moscow metro 2010, Domodedovo 2011, "
        "Volgograd 2013 (two), St Petersburg metro 2017, about 0.4/year (approximate)", 2021),
        range=(0.1, 0.6), doc="hazard at the 2021 militant stock, radicalization and effort")
    major_attacks_per_year_ca_2021: float = nonneg(0.1, unit="attacks/year, all five states", source=external(
        "major attacks in Central Asia 2010-2021 are rare (e.g. Aktobe 2016, Tajikistan cyclists 2018); "
        "approximate", 2021), range=(0.03, 0.3))
    radicalization_weight: float = nonneg(1.0, unit="x hazard per unit radicalization above 2021",
                                          source=ASSUMPTION, range=(0.0, 3.0))


@dataclass
class SecurityParams:
    active: bool = True
    """False switches the submodel off (its outcomes are NaN)."""
    narco_link: float = nonneg(0.2, unit="militants recruited per tonne-week of opiates in transit", source=external(
        "UNODC, Opiate flows through northern Afghanistan and Central Asia (2012): drug money finances "
        "insurgent and extremist groups along the northern route (no per-tonne estimate; approximate)", 2012),
        range=(0.0, 1.0), doc="strength of the narco-militant link")
    initial: InitialMilitants = sub(InitialMilitants)
    islamic_state: IslamicStateExport = sub(IslamicStateExport)
    radicalization: Radicalization = sub(Radicalization)
    effort: SecurityEffort = sub(SecurityEffort)
    attacks: AttackRisk = sub(AttackRisk)
