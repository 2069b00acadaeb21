"""The Mesa model: a calendar of days and an ordered list of phases, one module each."""

from __future__ import annotations

import bisect
import functools
import math
import dataclasses
from dataclasses import dataclass
from typing import Sequence

import mesa
import numpy as np

from sim.calendar import Calendar
from sim.config import Config, check_network_refs, validate
from sim.coupling import Coupling
from sim.draws import named_stream
from sim.network import Network, load_network
from sim.outcomes import Outcome, registry
from sim.narcotics import phase as narcotics
from sim.phase import ORDER, Phase
from sim.policy import STATUS_QUO, iter_levers
from sim.refugees import phase as refugees
from sim.scorecard import Scorecard
from sim.security import phase as security
from sim.states import phase as states

# The ordered step: every day each phase runs once, in this order (sim.phase.ORDER names it);
# on days when only the refugees move, SpilloverModel.run lets them run several days at once.
PHASES: tuple[Phase, ...] = (
    states,     # 1. states review their policies (admission, alignment, recognition, US return)
    refugees,   # 2. people are displaced, move, cross borders or are turned back
    narcotics,  # 3. opiates are produced, shipped, seized and consumed
    security,   # 4. militants, radicalization and attack risk
)


def release_agent_ids(model: mesa.Model) -> None:
    """Let a finished model be garbage-collected. Mesa before 3.4 keeps each model as a key of the
    class-level ``mesa.Agent._ids`` (its agents' id counters) for the life of the process, so a
    worker running thousands of replicates grew by about 0.25 MB a run (mesa issue 3179, fixed by
    pull request 3180). No agent is created after a run ends, so its counter is not needed."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


@functools.lru_cache(maxsize=32)
def record_days(calendar: Calendar) -> tuple[int, ...]:
    """Days on which monthly outcomes are recorded: each month's last day, and the last day."""
    return tuple(d for d in range(1, calendar.n_days + 1) if calendar.is_month_end(d))


@dataclass
class RunResult:
    """Outcomes of one replicate: scalars by name, and monthly series (rows = record dates)."""

    scalars: dict[str, float]
    series_names: tuple[str, ...]
    series: np.ndarray
    dates: tuple
    flows: list = dataclasses.field(default_factory=list)  # (source, target, quantity, value) rows


