"""A feedback session's rules: baseline, threshold for a target reward rate, reward, blocks.

* **Baseline** (``baseline_s``, 2-5 min in practice; neurofeedback.md §2): feature values of
  accepted windows are collected with no reward. At its end the threshold is the percentile
  of those values that a target reward rate implies (70% by default: the 30th percentile
  for an "up" protocol), and the muscle rule's limit is set from the same windows.
* **Reward**: an accepted window whose value is above the threshold ("up"; below it for a
  "down" protocol). A rejected window gives no reward and the display holds still.
* **Blocks**: feedback time is cut into blocks (``block_s``); each gets its stats.

Defaults are the UNVERIFIED figures of ``domain/data/neurofeedback.json``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.domain import artifacts
from trdcare.neurofeedback.domain.engine import Pipeline, WindowResult

# A threshold from fewer accepted windows than this is not set; the baseline runs on (DESIGN).
MIN_BASELINE_WINDOWS = 10


def threshold_for_rate(values: list[float], target_reward_pct: float, direction: str) -> float:
    """The threshold that ``target_reward_pct`` % of ``values`` pass (strictly above for
    "up", strictly below for "down"); numpy's linear percentile.

    >>> threshold_for_rate([1.0, 2.0, 3.0, 4.0, 5.0], 50.0, "up")
    3.0
    """
    if not 0 < target_reward_pct < 100:
        raise InvalidInput.single(
            "target_reward_pct", "out of range", allowed="0 < % < 100", given=target_reward_pct
        )
    q = 100 - target_reward_pct if direction == "up" else target_reward_pct
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


@dataclass
class BlockStats:
    index: int
    phase: str  # "baseline" or "feedback"
    start_s: float
    end_s: float = 0.0
    windows: int = 0
    rejected: int = 0
    rewarded: int = 0
    feature_sum: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def accepted(self) -> int:
        return self.windows - self.rejected

    def to_dict(self, hop_s: float) -> dict[str, object]:
        return {
            "index": self.index,
            "phase": self.phase,
            "start_s": round(self.start_s, 6),
            "end_s": round(self.end_s, 6),
            "windows": self.windows,
            "rejected_windows": self.rejected,
            "rejected_s": round(self.rejected * hop_s, 6),
            "pct_artifact": _pct(self.rejected, self.windows),
            "mean_feature": self.feature_sum / self.accepted if self.accepted else None,
            "pct_time_rewarded": _pct(self.rewarded, self.windows),
            "reward_rate_pct": _pct(self.rewarded, self.accepted),
            "rejected_by": {r: self.reasons[r] for r in artifacts.REASONS if self.reasons[r]},
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 3) if whole else None


@dataclass(frozen=True, slots=True)
class Feedback:
    """What the patient's display and the recorder get for one window."""

    window: WindowResult
    phase: str
    block: int
    threshold: float | None
    rewarded: bool


