"""The training engine: train zoo models on events, keep run directories, generate events.

Public API: :func:`train`, :func:`load_run`, :func:`generate`, :class:`RunResult`
(see ``docs/training.md``).
"""

from nugan.training.engine import RunResult, train
from nugan.training.generate import generate, parse_condition
from nugan.training.rundir import RunDir, load_run

__all__ = ["RunDir", "RunResult", "generate", "load_run", "parse_condition", "train"]
