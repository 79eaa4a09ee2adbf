"""Unit parsing on the literal forms sacct, Snakemake and Kubernetes print."""

from datetime import UTC, datetime

import pytest

from wavecast.metrics import units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456K", 123456 * 1024),
        ("1.5G", 1.5 * 1024**3),
        ("4000M", 4000 * 1024**2),
        ("2T", 2 * 1024**4),
        ("0", 0.0),
        ("512", 512 * 1024),  # bare MaxRSS is KiB
    ],
)
def test_memory_bytes(text, expected):
    assert units.memory_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "Unknown", "  ", None, "NA"])
def test_memory_no_value_is_none_not_zero(text):
    assert units.memory_bytes(text) is None


def test_memory_garbage_raises():
    with pytest.raises(ValueError, match="not a memory amount"):
        units.memory_bytes("lots")


def test_reqmem_per_cpu_and_per_node():
    assert units.reqmem_bytes("2Gc", ncpus=4) == 8 * 1024**3
    assert units.reqmem_bytes("16Gn", nnodes=2) == 32 * 1024**3
    assert units.reqmem_bytes("500M") == 500 * 1024**2
    assert units.reqmem_bytes("") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:00", 0),
        ("00:00:05", 5),
        ("01:02:03", 3723),
        ("1-02:02:04", 93724),
        ("3-10:00:00", 295200),
        ("04:00.500", 240.5),  # TotalCPU MM:SS.sss
        ("00:00.002", 0.002),
        ("05:06", 306),
        ("2-00", 2 * 86400),  # D-HH
        ("0:01:01", 61),  # Snakemake h:m:s
        ("1 day, 0:00:03", 86403),
        ("42", 42),
    ],
)
def test_duration_seconds(text, seconds):
    assert units.duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["UNLIMITED", "Partition_Limit", "INVALID", "Unknown", ""])
def test_duration_no_value(text):
    assert units.duration_seconds(text) is None


def test_timestamps():
    assert units.timestamp("Unknown") is None
    assert units.timestamp("None") is None
    utc = units.timestamp("2026-11-21T10:00:05Z")
    assert utc == datetime(2026, 11, 21, 10, 0, 5, tzinfo=UTC)
    local = units.timestamp("2026-11-21T14:59:36")
    assert local is not None and local.tzinfo is not None
    assert local == datetime(2026, 11, 21, 14, 59, 36).astimezone()


def test_kubernetes_quantities():
    assert units.k8s_cpu("950m") == pytest.approx(0.95)
    assert units.k8s_cpu("2") == 2.0
    assert units.k8s_memory_bytes("8192M") == 8192 * 1000**2
    assert units.k8s_memory_bytes("2Gi") == 2 * 1024**3


def test_backend_sizes_round_trip():
    assert units.size_bytes("512m") == 512 * 1024**2
    assert units.format_size(1.5 * 1024**3) == "1.5g"
    assert units.format_size(4 * 1024**3) == "4g"