class FeedbackSession:
    """Drive a :class:`Pipeline`'s windows through baseline and feedback blocks.

    ``threshold`` given up front skips the baseline (a fixed threshold, e.g. ALAY's A > 0).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        baseline_s: float,
        block_s: float,
        target_reward_pct: float,
        threshold: float | None = None,
    ) -> None:
        for name, value, low in (("baseline_s", baseline_s, 0.0), ("block_s", block_s, 1e-9)):
            if not (np.isfinite(value) and value >= low):
                raise InvalidInput.single(
                    name, "out of range", allowed=f">= {low:g} s", given=value
                )
        if threshold is None and baseline_s == 0:
            raise InvalidInput.single(
                "baseline_s",
                "a session without a baseline needs a threshold",
                allowed="a baseline > 0 s, or --threshold",
                given=baseline_s,
            )
        threshold_for_rate([0.0], target_reward_pct, "up")  # range check
        self.pipeline = pipeline
        self.baseline_s = baseline_s
        self.block_s = block_s
        self.target_reward_pct = target_reward_pct
        self.threshold = threshold
        self.threshold_source = "given" if threshold is not None else "baseline"
        self.hop_s = pipeline.plan.hop_n / pipeline.sfreq_hz
        self._baseline_values: list[float] = []
        self._baseline_muscle: list[list[float]] = []
        self.blocks: list[BlockStats] = []
        self.baseline_extended = False
        self.events: list[tuple[float, str]] = []
        self._feedback_start_s: float | None = None if threshold is None else 0.0

    @property
    def phase(self) -> str:
        return "baseline" if self.threshold is None else "feedback"

    def push(self, windows: list[WindowResult]) -> list[Feedback]:
        return [self._one(w) for w in windows]

    def _block(self, phase: str, t: float) -> BlockStats:
        if phase == "baseline":
            if not self.blocks:
                self.blocks.append(BlockStats(0, "baseline", t - self.hop_s))
                self.events.append((t - self.hop_s, "baseline start"))
            return self.blocks[-1]
        assert self._feedback_start_s is not None
        # window ends are multiples of the hop; guard the float division at block edges
        elapsed = t - self.hop_s - self._feedback_start_s
        n = max(0, int(elapsed / self.block_s + 1e-9))
        feedback_blocks = [b for b in self.blocks if b.phase == "feedback"]
        if len(feedback_blocks) <= n:
            block = BlockStats(len(self.blocks), "feedback", t - self.hop_s)
            self.blocks.append(block)
            self.events.append((block.start_s, f"block {len(feedback_blocks) + 1} start"))
            return block
        return feedback_blocks[-1]

    def _one(self, w: WindowResult) -> Feedback:
        phase = self.phase
        block = self._block(phase, w.time_s)
        block.windows += 1
        block.end_s = w.time_s
        rewarded = False
        if not w.accepted:
            block.rejected += 1
            block.reasons.update(w.reasons)
        else:
            assert w.feature is not None
            block.feature_sum += w.feature
            if phase == "baseline":
                self._baseline_values.append(w.feature)
                self._baseline_muscle.append([float(v) for v in w.muscle_log10])
            else:
                assert self.threshold is not None
                up = self.pipeline.protocol.direction == "up"
                rewarded = w.feature > self.threshold if up else w.feature < self.threshold
                block.rewarded += int(rewarded)
        fb = Feedback(w, phase, block.index, self.threshold, rewarded)
        if phase == "baseline" and w.time_s >= self.baseline_s:
            self._end_baseline(w.time_s)
        return fb

    def _end_baseline(self, t: float) -> None:
        if len(self._baseline_values) < MIN_BASELINE_WINDOWS:
            if not self.baseline_extended:
                self.events.append((t, "baseline extended: too few windows without artifact"))
            self.baseline_extended = True
            return
        self.threshold = threshold_for_rate(
            self._baseline_values, self.target_reward_pct, self.pipeline.protocol.direction
        )
        muscle = np.asarray(self._baseline_muscle, dtype=np.float64)
        if self.pipeline.muscle_enabled:
            self.pipeline.set_muscle_limit(
                artifacts.muscle_limit(muscle, self.pipeline.settings.gate.muscle_sd)
            )
        self._feedback_start_s = t
        self.events.append((t, f"baseline end; threshold {self.threshold:.6g}"))

    def summary(self) -> dict[str, object]:
        """Mean feature, % time rewarded, % artifact and duration, over the feedback blocks
        (the baseline's own figures beside them)."""
        fb = [b for b in self.blocks if b.phase == "feedback"]
        base = [b for b in self.blocks if b.phase == "baseline"]
        windows = sum(b.windows for b in fb)
        rejected = sum(b.rejected for b in fb)
        rewarded = sum(b.rewarded for b in fb)
        accepted = windows - rejected
        feature_sum = sum(b.feature_sum for b in fb)
        total_windows = sum(b.windows for b in self.blocks)
        limit = self.pipeline.muscle_limit
        return {
            "duration_s": round(total_windows * self.hop_s, 6),
            "feedback_s": round(windows * self.hop_s, 6),
            "windows": windows,
            "rejected_windows": rejected,
            "mean_feature": feature_sum / accepted if accepted else None,
            "pct_time_rewarded": _pct(rewarded, windows),
            "reward_rate_pct": _pct(rewarded, accepted),
            "pct_artifact": _pct(rejected, windows),
            "threshold": self.threshold,
            "threshold_source": self.threshold_source,
            "target_reward_pct": self.target_reward_pct,
            "baseline": base[0].to_dict(self.hop_s) if base else None,
            "baseline_extended": self.baseline_extended,
            "muscle_limit_log10_v2": list(limit.log10_limit) if limit else None,
            "blocks": [b.to_dict(self.hop_s) for b in fb],
        }
