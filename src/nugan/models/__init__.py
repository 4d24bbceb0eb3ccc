"""nugan.models: the generative model zoo (see docs/models.md).

Every architecture family lives in its own module and registers itself by name in
:mod:`nugan.models.registry`; the engine and the CLI use only the functions re-exported here.
"""

from nugan.models.base import Batch, GenerativeModel, UpdateFn
from nugan.models.registry import (
    create_model,
    describe_models,
    get_model_class,
    model_hparams,
    model_names,
    register,
    training_defaults,
)

__all__ = [
    "Batch",
    "GenerativeModel",
    "UpdateFn",
    "create_model",
    "describe_models",
    "get_model_class",
    "model_hparams",
    "model_names",
    "register",
    "training_defaults",
]
