"""The browser dashboard (sim-dashboard): logic.py holds what it does, app.py the Solara page."""
