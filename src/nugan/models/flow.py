"""Conditional normalizing flow for tables (zuko): the non-adversarial baseline.

An invertible map ``f_θ(·; c)`` sends an event ``x`` (FeatureSpec-normalised table row)
to a standard normal ``z``; the density follows from the change of variables and the
flow is trained by maximum likelihood, so — unlike the GANs — it has a loss that
measures fit, an exact ``log_prob(x, condition)``, and no mode collapse. The default is
a neural spline flow (rational-quadratic splines, identity outside [-5, 5]); ``maf``
selects a masked autoregressive flow with affine transforms.

References:
    Papamakarios, Pavlakou, Murray, "Masked Autoregressive Flow for Density Estimation",
    NeurIPS 2017, arXiv:1705.07057.
    Durkan, Bekasov, Murray, Papamakarios, "Neural Spline Flows", NeurIPS 2019, arXiv:1906.04032.
    Rozet et al., zuko (https://github.com/probabilists/zuko).

Example:
    >>> import torch
    >>> from nugan.models import create_model
    >>> m = create_model("flow", data_shape=(2,), condition_dim=1, transforms=2, hidden_features=[8])
    >>> m.log_prob(torch.zeros(3, 2), torch.zeros(3, 1)).shape
    torch.Size([3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import zuko
from torch import Tensor

from nugan.errors import ConfigError
from nugan.models.base import Batch, GenerativeModel, UpdateFn, to_floats
from nugan.models.dcgan import SAMPLE_CHUNK
from nugan.models.layers import check_choice
from nugan.models.registry import register

FLOW_VALUE_FUNCTION = (
    r"\max_\theta \; \mathbb{E}_{(x,c)\sim p_\mathrm{data}}\big[\log \mathcal{N}(f_\theta(x;c); 0, I)"
    r" + \log\lvert\det \partial f_\theta(x;c)/\partial x\rvert\big]"
)


@register
class ConditionalFlow(GenerativeModel):
    """Conditional NSF or MAF over table rows ``(F,)``.

    Arguments:
        data_shape: ``(F,)``.
        condition_dim: width of the condition (0: unconditional density).
        flow: ``nsf`` (neural spline flow) or ``maf`` (affine masked autoregressive flow).
        transforms: number of autoregressive transforms.
        hidden_features: widths of the hidden layers of each transform's network.
        bins: spline bins (nsf).
        lr, weight_decay: AdamW settings.
    """

    name: ClassVar[str] = "flow"
    paper: ClassVar[str] = (
        "Durkan et al., NeurIPS 2019, arXiv:1906.04032 (NSF); Papamakarios et al. 2017 (MAF)"
    )
    year: ClassVar[int] = 2019
    value_function: ClassVar[str] = FLOW_VALUE_FUNCTION
    accepts: ClassVar[frozenset[str]] = frozenset({"tables"})
    conditional: ClassVar[bool] = True
    uses_labels: ClassVar[bool] = False
    ema_modules: ClassVar[tuple[str, ...]] = ("flow",)
    description: ClassVar[str] = "conditional normalizing flow (zuko NSF/MAF), maximum likelihood"
    training_defaults: ClassVar[dict[str, Any]] = {
        "batch_size": 256,
        "steps": 5000,
        "ema_decay": 0.999,
        "grad_clip": 5.0,
        "precision": "32-true",
    }

    def __init__(
        self,
        data_shape: Sequence[int],
        condition_dim: int = 0,
        n_classes: int = 0,
        flow: str = "nsf",
        transforms: int = 4,
        hidden_features: Sequence[int] = (128, 128),
        bins: int = 8,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
    ):
        super().__init__(
            data_shape,
            condition_dim,
            n_classes,
            flow=flow,
            transforms=transforms,
            hidden_features=hidden_features,
            bins=bins,
            lr=lr,
            weight_decay=weight_decay,
        )
        check_choice("flow", flow, ("nsf", "maf"))
        if transforms < 1 or bins < 2 or not hidden_features or min(hidden_features) < 1:
            raise ConfigError(
                "flow needs transforms >= 1, bins >= 2 and positive hidden_features; "
                f"got {transforms}, {bins}, {list(hidden_features)}"
            )
        (features,) = self.data_shape
        common = {
            "features": features,
            "context": self.condition_dim,
            "transforms": int(transforms),
            "hidden_features": [int(h) for h in hidden_features],
        }
        self.flow = zuko.flows.NSF(bins=int(bins), **common) if flow == "nsf" else zuko.flows.MAF(**common)

    def _dist(self, condition: Tensor | None) -> Any:
        return self.flow(condition) if self.condition_dim else self.flow()

    def log_prob(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        """Log-density ``log p(x | condition)`` (n,) in the normalised space."""
        self._check_condition(condition, x.shape[0])
        return self._dist(condition).log_prob(x)

    def transform(self, x: Tensor, condition: Tensor | None = None) -> Tensor:
        """The flow's map ``x → z`` (data to standard normal)."""
        self._check_condition(condition, x.shape[0])
        return self._dist(condition).transform(x)

    def inverse(self, z: Tensor, condition: Tensor | None = None) -> Tensor:
        """The inverse map ``z → x`` (standard normal to data)."""
        self._check_condition(condition, z.shape[0])
        return self._dist(condition).transform.inv(z)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            "flow": torch.optim.AdamW(
                self.flow.parameters(), lr=self.config["lr"], weight_decay=self.config["weight_decay"]
            )
        }

    def training_step(self, batch: Batch, step: int, update: UpdateFn) -> dict[str, float]:
        self.check_batch(batch)
        nll = -self._dist(batch.condition).log_prob(batch.x.float()).mean()
        update("flow", nll)
        return to_floats({"nll": nll})

    def _sample(
        self, n: int, condition: Tensor | None, labels: Tensor | None, generator: torch.Generator | None
    ) -> Tensor:
        z = self.randn(n, self.data_shape[0], generator=generator)
        parts = [
            self.inverse(
                z[i : i + SAMPLE_CHUNK], None if condition is None else condition[i : i + SAMPLE_CHUNK]
            )
            for i in range(0, n, SAMPLE_CHUNK)
        ]
        return torch.cat(parts) if parts else torch.empty((0, *self.data_shape), device=z.device)
