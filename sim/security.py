"""Security spillover (issue 5): militant stocks per country, radicalization in Russia,
attack risk.

Not built yet: this module holds the submodel's place in the model's ordered step. It
declares no outcomes and changes nothing, so runs measure the states submodel alone.
"""

from sim.outcomes import Outcome
from sim.phase import inactive_final as final  # noqa: F401
from sim.phase import inactive_observe as observe  # noqa: F401
from sim.phase import inactive_setup as setup  # noqa: F401
from sim.phase import inactive_step as step  # noqa: F401

OUTCOMES: tuple[Outcome, ...] = ()
