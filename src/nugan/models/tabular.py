"""Conditional tabular GAN: MLP generator and critic for event kinematics, conditioned on a
vector such as (E_ν, flavour one-hot), trained with the WGAN-GP loss.

The condition is appended to the latent vector of the generator and to the input of
the critic (Mirza & Osindero 2014); the critic is trained with the gradient penalty of
Gulrajani et al. 2017 (see :mod:`nugan.models.wgan`), which is stable for small,
low-dimensional tables. Conditions and features live in the FeatureSpec-normalised
space; bounded quantities (e.g. cos θ, y) are handled by the FeatureSpec's logit
transform, so the generator output is linear.

References:
    Mirza & Osindero, "Conditional Generative Adversarial Nets", arXiv:1411.1784 (2014).
    Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, arXiv:1704.00028.

Example:
    >>> import torch
    >>> from nugan.models import create_model
    >>> m = create_model("tabular-gan", data_shape=(3,), condition_dim=2, hidden=8, depth=1)
    >>> m.sample(4, condition=torch.zeros(4, 2), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from nugan.errors import ConfigError
from nugan.models.layers import MLP
from nugan.models.registry import register
from nugan.models.wgan import MLPGenerator, WassersteinGAN

CONDITIONAL_WGAN_GP_VALUE_FUNCTION = (
    r"\min_G \max_D \; \mathbb{E}_{(x,c)\sim p_\mathrm{data}}\big[D(x\mid c) - D(G(z\mid c)\mid c)\big]"
    r" - \lambda\, \mathbb{E}_{\hat x}\big[\max(0, \lVert\nabla_{\hat x} D(\hat x\mid c)\rVert_2 - 1)^2\big]"
)


@register
class TabularGAN(WassersteinGAN):
    """Conditional MLP GAN for tables ``(F,)`` with an optional condition vector.

    Arguments:
        data_shape: ``(F,)``.
        condition_dim: width of the condition (0: unconditional).
        nz: latent dimension.
        hidden, depth: MLP width and number of hidden layers (generator and critic).
        critic_norm: ``none`` (default) or ``layer`` (only for wide tables: a layer norm after the first
            linear of a low-dimensional input discards its magnitude and stalls the critic).
        output, output_floor: generator output activation (:class:`nugan.models.layers.OutputActivation`).
        n_critic, gp_lambda: critic steps per generator step, penalty weight λ.
        one_sided: penalise only gradient norms above 1 (default here: with a one-dimensional
            feature the two-sided penalty is a barrier at zero slope that can trap the critic with
            the wrong sign, observed on a 1-D toy).
        lr, betas: Adam settings.
        optimizer_impl: ``fused``, ``foreach`` or ``plain``.
    """

    name: ClassVar[str] = "tabular-gan"
    paper: ClassVar[str] = (
        "Mirza & Osindero 2014 (arXiv:1411.1784) with the WGAN-GP loss of Gulrajani et al. 2017"
    )
    year: ClassVar[int] = 2017
    value_function: ClassVar[str] = CONDITIONAL_WGAN_GP_VALUE_FUNCTION
    accepts: ClassVar[frozenset[str]] = frozenset({"tables"})
    conditional: ClassVar[bool] = True
    uses_labels: ClassVar[bool] = False
    ema_modules: ClassVar[tuple[str, ...]] = ("generator",)
    description: ClassVar[str] = "conditional MLP GAN for event kinematics (condition e.g. E_nu, flavour)"
    training_defaults: ClassVar[dict[str, Any]] = {"batch_size": 256, "steps": 10000, "precision": "32-true"}

    def __init__(
        self,
        data_shape: Sequence[int],
        condition_dim: int = 0,
        n_classes: int = 0,
        nz: int = 32,
        hidden: int = 256,
        depth: int = 3,
        critic_norm: str = "none",
        output: str = "identity",
        output_floor: float | Sequence[float] = 0.0,
        n_critic: int = 5,
        gp_lambda: float = 10.0,
        one_sided: bool = True,
        lr: float = 1e-4,
        betas: Sequence[float] = (0.5, 0.9),
        optimizer_impl: str = "fused",
    ):
        super().__init__(
            data_shape,
            condition_dim,
            n_classes,
            nz=nz,
            hidden=hidden,
            depth=depth,
            critic_norm=critic_norm,
            output=output,
            output_floor=output_floor,
            n_critic=n_critic,
            gp_lambda=gp_lambda,
            one_sided=one_sided,
            lr=lr,
            betas=betas,
            optimizer_impl=optimizer_impl,
        )
        if critic_norm not in ("layer", "none"):
            raise ConfigError(f"critic_norm must be 'layer' or 'none'; got {critic_norm!r}")
        (features,) = self.data_shape
        self.nz = nz
        self._setup_wgan(n_critic, gp_lambda, one_sided)
        self.generator = MLPGenerator(nz + self.condition_dim, features, hidden, depth, output, output_floor)
        self.critic = MLP(features + self.condition_dim, 1, hidden, depth, norm=critic_norm, final_bias=False)
