"""Smoke test of ``sim-bench model`` with tiny settings."""

from sim import bench


def test_bench_model_prints_time_phases_memory_throughput_and_mesa_ratio(capsys):
    bench.main(["model", "--repeats", "1", "--replicates", "2", "--workers", "1",
                "--mesa-people", "200", "--mesa-days", "2"])
    out = capsys.readouterr().out
    assert "baseline replicate" in out
    for phase in ("states", "refugees", "narcotics", "security"):
        assert phase in out
    assert "peak memory" in out
    assert "replicates/s" in out
    assert "ratio" in out