class SpilloverModel(mesa.Model):
    """Regional consequences of the 2021 US withdrawal from Afghanistan.

    Args:
        cfg: a validated :class:`~sim.config.Config` (the model validates it again).
        rng: seed or numpy Generator; the model's only source of randomness.
        network: a loaded :class:`~sim.network.Network` (loaded from the config when None).
        phases: the ordered step (default :data:`PHASES`); each phase's random stream is keyed
            by its name, so adding or reordering phases leaves every other phase's draws as
            they were.
    """

    def __init__(self, cfg: Config, *, rng: int | np.random.Generator | None = None,
                 network: Network | None = None, phases: Sequence[Phase] = PHASES) -> None:
        super().__init__(rng=rng)
        self.phases = tuple(phases)
        self.cfg = validate(cfg)
        c = cfg.model.calendar
        self.calendar = Calendar.from_config(c.start, c.horizon_months)
        self.network = network if network is not None else load_network(
            cfg.model.network.locations_file, cfg.model.network.links_file)
        check_network_refs(cfg, self.network)
        # One random stream per phase, keyed by its name: draws in one submodel never shift
        # another's, so paired comparisons stay paired, whatever phases run and in what order.
        seeds = self.rng.bit_generator.seed_seq
        self.streams = {ph.NAME: named_stream(seeds, ph.NAME) for ph in self.phases}
        self.day = 0
        self._lever_start = {
            name: self.calendar.day_of(lever.start_date(self.calendar, f"policy.{name}"))
            for name, lever in iter_levers(cfg.policy)
        }
        # Moscow's scorecard is scored on every phase's outcomes: only with the full model.
        self.scorecard = Scorecard(cfg) if set(ORDER) <= {p.NAME for p in self.phases} else None
        self.outcomes: dict[str, Outcome] = registry(self.phases, scorecard=self.scorecard is not None)
        self.series_names = tuple(name for name, o in self.outcomes.items() if o.series)
        self._record_days = record_days(self.calendar)
        self._record_set = frozenset(self._record_days)
        self._series = np.full((len(self._record_days), len(self.series_names)), np.nan)
        self._row = 0
        self.coupling = Coupling()  # all that phases share (sim.coupling)
        for phase in self.phases:
            phase.setup(self)

    @property
    def date(self):
        return self.calendar.date(self.day)

    def lever(self, name: str):
        """Lever `name` as it stands today: as configured from its start date, and before it at
        its status-quo setting (the defaults of :class:`~sim.policy.PolicyConfig`, which
        ``conf/policy/status_quo.yaml`` leaves unchanged)."""
        return getattr(self.cfg.policy if self.day >= self._lever_start[name] else STATUS_QUO, name)

    def lever_start_day(self, name: str) -> int:
        """The day the lever's setting replaces its status quo (0 or less: from the start)."""
        return self._lever_start[name]

    def lever_starts_today(self, name: str) -> bool:
        """Whether today is the lever's start date (a lever starting on day 0 acts on day 1)."""
        return self.day == max(1, self._lever_start[name])

    def step(self) -> None:
        self.day += 1
        for phase in self.phases:
            phase.step(self)
        if self.day in self._record_set:
            self._record()
        if self.day >= self.calendar.n_days:
            self.running = False

    def _record(self) -> None:
        values: dict[str, float] = {}
        for phase in self.phases:
            values.update(phase.observe(self))
        if self.scorecard is not None:
            values.update(self.scorecard.observe(values))
        self._series[self._row] = [values[name] for name in self.series_names]
        self._row += 1

    def run(self) -> RunResult:
        """Run to the end of the horizon and return the outcomes.

        Days on which only one phase has anything to do are run by that phase in one call (its
        ``advance``), when every phase says which days it acts on (``next_busy_day``): most days
        only refugees move, while the states review, opiates ship and militants count once a
        week. The numbers are those of calling :meth:`step` every day (a test holds them equal).
        """
        advancing = [phase for phase in self.phases if hasattr(phase, "advance")]
        stretches = len(advancing) == 1 and all(hasattr(phase, "next_busy_day") for phase in self.phases)
        while self.running:
            quiet = self.quiet_days() if stretches else 0
            if quiet:
                advancing[0].advance(self, quiet)
                self.day += quiet
            self.step()
        release_agent_ids(self)
        return self.result()

    def quiet_days(self) -> int:
        """How many days from tomorrow on no phase acts but the one that advances (no record either)."""
        tomorrow = self.day + 1
        busy = min(self._record_days[bisect.bisect_left(self._record_days, tomorrow)],
                   *(phase.next_busy_day(self, tomorrow) for phase in self.phases))
        return busy - tomorrow

    def result(self) -> RunResult:
        scalars: dict[str, float] = {}
        for j, name in enumerate(self.series_names):
            col = self._series[: self._row, j]
            how = self.outcomes[name].reduce
            if self._row == 0:
                scalars[name] = math.nan
            elif how == "final":
                scalars[name] = float(col[-1])
            elif how == "mean":
                scalars[name] = float(col.mean())
            elif how == "sum":
                scalars[name] = float(col.sum())
            else:
                scalars[name] = float(col.max())
        for phase in self.phases:
            scalars.update(phase.final(self))
        missing = [n for n in self.outcomes if n not in scalars]
        if missing:
            raise RuntimeError(f"outcomes registered but never set: {missing}")
        ordered = {name: scalars[name] for name in self.outcomes}
        dates = tuple(self.calendar.date(d) for d in self._record_days[: self._row])
        flows = [row for phase in self.phases if hasattr(phase, "flows") for row in phase.flows(self)]
        return RunResult(ordered, self.series_names, self._series[: self._row].copy(), dates, flows)
