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
