"""Preloaded by the replicate workers' forkserver only (see :mod:`sim.workers`): importing it
loads the compiled kernels into the server, so that the workers forked from it start warm.
Nothing else imports this module."""

from sim.workers import warm_up

warm_up()
