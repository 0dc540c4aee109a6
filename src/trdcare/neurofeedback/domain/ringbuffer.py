"""A pre-allocated circular buffer of the newest samples (neurofeedback.md §1, lesson 4).

Writes copy each chunk into place at a moving index (no ``np.roll`` of the whole buffer);
``last(n)`` and ``span(start, stop)`` read by absolute sample number, so the engine can ask
for exactly the samples of a window or a Welch segment.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class RingBuffer:
    """The newest ``capacity`` samples of ``n_channels`` channels.

    Examples
    --------
    >>> import numpy as np
    >>> rb = RingBuffer(4, 1)
    >>> rb.write(np.arange(6.0).reshape(6, 1))
    >>> rb.total, rb.last(3).ravel().tolist()
    (6, [3.0, 4.0, 5.0])
    """

    def __init__(self, capacity: int, n_channels: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1; got {capacity}")
        self.capacity = capacity
        self._data = np.zeros((capacity, n_channels))
        self.total = 0  # samples ever written; the next sample's absolute number

    def write(self, chunk: FloatArray) -> None:
        n = chunk.shape[0]
        if n >= self.capacity:
            chunk = chunk[n - self.capacity :]
            self.total += n - self.capacity
            n = self.capacity
        start = self.total % self.capacity
        first = min(n, self.capacity - start)
        self._data[start : start + first] = chunk[:first]
        if first < n:
            self._data[: n - first] = chunk[first:]
        self.total += n

    def span(self, start: int, stop: int) -> FloatArray:
        """A copy of absolute samples ``[start, stop)``; they must still be held."""
        if stop > self.total or start < self.total - self.capacity or start > stop:
            raise IndexError(
                f"samples {start}..{stop} are not held (held: "
                f"{max(0, self.total - self.capacity)}..{self.total})"
            )
        a, b = start % self.capacity, stop % self.capacity
        if stop - start == 0:
            return self._data[:0].copy()
        if a < b:
            return self._data[a:b].copy()
        return np.concatenate([self._data[a:], self._data[:b]], axis=0)

    def last(self, n: int) -> FloatArray:
        return self.span(self.total - n, self.total)
