"""WGAN-GP (Gulrajani et al. 2017) for images and tables.

The critic is trained on every step; the generator every ``n_critic``-th step (steps
0, n_critic, 2·n_critic, …), so each critic update sees a fresh real batch, as in
Algorithm 1 of the paper, and ``steps`` counts critic iterations. Real, fake and
interpolated examples go through the critic in one concatenated pass (the critic has
no batch normalisation, so examples do not interact), and one backward pass gives
both the Wasserstein and the gradient-penalty gradients.

References:
    Arjovsky, Chintala, Bottou, "Wasserstein GAN", ICML 2017, arXiv:1701.07875.
    Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017, arXiv:1704.00028
    (eq. 3: penalty, Algorithm 1: λ=10, n_critic=5, Adam α=1e-4, β=(0, 0.9)).

Example:
    >>> import torch
    >>> from nugan.models import create_model
    >>> m = create_model("wgan-gp", data_shape=(4,), hidden=8, depth=1)
    >>> m.sample(3, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([3, 4])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from nugan.errors import ConfigError
from nugan.models.base import Batch, GenerativeModel, UpdateFn, frozen, to_floats
from nugan.models.dcgan import SAMPLE_CHUNK, make_adam
from nugan.models.layers import MLP, ConvCritic, ConvGenerator, OutputActivation
from nugan.models.registry import register

WGAN_GP_VALUE_FUNCTION = (
    r"\min_G \max_D \; \mathbb{E}_{x\sim p_\mathrm{data}}[D(x)] - \mathbb{E}_{z\sim p_z}[D(G(z))]"
    r" - \lambda\, \mathbb{E}_{\hat x}\big[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2\big]"
)


def gradient_penalty(scores: Tensor, interpolates: Tensor, one_sided: bool = False) -> Tensor:
    """Gulrajani et al. eq. 3: ``E[(‖∇_x̂ D(x̂)‖₂ − 1)²]`` from the critic scores of ``interpolates``;
    ``one_sided``: ``E[max(0, ‖∇‖ − 1)²]`` (their appendix; no barrier at zero slope).

    ``interpolates`` must require grad and ``scores`` must depend on it; the graph is kept so
    that the penalty can be back-propagated into the critic's weights.

    Example:
        >>> x = torch.randn(5, 3, requires_grad=True)
        >>> round(float(gradient_penalty((2 * x).sum(1), x)), 4)  # ‖∇‖ = 2·√3 for every example
        6.0718
    """
    (grad,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    excess = grad.flatten(1).norm(2, dim=1) - 1.0
    if one_sided:
        excess = excess.clamp(min=0.0)
    return (excess**2).mean()


class MLPGenerator(nn.Module):
    """``[z, condition] → MLP → OutputActivation``: a table generator."""

    def __init__(
        self, in_dim: int, features: int, hidden: int, depth: int, output: str, output_floor: Any
    ) -> None:
        super().__init__()
        self.net = MLP(in_dim, features, hidden, depth, norm="none")
        self.out = OutputActivation(output, output_floor, channels=features)

    def forward(self, z: Tensor) -> Tensor:
        return self.out(self.net(z))


class WassersteinGAN(GenerativeModel):
    """Shared WGAN-GP training for families that set ``generator``, ``critic`` and ``nz``.

    Subclasses define ``generate(z, condition)`` and ``criticize(x, condition)`` if they condition.
    """

    generator: nn.Module
    critic: nn.Module
    nz: int
    memory_format: torch.memory_format = torch.contiguous_format

    def _setup_wgan(self, n_critic: int, gp_lambda: float, one_sided: bool) -> None:
        if n_critic < 1 or gp_lambda < 0:
            raise ConfigError(f"n_critic must be >= 1 and gp_lambda >= 0; got {n_critic}, {gp_lambda}")
        self.n_critic, self.gp_lambda, self.one_sided = int(n_critic), float(gp_lambda), bool(one_sided)

    def generate(self, z: Tensor, condition: Tensor | None) -> Tensor:
        """Generator output for latent ``z`` (B, nz) and an optional condition (B, condition_dim)."""
        return self.generator(z if condition is None else torch.cat([z, condition.to(z.dtype)], 1))

    def criticize(self, x: Tensor, condition: Tensor | None) -> Tensor:
        """Critic scores (B,) of ``x`` (condition appended for conditional tables)."""
        if condition is not None:
            x = torch.cat([x, condition.to(x.dtype)], 1)
        return self.critic(x).reshape(-1)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        impl = cfg.get("optimizer_impl", "fused")
        return {
            "critic": make_adam(self.critic.parameters(), cfg["lr"], cfg["betas"], impl),
            "generator": make_adam(self.generator.parameters(), cfg["lr"], cfg["betas"], impl),
        }

    def training_step(self, batch: Batch, step: int, update: UpdateFn) -> dict[str, float]:
        self.check_batch(batch)
        real = batch.x.contiguous(memory_format=self.memory_format) if batch.x.ndim == 4 else batch.x
        b, cond = real.shape[0], batch.condition
        with torch.no_grad():
            fake = self.generate(torch.randn(b, self.nz, device=real.device, dtype=real.dtype), cond)
        # (1) critic: min E[D(G(z))] - E[D(x)] + λ GP, one pass over [real, fake, interpolates]
        eps = torch.rand((b,) + (1,) * (real.ndim - 1), device=real.device, dtype=real.dtype)
        interp = (eps * real + (1 - eps) * fake).requires_grad_(True)
        cond3 = None if cond is None else cond.repeat(3, 1)
        scores = self.criticize(torch.cat([real, fake, interp]), cond3)
        d_real, d_fake, d_interp = scores[:b], scores[b : 2 * b], scores[2 * b :]
        gp = gradient_penalty(d_interp, interp, self.one_sided)
        w_dist = d_real.mean() - d_fake.mean()
        loss_d = -w_dist + self.gp_lambda * gp
        update("critic", loss_d)
        # (2) generator every n_critic steps: min -E[D(G(z))]
        # (the schedule depends on ``step`` only, so a resumed run repeats an uninterrupted one)
        if step % self.n_critic == 0:
            with frozen(self.critic):
                z = torch.randn(b, self.nz, device=real.device, dtype=real.dtype)
                loss_g = -self.criticize(self.generate(z, cond), cond).mean()
                update("generator", loss_g)
        # reported generator loss: -E[D(G(z))] on this step's fakes (same on every step, no extra pass)
        loss_g_now = -d_fake.detach().mean()
        return to_floats(
            {"loss_d": loss_d, "loss_g": loss_g_now, "wasserstein": w_dist, "gradient_penalty": gp}
        )

    def _sample(
        self, n: int, condition: Tensor | None, labels: Tensor | None, generator: torch.Generator | None
    ) -> Tensor:
        z = self.randn(n, self.nz, generator=generator)
        parts = [
            self.generate(
                z[i : i + SAMPLE_CHUNK], None if condition is None else condition[i : i + SAMPLE_CHUNK]
            )
            for i in range(0, n, SAMPLE_CHUNK)
        ]
        return torch.cat(parts) if parts else torch.empty((0, *self.data_shape), device=z.device)


@register
class WGANGP(WassersteinGAN):
    """Unconditional WGAN-GP: DCGAN-style convolutional networks for images (layer-normalised critic),
    MLPs for tables.

    Arguments:
        data_shape: ``(C, H, W)`` or ``(F,)``.
        nz: latent dimension.
        ngf, ndf, max_mult: convolutional widths (images).
        hidden, depth: MLP width and number of hidden layers (tables).
        critic_norm: image critic: ``layer`` (recommended by the paper: no batch norm with a GP) or
            ``none``. Table critics are plain MLPs (a layer norm after the first linear of a
            low-dimensional input discards the input's magnitude and stalls the critic).
        output, output_floor, learn_floor: generator output activation
            (:class:`nugan.models.layers.OutputActivation`; ``learn_floor``: images only).
        n_critic, gp_lambda: critic steps per generator step, penalty weight λ.
        one_sided: penalise only gradient norms above 1 (see :func:`gradient_penalty`).
        lr, betas: Adam settings (paper: 1e-4, (0, 0.9)).
        optimizer_impl: ``fused``, ``foreach`` or ``plain``.
        channels_last: channels-last layout for image networks.
    """

    name: ClassVar[str] = "wgan-gp"
    paper: ClassVar[str] = "Gulrajani et al., NeurIPS 2017, arXiv:1704.00028"
    year: ClassVar[int] = 2017
    value_function: ClassVar[str] = WGAN_GP_VALUE_FUNCTION
    accepts: ClassVar[frozenset[str]] = frozenset({"images", "tables"})
    conditional: ClassVar[bool] = False
    uses_labels: ClassVar[bool] = False
    ema_modules: ClassVar[tuple[str, ...]] = ("generator",)
    description: ClassVar[str] = "Wasserstein GAN with gradient penalty (λ=10, n_critic=5), images or tables"
    training_defaults: ClassVar[dict[str, Any]] = {"batch_size": 64, "steps": 10000, "precision": "32-true"}

    def __init__(
        self,
        data_shape: Sequence[int],
        condition_dim: int = 0,
        n_classes: int = 0,
        nz: int = 100,
        ngf: int = 32,
        ndf: int = 32,
        max_mult: int = 8,
        hidden: int = 256,
        depth: int = 3,
        critic_norm: str = "layer",
        output: str = "identity",
        output_floor: float | Sequence[float] = 0.0,
        learn_floor: bool = False,
        n_critic: int = 5,
        gp_lambda: float = 10.0,
        one_sided: bool = False,
        lr: float = 1e-4,
        betas: Sequence[float] = (0.0, 0.9),
        optimizer_impl: str = "fused",
        channels_last: bool = True,
    ):
        super().__init__(
            data_shape,
            condition_dim,
            n_classes,
            nz=nz,
            ngf=ngf,
            ndf=ndf,
            max_mult=max_mult,
            hidden=hidden,
            depth=depth,
            critic_norm=critic_norm,
            output=output,
            output_floor=output_floor,
            learn_floor=learn_floor,
            n_critic=n_critic,
            gp_lambda=gp_lambda,
            one_sided=one_sided,
            lr=lr,
            betas=betas,
            optimizer_impl=optimizer_impl,
            channels_last=channels_last,
        )
        if critic_norm not in ("layer", "none"):
            raise ConfigError(
                f"critic_norm must be 'layer' or 'none' (no batch norm with a GP); got {critic_norm!r}"
            )
        self.nz = nz
        self._setup_wgan(n_critic, gp_lambda, one_sided)
        if len(self.data_shape) == 3:
            self.generator = ConvGenerator(
                nz, self.data_shape, ngf, max_mult, "batch", output, output_floor, learn_floor
            )
            self.critic = ConvCritic(self.data_shape, ndf, max_mult, critic_norm, out_dim=1)
            if channels_last:
                self.memory_format = torch.channels_last
                self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        else:
            (features,) = self.data_shape
            self.generator = MLPGenerator(nz, features, hidden, depth, output, output_floor)
            self.critic = MLP(features, 1, hidden, depth, norm="none", final_bias=False)
