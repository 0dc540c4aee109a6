"""Neurofeedback engine: per-update processing time and LSL end-to-end latency (issue 11).

Set-up (the issue's): 64 channels at 1,000 Hz, 1 s windows updated every 100 ms, FAA
(F4/F3 alpha) plus a band-ratio protocol (theta/alpha at Pz) with artifact gating, on the
seeded synthetic EEG, one thread (BLAS/FFT threads pinned to 1 before numpy loads).

* ``update``: one :meth:`Pipeline.push` of a 100 ms chunk, everything included: causal
  filtering of the new samples, ring buffers, the new Welch segment of all 64 channels,
  the artifact figures of all 64 channels (signal quality), the gates, both features.
* ``reference``: the same windows recomputed as a script would: ``scipy.signal.welch`` on
  the whole 64 x 1,000 window (same segments: 500 samples, 400 overlap) plus the band sums,
  on the already-filtered signal (so the reference does *less* work than ``update``).
* Wall-clock and the thread's CPU time (``time.thread_time``) are both given: on a shared
  machine the wall-clock tail is other processes' preemption, the CPU time is the work.
* ``lsl``: a pylsl outlet in a thread pushes 10-sample chunks at real-time pace; the
  room's LSL source pulls them and the pipeline processes them; latency = LSL clock when a
  feedback value exists - the LSL timestamp of the window's last sample (same machine).

Goals: update p99 < 2 ms on one core; >= 3x faster than the reference; LSL latency
< 20 ms plus the hop. Run: ``python bench/neurofeedback.py [--quick]``; the last line is
one JSON document with every figure.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import numpy as np  # noqa: E402
from scipy import signal  # noqa: E402

from trdcare.neurofeedback.domain.channels import TEN_TEN  # noqa: E402
from trdcare.neurofeedback.domain.engine import Pipeline, PipelineSettings  # noqa: E402
from trdcare.neurofeedback.domain.filters import CausalFilter, FilterSpec  # noqa: E402
from trdcare.neurofeedback.domain.protocols import make_protocol  # noqa: E402
from trdcare.neurofeedback.domain.spectrum import band_masks  # noqa: E402
from trdcare.neurofeedback.domain.synthetic import SyntheticEEG, spec_with  # noqa: E402

SFREQ = 1000.0
CHANNELS = tuple(n for n in TEN_TEN if n not in ("A1", "A2", "M1", "M2", "T3", "T4", "T5", "T6"))[
    :64
]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def make_pipeline() -> Pipeline:
    return Pipeline(
        CHANNELS,
        SFREQ,
        make_protocol("faa"),
        PipelineSettings.defaults(),
        also=(make_protocol("alpha_theta", channels=["Pz"]),),
    )


def bench_updates(seconds: float) -> dict[str, float]:
    spec = spec_with(channels=CHANNELS, sfreq_hz=SFREQ, swing=0.4)
    data = SyntheticEEG(spec).generate(0, int(SFREQ * (seconds + 1)))
    pipe = make_pipeline()
    hop = pipe.plan.hop_n
    pipe.push(data[: pipe.plan.window_n - hop])  # fill up to the first window
    ours: list[float] = []
    ours_cpu: list[float] = []
    ends: list[int] = []
    for start in range(pipe.plan.window_n - hop, data.shape[0] - hop + 1, hop):
        c0, t0 = time.thread_time(), time.perf_counter()
        out = pipe.push(data[start : start + hop])
        ours.append(time.perf_counter() - t0)
        ours_cpu.append(time.thread_time() - c0)
        ends.extend(w.end_sample for w in out)
    # the reference, on the same (filtered) windows
    filtered = CausalFilter(FilterSpec(SFREQ, pipe.settings.highpass_hz), len(CHANNELS)).apply(data)
    plan = pipe.plan
    masks = band_masks(np.fft.rfftfreq(plan.segment_n, 1 / SFREQ), pipe.bands)
    ref: list[float] = []
    ref_cpu: list[float] = []
    for end in ends:
        window = filtered[end - plan.window_n : end]
        c0, t0 = time.thread_time(), time.perf_counter()
        _, psd = signal.welch(
            window, fs=SFREQ, window="hann", nperseg=plan.segment_n, noverlap=plan.noverlap, axis=0
        )
        _ = masks @ psd * (SFREQ / plan.segment_n)
        ref.append(time.perf_counter() - t0)
        ref_cpu.append(time.thread_time() - c0)
    ms = 1e3
    return {
        "updates": len(ours),
        "update_median_ms": statistics.median(ours) * ms,
        "update_p99_ms": pct(ours, 99) * ms,
        "update_mean_ms": statistics.fmean(ours) * ms,
        "reference_median_ms": statistics.median(ref) * ms,
        "reference_p99_ms": pct(ref, 99) * ms,
        "update_cpu_median_ms": statistics.median(ours_cpu) * ms,
        "update_cpu_p99_ms": pct(ours_cpu, 99) * ms,
        "reference_cpu_median_ms": statistics.median(ref_cpu) * ms,
        "reference_cpu_p99_ms": pct(ref_cpu, 99) * ms,
        "speedup_median": statistics.median(ref) / statistics.median(ours),
        "speedup_cpu_median": statistics.median(ref_cpu) / statistics.median(ours_cpu),
        "speedup_p99": pct(ref, 99) / pct(ours, 99),
        # seconds of signal processed per second of CPU
        "real_time_factor": (hop / SFREQ) / statistics.fmean(ours),
    }


def bench_lsl(seconds: float) -> dict[str, float]:
    import pylsl

    from trdcare.neurofeedback.sources.lsl import LslSource

    name = f"trdcare-bench-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EEG", len(CHANNELS), SFREQ, "float32", name)
    chans = info.desc().append_child("channels")
    for label in CHANNELS:
        ch = chans.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", "microvolts")
    outlet = pylsl.StreamOutlet(info, chunk_size=10)
    spec = spec_with(channels=CHANNELS, sfreq_hz=SFREQ, swing=0.4)
    data = (SyntheticEEG(spec).generate(0, int(SFREQ * (seconds + 2))) * 1e6).astype(np.float32)
    stop = threading.Event()

    def push() -> None:
        t0 = time.perf_counter()
        k = 0
        while not stop.is_set() and k + 10 <= data.shape[0]:
            due = t0 + (k + 10) / SFREQ
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            outlet.push_chunk(data[k : k + 10], pylsl.local_clock())
            k += 10

    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    src = LslSource(name)
    pipe = make_pipeline()
    latencies: list[float] = []
    got = 0
    try:
        t_end = time.monotonic() + seconds
        while time.monotonic() < t_end:
            chunk = src.read(0.005)
            if not chunk.shape[0]:
                continue
            got += chunk.shape[0]
            last_stamp = src.last_timestamp
            out = pipe.push(chunk)
            now = pylsl.local_clock()
            for w in out:
                assert last_stamp is not None
                stamp = last_stamp - (got - w.end_sample) / SFREQ
                latencies.append(now - stamp)
    finally:
        stop.set()
        thread.join()
        src.close()
    lat = latencies[5:]  # after the inlet's first buffering
    return {
        "lsl_windows": len(lat),
        "lsl_latency_median_ms": statistics.median(lat) * 1e3,
        "lsl_latency_p99_ms": pct(lat, 99) * 1e3,
        "lsl_latency_max_ms": max(lat) * 1e3,
        "hop_ms": pipe.plan.hop_n / SFREQ * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s of signal instead of 120 s")
    args = parser.parse_args()
    seconds = 20.0 if args.quick else 120.0
    figures = bench_updates(seconds)
    print(
        f"update ({figures['updates']} updates, 64 ch @ 1 kHz, FAA + theta/alpha, gated): "
        f"median {figures['update_median_ms']:.3f} ms, p99 {figures['update_p99_ms']:.3f} ms "
        f"(goal < 2 ms); real-time factor {figures['real_time_factor']:.0f}x"
    )
    print(
        f"  CPU time of the thread (the machine's other load left out): median "
        f"{figures['update_cpu_median_ms']:.3f} ms, p99 {figures['update_cpu_p99_ms']:.3f} ms; "
        f"reference median {figures['reference_cpu_median_ms']:.3f} ms, p99 "
        f"{figures['reference_cpu_p99_ms']:.3f} ms; speed-up {figures['speedup_cpu_median']:.2f}x"
    )
    print(
        f"reference scipy.signal.welch on the same windows: median "
        f"{figures['reference_median_ms']:.3f} ms, p99 {figures['reference_p99_ms']:.3f} ms; "
        f"speed-up {figures['speedup_median']:.2f}x median, {figures['speedup_p99']:.2f}x p99 (goal >= 3x)"
    )
    lsl = bench_lsl(5.0 if args.quick else 20.0)
    print(
        f"LSL sample -> feedback value: median {lsl['lsl_latency_median_ms']:.2f} ms, p99 "
        f"{lsl['lsl_latency_p99_ms']:.2f} ms, max {lsl['lsl_latency_max_ms']:.2f} ms over "
        f"{lsl['lsl_windows']} windows (goal < 20 ms + the {lsl['hop_ms']:.0f} ms hop)"
    )
    print(json.dumps(figures | lsl))


if __name__ == "__main__":
    main()
