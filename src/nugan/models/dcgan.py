"""DCGAN (Radford, Metz & Chintala 2016) for images of any size and channel count.

Two registered names share this class:

* ``seed-dcgan`` — the seed paper's listing (appendix B) exactly: nz=100, ngf=ndf=32,
  batch-normalised generator *and* discriminator, tanh output (data scaled to [-1, 1]),
  the BCE losses (discriminator on real→1 / fake→0 computed in two separate forward
  passes; generator with the non-saturating target fake→1), Adam(lr=0.005, β=(0.5, 0.999)),
  batch 64, N(0, 0.02)/BN N(1, 0.02) initialisation, samples drawn with batch statistics
  (the listing never calls ``netG.eval()``). The listing's ``Sigmoid`` + ``BCELoss`` is
  computed as BCE-with-logits on the pre-sigmoid score: the same function, but stable and
  safe under mixed precision.
* ``dcgan`` — better practice: spectral-normalised discriminator (Miyato et al. 2018, so real
  and fake go through it in one concatenated pass), non-saturating loss, Adam(lr=2e-4,
  β=(0.5, 0.999)) as in Radford et al., identity output (FeatureSpec-normalised data are
  unbounded), channels-last layout, fused Adam, EMA of the generator (engine), eval-mode sampling.

References:
    Radford, Metz, Chintala, "Unsupervised Representation Learning with Deep Convolutional
    Generative Adversarial Networks", ICLR 2016, arXiv:1511.06434.
    Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014, arXiv:1406.2661.
    Miyato et al., "Spectral Normalization for GANs", ICLR 2018, arXiv:1802.05957.

Example:
    >>> import torch
    >>> from nugan.models import create_model
    >>> m = create_model("dcgan", data_shape=(2, 16, 12), ngf=4, ndf=4)
    >>> m.sample(2, generator=torch.Generator().manual_seed(1)).shape
    torch.Size([2, 2, 16, 12])
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from nugan.errors import ConfigError
from nugan.models.base import Batch, GenerativeModel, UpdateFn, frozen, to_floats
from nugan.models.layers import ConvCritic, ConvGenerator, check_choice
from nugan.models.registry import Preset, register, register_preset

GAN_VALUE_FUNCTION = (
    r"\min_G \max_D \; \mathbb{E}_{x\sim p_\mathrm{data}}[\log D(x)]"
    r" + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))]"
)
SAMPLE_CHUNK = 512  # examples per generator call in sample()


def make_adam(
    params: Iterator[nn.Parameter], lr: float, betas: Sequence[float], impl: str
) -> torch.optim.Optimizer:
    """Adam with the chosen implementation: ``fused`` (one kernel for all tensors), ``foreach`` or ``plain``
    (PyTorch's per-tensor loop, as a reference)."""
    check_choice("optimizer_impl", impl, ("fused", "foreach", "plain"))
    kwargs: dict[str, Any] = {"fused": True} if impl == "fused" else {"foreach": impl == "foreach"}
    return torch.optim.Adam(list(params), lr=lr, betas=(float(betas[0]), float(betas[1])), **kwargs)


def gan_losses(kind: str, d_real: Tensor, d_fake: Tensor, real_target: float = 1.0) -> Tensor:
    """Discriminator loss on raw scores: ``bce`` (Goodfellow et al. eq. 1, as BCE-with-logits, real
    target ``real_target`` for one-sided label smoothing) or ``hinge``."""
    if kind == "hinge":
        return F.relu(1.0 - d_real).mean() + F.relu(1.0 + d_fake).mean()
    real = F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, real_target))
    return real + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))


def generator_loss(kind: str, d_gen: Tensor) -> Tensor:
    """Non-saturating generator loss ``-log D(G(z))`` (``bce``) or ``-D(G(z))`` (``hinge``)."""
    if kind == "hinge":
        return -d_gen.mean()
    return F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))


