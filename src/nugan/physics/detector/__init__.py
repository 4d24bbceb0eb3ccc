"""A fast, parametrised NOvA-like detector: transport, readout and CVN pixel maps.

Public entry point: :func:`simulate_detector` (see ``docs/detector.md``). Pure numpy.
"""

from nugan.physics.detector.config import PRESETS, DetectorConfig, get_detector_config
from nugan.physics.detector.geometry import Detector, build_detector
from nugan.physics.detector.simulate import OUTPUT_COLUMNS, VERTEX_COLUMNS, simulate_detector, simulate_one

__all__ = [
    "OUTPUT_COLUMNS",
    "PRESETS",
    "VERTEX_COLUMNS",
    "Detector",
    "DetectorConfig",
    "build_detector",
    "get_detector_config",
    "simulate_detector",
    "simulate_one",
]
