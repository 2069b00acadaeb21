"""``sim-bench model`` with tiny settings: its report follows the options it was given."""

import re

import pytest

from sim import bench


def test_bench_model_reports_phases_memory_and_throughput_for_the_options_given(capsys):
    bench.main(["model", "--repeats", "1", "--replicates", "2", "--workers", "1",
                "--mesa-people", "200", "--mesa-days", "2"])
    out = capsys.readouterr().out
    assert re.search(r"^baseline replicate \(60 months, daily steps\), median of 1 after", out, re.M)
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    shares = {r[0]: float(r[3].rstrip("%")) for r in rows if len(r) >= 4 and r[3].endswith("%")}
    assert set(shares) == {"states", "refugees", "narcotics", "security", "other"}  # one row per phase
    assert sum(shares.values()) == pytest.approx(100, abs=0.5)
    heap, rss = map(float, re.search(r"peak memory: ([\d.]+) MB Python heap .*, (\d+) MB max RSS", out).groups())
    assert 0 < heap < rss
    (rate, seconds), = re.findall(r"run_batch of 2 replicates, 1 worker\(s\): ([\d.]+) replicates/s \(([\d.]+) s\)",
                                  out)  # one line per worker count asked for
    rate, seconds = float(rate), float(seconds)
    assert rate * seconds == pytest.approx(2, abs=0.05 * rate + 0.005 * seconds)  # as printed, to 0.1 s and 0.01/s
    mesa, ours, ratio = re.search(r"200 mesa.Agent objects x 2 days .* ([\d,]+) agent-steps/s; .* ([\d,]+) "
                                  r"agent-steps/s; ratio (\d+)x", out).groups()
    assert int(ratio) == round(int(ours.replace(",", "")) / int(mesa.replace(",", "")))


def test_bench_ensemble_reports_throughput_time_and_memory_for_the_options_given(capsys):
    bench.main(["ensemble", "--futures", "4", "--replicates", "2", "--horizon", "2", "--workers", "1",
                "--plain", "10", "--executors", "local"])
    out = capsys.readouterr().out
    plain = float(re.search(r"^plain batch: sim-run replicates=10 \(2 months\), 1 workers: [\d.]+ runs/s, ([\d.]+) "
                            r"runs/s per core", out, re.M).group(1))
    twin, share = re.search(r"^ensemble of the same work: 1 futures .* ([\d.]+) runs/s per core, (\d+)% of", out,
                            re.M).groups()
    assert abs(int(share) - 100 * float(twin) / plain) <= 1  # both printed rounded
    runs, peak = re.search(r"^ensemble drawn from the ranges: 4 futures x 2 replicates = (\d+) runs, executor=local, "
                           r"1 workers: .* peak memory ([\d.]+) GiB", out, re.M).groups()
    assert int(runs) == 8 and float(peak) > 0
