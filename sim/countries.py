"""Country groups the submodels share (ISO3 codes; ``WEU`` is Western Europe as one node)."""

from __future__ import annotations

CENTRAL_ASIA = ("TJK", "UZB", "TKM", "KGZ", "KAZ")
# Where the withdrawal's security spillover is tracked: Central Asia and Russia. The coupling's
# per-country arrays (sim.coupling) are in this order.
SPILLOVER = (*CENTRAL_ASIA, "RUS")
NAMES = {
    "TJK": "Tajikistan", "UZB": "Uzbekistan", "TKM": "Turkmenistan", "KGZ": "Kyrgyzstan",
    "KAZ": "Kazakhstan", "CHN": "China", "IRN": "Iran", "PAK": "Pakistan", "RUS": "Russia",
}

# Neighbours that host millions of Afghans and choose deportation campaigns, in the order of
# the coupling's ``hosted`` and ``deportation`` arrays.
DEPORTERS = ("PAK", "IRN")
