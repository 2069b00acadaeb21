"""Smoke test of ``sim-bench model`` with tiny settings."""

import pytest

from sim import bench


def test_bench_model_prints_time_phases_memory_throughput_and_mesa_ratio(capsys):
    bench.main(["model", "--repeats", "1", "--replicates", "2", "--workers", "1",
                "--mesa-people", "200", "--mesa-days", "2"])
    out = capsys.readouterr().out
    assert "baseline replicate" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    shares = {r[0]: float(r[3].rstrip("%")) for r in rows if len(r) >= 4 and r[3].endswith("%")}
    assert set(shares) == {"states", "refugees", "narcotics", "security", "other"}  # one row per phase
    assert sum(shares.values()) == pytest.approx(100, abs=0.5)
    assert "peak memory" in out
    assert "replicates/s" in out
    assert "ratio" in out
