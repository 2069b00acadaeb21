"""The dashboard page (Solara): explore an experiment, compare it with a reference, browse saved
results. What it does lives in :mod:`sim.dashboard.logic`; this module only lays it out.

Every browser session has its own state and its own run (a Solara task is per session), so
sessions neither see nor cancel each other's runs; the warm pool of workers is shared.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import solara
import solara.lab

from sim.dashboard import logic as L

RESULTS = Path(os.environ.get("SIM_DASHBOARD_RESULTS", "results"))
BUDGET = int(os.environ.get("SIM_DASHBOARD_BUDGET", str(L.BUDGET)))
OUTCOMES = ["n_hosted_ca", "cum_irregular_ca", "n_hosted_irn", "n_hosted_pak", "cum_returned", "cum_onward_to_rus",
            "cum_militants_infiltrated", "p_major_attack_rus", "cum_supply_rus_tonnes", "russia_influence_ca",
            "moscow_net_payoff"]
SOURCE = "Source: afghan-spillover-sim dashboard run"


REFRESH_S = 1.0  # the charts redraw at most this often while a run goes on (the progress bar at every chunk)


@solara.lab.task(prefer_threaded=True)
def run_task(scenarios: dict, holder: dict):
    """Runs the job, yielding partial results (the first at once, then at most every REFRESH_S, and
    the last); the job sits in `holder` so Cancel can reach it. Drawing takes this process's time,
    which the workers on the same cores would otherwise have."""
    job = L.Job(scenarios)
    holder["job"] = job
    last = 0.0
    for partial in job.results():
        run_task.progress = 100.0 * partial.done / partial.total
        if partial.done == partial.total or time.perf_counter() - last >= REFRESH_S:
            yield partial
            last = time.perf_counter()
        if job.cancelled:
            return


def _fmt(x) -> str:
    from sim.plots.style import human

    return human(float(x)) if pd.notna(x) else "n/a"


@solara.component
def ControlInput(control: L.Control, values: solara.Reactive[dict], errors: solara.Reactive[dict]):
    """A text input that knows its range and unit; its source on hover; its error beside it."""
    current = values.value.get(control.key)
    text = "" if current is None else f"{current:g}"

    def set_value(s: str) -> None:
        new, errs = dict(values.value), dict(errors.value)
        errs.pop(control.key, None)
        try:
            v = L.check_value(control, s if s.strip() else None)
            if v is None or (control.default is not None and v == control.default and not s.strip()):
                new.pop(control.key, None)
            else:
                new[control.key] = v
        except L.DashboardError as e:
            errs[control.key] = str(e)
        values.value, errors.value = new, errs

    hint = f"{control.lo:g} to {control.hi:g} {control.unit}" + ("; empty: the state decides" if control.default is None
                                                                else f"; default {control.default:g}")
    with solara.Tooltip(f"{control.doc} Source: {control.source}".strip()):
        solara.InputText(control.label, value=text, on_value=set_value, continuous_update=False,
                         error=errors.value.get(control.key, False) or False, placeholder=hint,
                         classes=[f"control-{control.key.replace('.', '-')}"])
    if control.key in errors.value:
        solara.Text(errors.value[control.key], classes=["control-error"], style={"color": "#B00020"})


@solara.component
def Explore():
    experiment = solara.use_reactive("baseline")
    reference = solara.use_reactive("baseline")
    replicates = solara.use_reactive(20)
    futures = solara.use_reactive(1)
    source = solara.use_reactive("none")
    values = solara.use_reactive({})
    errors = solara.use_reactive({})
    message = solara.use_reactive("")
    outcome = solara.use_reactive(OUTCOMES[0])
    param_key = solara.use_reactive("")
    holder = solara.use_memo(dict, [])
    levers = solara.use_memo(L.lever_controls, [])
    params = solara.use_memo(L.parameter_controls, [])
    by_key = {c.key: c for c in levers + params}

    def request(exp: str) -> L.Request:
        vals = tuple(sorted(values.value.items())) if exp == experiment.value else \
            tuple(sorted((k, v) for k, v in values.value.items() if not k.startswith("policy.")))
        return L.Request(exp, vals, int(replicates.value), int(futures.value), source.value)

    def start() -> None:
        message.value = ""
        if errors.value:
            message.value = next(iter(errors.value.values()))
            return
        try:
            scenarios = {experiment.value: L.validate(request(experiment.value), BUDGET)}
            if reference.value != experiment.value or any(k.startswith("policy.") for k in values.value):
                label = reference.value if reference.value != experiment.value else f"{reference.value} (reference)"
                scenarios = {label: L.validate(request(reference.value), BUDGET), **scenarios}
        except L.DashboardError as e:
            message.value = str(e)
            key = str(e).split(" ", 1)[0]
            if key in by_key:
                errors.value = {**errors.value, key: str(e)}
            return
        run_task(scenarios, holder)

    def cancel() -> None:
        if "job" in holder:
            holder["job"].cancel()
        run_task.cancel()

    with solara.Columns([1, 2]):
        with solara.Column():
            solara.Select("experiment", values=L.experiments(), value=experiment)
            solara.Markdown(f"*{L.question(experiment.value)}*")
            solara.Select("compare with", values=L.experiments(), value=reference)
            with solara.Details("Levers", expand=True):
                for c in levers:
                    ControlInput(c, values, errors)
            with solara.Details("Uncertain parameters"):
                solara.Select("parameter", values=[""] + [c.key for c in params], value=param_key)
                if param_key.value:
                    ControlInput(by_key[param_key.value], values, errors)
                for k in [k for k in values.value if not k.startswith("policy.") and k != param_key.value]:
                    solara.Text(f"{k} = {values.value[k]:g}")
            solara.InputInt("replicates", value=replicates)
            solara.Select("futures from", values=list(L.SOURCES), value=source)
            solara.InputInt("futures", value=futures)
            with solara.Row():
                solara.Button("Run", on_click=start, color="primary", disabled=run_task.pending,
                              classes=["run-button"])
                solara.Button("Cancel", on_click=cancel, disabled=not run_task.pending, classes=["cancel-button"])
            if message.value:
                solara.Error(message.value, classes=["run-error"])
        with solara.Column():
            Results(run_task.latest, outcome, run_task.pending, run_task.progress, reference.value)


@solara.component
def Results(partial: L.Partial | None, outcome: solara.Reactive[str], pending: bool, progress, reference: str):
    if pending:
        solara.ProgressLinear(progress if progress is not None else True)
    if partial is None:
        solara.Text("Set the levers and press Run.")
        return
    Charts(partial, outcome, reference)


@solara.component
def Charts(partial: L.Partial, outcome: solara.Reactive[str], reference: str):
    solara.Text(f"{partial.done} of {partial.total} runs done", classes=["runs-done"])
    solara.Select("outcome", values=OUTCOMES, value=outcome)
    # Drawn once per partial result and outcome, not again when only the progress bar moves.
    key = [id(partial), outcome.value]
    fan = solara.use_memo(lambda: L.fan(partial, outcome.value, SOURCE), key)
    fan_png = solara.use_memo(lambda: L.figure_bytes(fan), key)
    dist_png = solara.use_memo(lambda: L.figure_bytes(L.distribution(partial, outcome.value, SOURCE)), key)
    ref = reference if reference in partial.outcomes else f"{reference} (reference)"
    comp = solara.use_memo(lambda: L.comparison(partial, ref, OUTCOMES), [id(partial), ref])
    solara.Image(fan_png)
    with solara.Row():
        solara.FileDownload(lambda: L.figure_bytes(fan, "png", 300), f"fan_{outcome.value}.png", label="PNG")
        solara.FileDownload(lambda: L.figure_bytes(fan, "svg"), f"fan_{outcome.value}.svg", label="SVG")
        solara.FileDownload(lambda: L.outcomes_csv(partial), "outcomes.csv", label="CSV")
    if not comp.empty:
        rows = ["| outcome | " + ref + " | " + comp["scenario"].iloc[0] + " | difference (90% interval) |",
                "|---|---|---|---|"]
        rows += [f"| {r['outcome']} | {_fmt(r['baseline_median'])} | {_fmt(r['scenario_median'])} | "
                 f"{_fmt(r['mean_diff'])} ({_fmt(r['ci_low'])} to {_fmt(r['ci_high'])}) |" for _, r in comp.iterrows()]
        solara.Markdown("**Paired with the reference** (same futures and replicates)\n\n" + "\n".join(rows))
    solara.Image(dist_png)


@solara.component
def Saved():
    folders = solara.use_memo(lambda: L.results_folders(RESULTS), [])
    chosen = solara.use_reactive("")
    other = solara.use_reactive("")
    solara.Select("results folder", values=[""] + folders, value=chosen)
    if not chosen.value:
        solara.Text(f"{len(folders)} results folders under {RESULTS}")
        return
    folder = L.open_folder(RESULTS, chosen.value)
    summary = pd.read_csv(folder / "summary.csv")
    solara.Markdown(f"**{chosen.value}**")
    solara.DataFrame(summary.head(40))
    solara.FileDownload(lambda: (folder / "summary.csv").read_bytes(), "summary.csv", label="summary CSV")
    figs = sorted(p for p in (folder / "memo").glob("*.png")) if (folder / "memo").is_dir() else []
    for p in figs[:12]:
        with solara.Row():
            solara.Text(p.stem)
            solara.FileDownload(lambda p=p: p.read_bytes(), p.name, label="PNG")
            svg = p.with_suffix(".svg")
            if svg.is_file():
                solara.FileDownload(lambda s=svg: s.read_bytes(), svg.name, label="SVG")
    solara.Select("compare with", values=[""] + [f for f in folders if f != chosen.value], value=other)
    if other.value:
        solara.Markdown(L.saved_comparison(RESULTS, chosen.value, other.value, OUTCOMES))


@solara.component
def Page():
    solara.Title("Afghan withdrawal spillover: dashboard")
    with solara.lab.Tabs():
        with solara.lab.Tab("Explore"):
            Explore()
        with solara.lab.Tab("Saved results"):
            Saved()
