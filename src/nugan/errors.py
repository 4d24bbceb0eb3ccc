"""Exceptions raised by nugan.

Every error that a user can cause (bad file, bad argument, bad checkpoint) is a
:class:`NuganError`: its message names the problem and says how to fix it. The
CLI prints such messages without a traceback and exits with status 2.
"""

from __future__ import annotations


class NuganError(Exception):
    """Base class of user-facing errors (bad input, bad files, bad configuration)."""


class InputFileError(NuganError):
    """A file is missing, empty, truncated, corrupt, foreign or of a newer schema."""


class SchemaError(NuganError):
    """Data does not have the columns, shapes or values that an operation needs."""


class ConfigError(NuganError):
    """An unknown name or an invalid parameter value in a configuration or on the command line."""


class CheckpointError(NuganError):
    """A checkpoint is corrupt, comes from another model, or does not match its FeatureSpec."""


class TrainingError(NuganError):
    """Training could not go on (e.g. a loss became NaN)."""
