"""Agent-based policy scenarios for the regional consequences of the 2021 US withdrawal from Afghanistan."""

__version__ = "0.1.0"
