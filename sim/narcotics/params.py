"""Parameters of the narcotics submodel (masses in pure-heroin-equivalent tonnes).

Production per Afghan region and market prices and demand are data files with a source
column (sim/data/opium_production.csv, drug_markets.csv); the behavioural parameters are here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.provenance import ASSUMPTION, article, calibrated, external, nonneg, param, share, sub

# Fitted by `sim-calibrate narcotics` (sim/calibrate.py states the targets); re-run it after
# changing the narcotics data or behaviour, and copy the values it prints.
CALIBRATED = calibrated("sim-calibrate narcotics", "2026-12-07")

_ROUTES = article("Most drugs from Afghanistan go to Europe, and more go to Iran, where the penalties may be more "
                  "severe but it is possible to get a better price and the route itself is faster")


@dataclass
class RouteCosts:
    """Cost of moving a kilogram along each route's shortest path (transport, bribes, storage),
    USD/kg; a longer path of the route costs more in proportion to its km."""

    northern: float = nonneg(3000.0, unit="USD/kg", source=ASSUMPTION, range=(1000.0, 6000.0))
    balkan: float = nonneg(4000.0, unit="USD/kg", source=ASSUMPTION, range=(1500.0, 8000.0))
    southern: float = nonneg(5000.0, unit="USD/kg", source=ASSUMPTION, range=(2000.0, 10000.0))


@dataclass
class InterdictionLearning:
    effort: float = nonneg(0.02, unit="seizure hazard per week at full allocation", source=ASSUMPTION,
                           range=(0.005, 0.05), doc="initial interdiction effort of Pakistan, Turkey and Western "
                           "Europe on their stretches of the routes")
    effort_northern: float = nonneg(0.00129, unit="seizure hazard per week at full allocation", source=CALIBRATED,
                                    range=(0.0005, 0.05), doc="initial effort of the northern-route states "
                                    "(Central Asia and Russia); fitted to their 1% share of global seizures")
    effort_iran: float = nonneg(0.04, unit="seizure hazard per week", source=_ROUTES, range=(0.01, 0.08),
                                doc="Iran's severe penalties and border effort")
    target_seizure_share: float = share(0.1, unit="share of flow seized", source=ASSUMPTION, range=(0.02, 0.3),
                                        doc="seizure share each state aims for; effort adapts towards it")
    target_seizure_share_northern: float = share(0.120, unit="share of flow seized", source=CALIBRATED,
                                                 range=(0.002, 0.2), doc="the same for the northern-route states")
    adapt_rate: float = nonneg(0.05, unit="log effort per unit gap per week", source=ASSUMPTION,
                               range=(0.0, 0.2))
    memory: float = share(0.1, unit="weight of this week's seizures", source=ASSUMPTION, range=(0.02, 0.3),
                          doc="how fast effort is reallocated to routes where seizures happen")
    initial_memory_tonnes: float = nonneg(1.0, unit="tonnes seized on each route a state lies on", source=ASSUMPTION,
                                          range=(0.1, 10.0), doc="the seizure memory a state starts with on each of "
                                          "its routes (its effort starts split evenly); the larger, the longer its "
                                          "first seizures take to move effort")


@dataclass
class TraffickerLearning:
    n_organisations: int = param(8, unit="organisations", source=ASSUMPTION, bounds=(1, 200), range=(3, 30))
    profit_sensitivity: float = nonneg(0.0002, unit="1/(USD/kg)", source=ASSUMPTION, range=(0.00005, 0.002),
                                       doc="logit weight of expected margin in route choice; above about 0.0005 "
                                           "the route-price loop cycles (a 1,000 USD/kg margin gap then moves "
                                           "most of the trade)")
    risk_memory: float = share(0.2, unit="weight of this week's losses", source=external(
        "Magliocca et al., PNAS: traffickers learn from seizures and shift routes (NarcoLogic)", 2019),
        range=(0.05, 0.5))
    loss_tolerance: float = share(0.5, unit="perceived trip loss", source=external(
        "Magliocca et al., PNAS (NarcoLogic): routes are dropped when losses pass a tolerance", 2019),
        range=(0.2, 0.8))
    explore_rate: float = share(0.05, unit="1/week", source=ASSUMPTION, range=(0.0, 0.2),
                                doc="chance per week of trying a dropped route again")
    initial_risk: float = share(0.1, unit="perceived trip loss", source=ASSUMPTION, range=(0.02, 0.3),
                                doc="perceived share of a shipment lost per trip on every path before any seizure")
    retry_risk: float = share(0.5, unit="share of loss_tolerance", source=ASSUMPTION, range=(0.2, 0.9),
                              doc="perceived trip loss of a dropped path when it is tried again, as a share of the "
                                  "tolerance")
    switch_rate: float = share(0.05, unit="share of the gap to the preferred split closed per week", source=external(
        "Paoli, Greenfield and Reuter, The World Heroin Market: Can Supply Be Cut? (Oxford UP): the trade runs "
        "through kin and ethnic networks and long-standing contacts along established routes; direction only, "
        "the size is an assumption", 2009), range=(0.01, 0.3),
        doc="how fast an organisation moves its volume to the paths its margins favour; a path it drops it "
            "leaves at once")


@dataclass
class NarcoticsParams:
    active: bool = True
    """False switches the submodel off (its outcomes are NaN), e.g. on a network without routes."""
    opium_per_kg_heroin: float = nonneg(22.0, unit="kg opium per kg pure heroin", source=external(
        "UNODC Afghanistan Opium Survey 2021: 6,800 t of opium could yield 270-320 t of pure heroin", 2021),
        range=(18.0, 26.0), doc="masses in the model are pure heroin equivalent, as the demand figures")
    yield_sd: float = nonneg(0.15, unit="log sd of a region's harvest", source=external(
        "UNODC Afghanistan Opium Surveys: about 9,000 t (2017), 6,400 t (2018), 6,400 t (2019), 6,300 t (2020), "
        "6,800 t (2021), approximate", 2021), range=(0.05, 0.3))
    farmgate_price_usd_per_kg: float = nonneg(150.0, unit="USD/kg opium", source=external(
        "UNODC Afghanistan Opium Survey 2021: dry opium farm-gate price about USD 140-200/kg (approximate)", 2021),
        range=(100.0, 300.0))
    ban_max_scarcity: float = param(10.0, unit="x farm-gate price before the ban, to the elasticity", source=ASSUMPTION,
                                    bounds=(1.0, math.inf), range=(5.0, 50.0), doc="scarcity = 1 / (1 - compliance), capped here: a ban of "
                                     "compliance above 1 - 1/cap raises the farm-gate price no further")
    ban_price_elasticity: float = nonneg(2.0, unit="elasticity", source=external(
        "UNODC Afghanistan Opium Survey 2023: after the ban production fell about 95% while the farm-gate "
        "price rose about 3-5 times and farmers' opium income fell over 90%; price ~ scarcity^(1/2) fits "
        "(approximate)", 2023), range=(1.0, 3.0),
        doc="farm-gate price rises as scarcity^(1/elasticity); above 1, a ban cuts the value taxed")
    growing_months: int = param(6, unit="months from sowing to the first harvest month", source=external(
        "National Research Council, Opportunities to Improve the Scientific Basis for Identifying Illicit "
        "Drug Crops (2011), p. 59, after UNODC: opium poppy is 'sown in September-March' and 'harvestable "
        "120-250 days later'", 2011), bounds=(1, 11), range=(4, 8),
        doc="a region sows its next harvest this many months before the harvest starts; a ban in force "
            "then cuts that harvest, one decreed later does not (but for eradication)")
    eradication_share: float = share(0.1, unit="share of the standing crop per unit of ban", source=ASSUMPTION,
                                     range=(0.0, 0.5), doc="share of a harvest already sown that a fully enforced "
                                     "ban destroys (eradication, lancing stopped), in proportion to the ban")
    collapse_planting: float = nonneg(0.5, unit="relative change in the area sown per unit of economic collapse "
                                      "above its 2021 level", source=external(
        "Livemint, 21 Nov 2021, Helmand: 'Everyone is poor here, and will become even poorer if we don't grow "
        "poppies. There is no alternative'; direction only, the size is an assumption", 2021), range=(0.0, 1.5),
        doc="farmers sow more poppy, the cash crop of last resort, the deeper the licit economy has collapsed "
            "at sowing time")
    taliban_tax: float = share(0.1, unit="share of farm-gate value", source=external(
        "Ushr, the traditional 10% tax the Taliban levy on harvests including opium", 2021), range=(0.05, 0.2))
    export_share_per_week: float = share(0.04, unit="share of stock shipped per week", source=ASSUMPTION,
                                         range=(0.02, 0.08), doc="traders hold about half a year of stock")
    storage_response: float = nonneg(1.0, unit="elasticity of the export share to expected prices", source=external(
        "Deaton and Laroque, On the behaviour of commodity prices, Review of Economic Studies: competitive "
        "storage holds stock when prices are low and releases it when they are high; UNODC Afghanistan "
        "Opium Survey 2023: after the ban traders sold opium from stocks as prices rose; direction only, the "
        "size is an assumption", 1992), range=(0.0, 3.0),
        doc="traders ship more of their stock when expected prices are above their references, less when below")
    spinup_weeks: int = param(52, unit="weeks", source=ASSUMPTION, bounds=(0, 520), range=(26, 104),
                              doc="weeks the market runs before the start, production spread evenly, so that the "
                                  "run starts from a trade in motion")
    initial_stock_years: float = nonneg(0.5, unit="years of production", source=ASSUMPTION, range=(0.2, 2.0))
    speed_km_per_week: float = nonneg(700.0, unit="km/week", source=ASSUMPTION, range=(300.0, 1500.0),
                                      doc="pace of a shipment including stashing")
    max_detour: float = param(1.5, unit="x the route's shortest path km", source=ASSUMPTION, range=(1.0, 2.0),
                              bounds=(1.0, 10.0), doc="a route's path through another border crossing is used "
                              "if no longer than this; 1 keeps only the shortest path")
    transit_sales_share: float = share(0.03, unit="share sold per week in a transit market", source=_ROUTES,
                                       range=(0.0, 0.1), doc="share sold in Iran, Pakistan, Central Asia, Turkey at their reference "
                                       "price; it scales with price / reference price")
    market_memory: float = share(0.25, unit="weight of this week's supply", source=ASSUMPTION, range=(0.1, 1.0),
                                 doc="markets price against supply averaged over about 1/memory weeks")
    price_memory: float = share(0.25, unit="weight of this week's price", source=ASSUMPTION, range=(0.1, 1.0),
                                doc="organisations plan on prices averaged over about 1/memory weeks")
    price_adjustment: float = share(0.2, unit="share of the log gap to the market-clearing price closed per month",
                                    source=external(
        "EMCDDA and Europol, EU Drug Market: Heroin and other opioids: the average EU wholesale heroin price "
        "was 29,213 EUR/kg in 2017 and 24,099 in 2021, a drift of a few percent a year; the speed is an "
        "assumption", 2024), range=(0.05, 0.5),
        doc="wholesale prices follow supply over months, not weeks; a month's change in log price is at most "
            "this share of the gap")
    price_floor: float = nonneg(0.2, unit="x reference price", source=ASSUMPTION, range=(0.05, 0.5),
                                doc="lowest market-clearing price of a glutted market")
    price_cap: float = nonneg(5.0, unit="x reference price", source=ASSUMPTION, range=(2.0, 10.0),
                              doc="highest wholesale price a starved market rises to")
    price_elasticity: float = nonneg(1.0, unit="|price elasticity of demand|", source=external(
        "within published estimates for heroin demand, about 0.3-1.2 in absolute value (e.g. Gallet's "
        "meta-analysis of illicit drug demand, Health Economics; approximate)", 2014), range=(0.3, 1.5))
    demand_scale_rus: float = nonneg(0.3, unit="x Russian demand in drug_markets.csv", source=CALIBRATED,
                                     range=(0.3, 1.9), doc="fitted to the northern route's share of Afghan "
                                     "opiate exports; the range spans 12-75 t/yr: the estimates the data file "
                                     "cites, and below them the shift to synthetics the article describes; the "
                                     "fit ends at the range's lower edge (bound-limited, not an interior optimum)")
    krokodil_substitution: float = share(0.05, unit="share of Russian demand lost per year", source=article(
        "higher demand for “krokodil,” a synthetic and cheaper heroin-like drug"), range=(0.0, 0.15))
    rest_of_world_opium_tonnes: float = nonneg(1300.0, unit="tonnes/year", source=external(
        "UNODC World Drug Report: opium outside Afghanistan (Myanmar, Mexico, others), approximate", 2020),
        range=(800.0, 2000.0))
    rest_of_world_seizures_tonnes: float = nonneg(90.0, unit="heroin+morphine tonnes/year", source=external(
        "UNODC World Drug Report: global heroin and morphine seizures about 100-130 t/yr, less the Afghan "
        "routes' (approximate)", 2020), range=(50.0, 130.0))
    route_costs: RouteCosts = sub(RouteCosts)
    interdiction: InterdictionLearning = sub(InterdictionLearning)
    traffickers: TraffickerLearning = sub(TraffickerLearning)
