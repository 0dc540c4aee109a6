"""BrainFlow boards (real headsets and BrainFlow's own synthetic board).

``brainflow:BOARD`` names a member of ``brainflow.BoardIds`` (``synthetic``,
``cyton_board``, ``muse_2_board`` ...) or its number; connection parameters follow a ``?``
(``brainflow:cyton_board?serial_port=/dev/ttyUSB0``). BrainFlow gives EEG rows in µV.
The room pops everything the board buffered on each read (the recorder needs every sample).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import numpy as np

from trdcare.core.errors import InvalidInput
from trdcare.neurofeedback.sources.base import FloatArray, Source, SourceInfo, SourceStopped


def board_id(name: str) -> int:
    from brainflow.board_shim import BoardIds

    key = name.strip().upper()
    aliases = {"SYNTHETIC": "SYNTHETIC_BOARD"}
    key = aliases.get(key, key)
    if key.lstrip("-").isdecimal():
        return int(key)
    if key in BoardIds.__members__:
        return int(BoardIds[key].value)
    raise InvalidInput.single(
        "source",
        "unknown BrainFlow board",
        allowed="a BrainFlow board name such as synthetic, cyton_board, muse_2_board, or its number",
        given=f"brainflow:{name}",
    )


class BrainFlowSource(Source):
    def __init__(self, spec: str) -> None:
        from brainflow.board_shim import BoardShim, BrainFlowError, BrainFlowInputParams

        name, _, query = spec.partition("?")
        self.board_id = board_id(name)
        params = BrainFlowInputParams()
        for key, value in parse_qsl(query):
            if not hasattr(params, key):
                raise InvalidInput.single(
                    "source",
                    f"BrainFlow has no connection parameter {key!r}",
                    allowed="serial_port, mac_address, ip_address, ip_port, serial_number, file, timeout ...",
                    given=spec,
                )
            setattr(
                params, key, int(value) if key in ("ip_port", "timeout", "ip_protocol") else value
            )
        BoardShim.disable_board_logger()
        self.board = BoardShim(self.board_id, params)
        try:
            self.board.prepare_session()
            self.board.start_stream()
        except BrainFlowError as exc:
            raise InvalidInput.single(
                "source", f"the board did not start ({exc})", given=f"brainflow:{spec}"
            ) from None
        self._rows = BoardShim.get_eeg_channels(self.board_id)
        names = BoardShim.get_eeg_names(self.board_id)
        self.info = SourceInfo(
            "brainflow", name, tuple(names), float(BoardShim.get_sampling_rate(self.board_id))
        )
        self._BrainFlowError = BrainFlowError

    def read(self, timeout_s: float = 0.0) -> FloatArray:
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                data = self.board.get_board_data()
            except self._BrainFlowError as exc:
                raise SourceStopped(f"the BrainFlow board failed ({exc})") from None
            if data.shape[1] or time.monotonic() >= deadline:
                return np.ascontiguousarray(data[self._rows].T * 1e-6, dtype=np.float64)
            time.sleep(0.005)

    def close(self) -> None:
        try:
            self.board.stop_stream()
        finally:
            self.board.release_session()
