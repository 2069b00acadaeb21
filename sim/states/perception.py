"""What a state perceives: its estimate of a quantity, from reports that come late and noisy.

A state never reads the model's hidden state. At each of its reviews it gets a report of each
quantity it watches: the true value, times log-normal noise of log standard deviation
`noise_sd` (mean 1), which reaches it `lag` reviews later; its estimate moves towards the
report by `memory` (an exponentially weighted mean). Public events (attacks) are reported
without noise or lag; intelligence estimates (militant stocks) with both.
"""

from __future__ import annotations

import math
from collections import deque


class Perceived:
    """A state's running estimate of one quantity: its `prior` (what it takes as normal) until
    the first report arrives, or with no prior, None until then and the first estimate as normal."""

    def __init__(self, lag: int, memory: float, noise_sd: float, prior: float | None = None) -> None:
        self.lag, self.memory, self.noise_sd = lag, memory, noise_sd
        self._pending: deque[float] = deque()
        self.value: float | None = prior
        self.first: float | None = prior  # what the state takes as normal

    def report(self, true_value: float, z: float) -> None:
        """One review's report of `true_value`, with standard normal `z` for its noise."""
        s, pending = self.noise_sd, self._pending
        pending.append(true_value * math.exp(s * z - s * s / 2))
        if len(pending) <= self.lag:
            return
        seen = pending.popleft()
        value = self.value
        self.value = value = seen if value is None else value + self.memory * (seen - value)
        if self.first is None:
            self.first = value

    def relative(self) -> float:
        """The estimate over the first estimate (1 until there is one; 1 when the first was 0)."""
        if self.value is None or not self.first:
            return 1.0
        return self.value / self.first
