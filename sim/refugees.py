"""Refugee flows (issue 3): displacement by Afghan crisis, movement over the network, border
decisions by each state's admission policy (from the states submodel: `admit_share`,
`screening`), onward migration to Russia, militants among movers.

Not built yet: this module holds the submodel's place in the model's ordered step. It
declares no outcomes and changes nothing, so runs measure the states submodel alone.
"""

from sim.outcomes import Outcome
from sim.phase import inactive_final as final  # noqa: F401
from sim.phase import inactive_observe as observe  # noqa: F401
from sim.phase import inactive_setup as setup  # noqa: F401
from sim.phase import inactive_step as step  # noqa: F401

OUTCOMES: tuple[Outcome, ...] = ()