@contextlib.contextmanager
def batch_stats(module: nn.Module) -> Iterator[None]:
    """Use batch statistics in every BatchNorm of ``module`` without changing its running statistics."""
    saved = []
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.num_batches_tracked is not None:
            saved.append((m, m.training, m.momentum, m.num_batches_tracked.clone()))
            m.train()
            m.momentum = 0.0
    try:
        yield
    finally:
        for m, training, momentum, tracked in saved:
            m.train(training)
            m.momentum = momentum
            m.num_batches_tracked.copy_(tracked)  # type: ignore[union-attr]


@register
class DCGAN(GenerativeModel):
    """Deep convolutional GAN (unconditional) for ``(C, H, W)`` images.

    Arguments:
        data_shape: ``(C, H, W)``; any size ≥ 4×4 (see :mod:`nugan.models.layers`).
        nz: latent dimension.
        ngf, ndf: generator / discriminator width.
        max_mult: cap of the channel multiplier.
        d_norm: discriminator normalisation: ``spectral``, ``batch`` (seed), ``layer`` or ``none``.
        g_norm: generator normalisation: ``batch`` or ``none``.
        output, output_floor, learn_floor: generator output activation
            (:class:`nugan.models.layers.OutputActivation`; ``learn_floor``: images only).
        loss: ``bce`` (non-saturating GAN loss) or ``hinge``.
        label_smoothing: one-sided: real target ``1 - label_smoothing`` (Salimans et al. 2016).
        lr, lr_d, betas: Adam settings (``lr_d`` None → ``lr``).
        optimizer_impl: ``fused``, ``foreach`` or ``plain``.
        channels_last: store weights and activations channels-last (faster convolutions on CPU/GPU).
        bn_sampling: ``eval`` (running statistics) or ``batch`` (batch statistics, as the seed listing).
    """

    name: ClassVar[str] = "dcgan"
    paper: ClassVar[str] = "Radford, Metz & Chintala, ICLR 2016, arXiv:1511.06434"
    year: ClassVar[int] = 2016
    value_function: ClassVar[str] = GAN_VALUE_FUNCTION
    accepts: ClassVar[frozenset[str]] = frozenset({"images"})
    conditional: ClassVar[bool] = False
    uses_labels: ClassVar[bool] = False
    ema_modules: ClassVar[tuple[str, ...]] = ("generator",)
    description: ClassVar[str] = "DCGAN, better practice: spectral-norm D, lr 2e-4, channels-last, fused Adam"
    training_defaults: ClassVar[dict[str, Any]] = {
        "batch_size": 64,
        "steps": 3000,
        "ema_decay": 0.999,
        "precision": "bf16-mixed",  # measured ≈1.8× the fp32 throughput on an AVX-512 BF16 CPU
    }

    def __init__(
        self,
        data_shape: Sequence[int],
        condition_dim: int = 0,
        n_classes: int = 0,
        nz: int = 100,
        ngf: int = 32,
        ndf: int = 32,
        max_mult: int = 8,
        d_norm: str = "spectral",
        g_norm: str = "batch",
        output: str = "identity",
        output_floor: float | Sequence[float] = 0.0,
        learn_floor: bool = False,
        loss: str = "bce",
        label_smoothing: float = 0.0,
        lr: float = 2e-4,
        lr_d: float | None = None,
        betas: Sequence[float] = (0.5, 0.999),
        optimizer_impl: str = "fused",
        channels_last: bool = True,
        bn_sampling: str = "eval",
    ):
        super().__init__(
            data_shape,
            condition_dim,
            n_classes,
            nz=nz,
            ngf=ngf,
            ndf=ndf,
            max_mult=max_mult,
            d_norm=d_norm,
            g_norm=g_norm,
            output=output,
            output_floor=output_floor,
            learn_floor=learn_floor,
            loss=loss,
            label_smoothing=label_smoothing,
            lr=lr,
            lr_d=lr_d,
            betas=betas,
            optimizer_impl=optimizer_impl,
            channels_last=channels_last,
            bn_sampling=bn_sampling,
        )
        self.loss = check_choice("loss", loss, ("bce", "hinge"))
        self.bn_sampling = check_choice("bn_sampling", bn_sampling, ("eval", "batch"))
        if not 0.0 <= label_smoothing < 0.5:
            raise ConfigError(f"label_smoothing must be in [0, 0.5); got {label_smoothing}")
        if nz < 1 or ngf < 1 or ndf < 1:
            raise ConfigError(f"nz, ngf and ndf must be positive; got {nz}, {ngf}, {ndf}")
        self.nz = nz
        self.d_norm = d_norm
        self.generator = ConvGenerator(
            nz, self.data_shape, ngf, max_mult, g_norm, output, output_floor, learn_floor
        )
        self.discriminator = ConvCritic(self.data_shape, ndf, max_mult, d_norm, out_dim=1)
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        if channels_last:
            self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        lr_d = cfg["lr_d"] if cfg["lr_d"] is not None else cfg["lr"]
        return {
            "discriminator": make_adam(
                self.discriminator.parameters(), lr_d, cfg["betas"], cfg["optimizer_impl"]
            ),
            "generator": make_adam(
                self.generator.parameters(), cfg["lr"], cfg["betas"], cfg["optimizer_impl"]
            ),
        }

    def discriminate(self, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """Raw scores of real and fake images; one concatenated pass unless D uses batch norm."""
        if self.d_norm == "batch":  # separate passes: BN statistics of all-real and all-fake batches (seed)
            return self.discriminator(real), self.discriminator(fake)
        scores = self.discriminator(torch.cat([real, fake]))
        return scores[: real.shape[0]], scores[real.shape[0] :]

    def training_step(self, batch: Batch, step: int, update: UpdateFn) -> dict[str, float]:
        self.check_batch(batch)
        real = batch.x.contiguous(memory_format=self.memory_format)  # (B, C, H, W)
        z = torch.randn(real.shape[0], self.nz, device=real.device, dtype=real.dtype)
        fake = self.generator(z)  # (B, C, H, W)
        # (1) discriminator: maximise log D(x) + log(1 - D(G(z)))
        d_real, d_fake = self.discriminate(real, fake.detach())
        loss_d = gan_losses(self.loss, d_real, d_fake, 1.0 - self.config["label_smoothing"])
        update("discriminator", loss_d)
        # (2) generator: maximise log D(G(z)) (non-saturating), D frozen
        with frozen(self.discriminator):
            d_gen = self.discriminator(fake)
            loss_g = generator_loss(self.loss, d_gen)
            update("generator", loss_g)
        return to_floats(
            {
                "loss_d": loss_d,
                "loss_g": loss_g,
                "d_real": torch.sigmoid(d_real.detach().float()).mean(),
                "d_fake": torch.sigmoid(d_fake.detach().float()).mean(),
            }
        )

    def _sample(
        self, n: int, condition: Tensor | None, labels: Tensor | None, generator: torch.Generator | None
    ) -> Tensor:
        z = self.randn(n, self.nz, generator=generator)
        chunk = 64 if self.bn_sampling == "batch" else SAMPLE_CHUNK
        ctx = batch_stats(self.generator) if self.bn_sampling == "batch" else contextlib.nullcontext()
        with ctx:
            parts = [self.generator(z[i : i + chunk]) for i in range(0, n, chunk)]
        if not parts:
            return torch.empty((0, *self.data_shape), device=z.device)
        return torch.cat(parts)


register_preset(
    "seed-dcgan",
    Preset(
        base="dcgan",
        hparams={
            "nz": 100,
            "ngf": 32,
            "ndf": 32,
            "max_mult": 8,
            "d_norm": "batch",
            "g_norm": "batch",
            "output": "tanh",
            "loss": "bce",
            "label_smoothing": 0.0,
            "lr": 0.005,
            "lr_d": None,
            "betas": (0.5, 0.999),
            "optimizer_impl": "plain",
            "channels_last": False,
            "bn_sampling": "batch",
        },
        training={"batch_size": 64, "ema_decay": 0.0, "grad_clip": None, "precision": "32-true"},
        description="the seed paper's DCGAN listing exactly (nz=100, ngf=ndf=32, BCE, Adam lr=0.005, β1=0.5)",
    ),
)
