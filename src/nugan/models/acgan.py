"""ACGAN (Odena, Olah & Shlens 2017): a GAN conditioned on class labels whose discriminator
also classifies, optionally with a continuous condition (e.g. E_ν) as well.

The generator gets ``[z, one_hot(label), condition]``. The discriminator returns a
source score (real/fake) and class logits. Eqs. 2–3 of the paper: with the source
log-likelihood ``L_S`` and the class log-likelihood ``L_C``, D maximises ``L_S + L_C`` and
G maximises ``L_C − L_S``; here G uses the non-saturating form of ``−L_S``.

A continuous condition is an *input* of the discriminator (appended to a table row, or
broadcast as constant extra channels of an image), as in a conditional GAN (Mirza &
Osindero 2014), so that the source term learns ``p(x | c)``. (An auxiliary regression of
the condition, the continuous analogue of ``L_C``, was tried first: on a toy with
x ~ N(c ± 1, 0.1) it over-shot the conditional mean by 20–60 %, the known ACGAN bias
towards easily recognised samples.)

References:
    Odena, Olah, Shlens, "Conditional Image Synthesis with Auxiliary Classifier GANs",
    ICML 2017, arXiv:1610.09585.

Example:
    >>> import torch
    >>> from nugan.models import create_model
    >>> m = create_model("acgan", data_shape=(1, 8, 8), n_classes=2, ngf=4, ndf=4)
    >>> m.sample(2, labels=torch.tensor([0, 1]), generator=torch.Generator().manual_seed(0)).shape
    torch.Size([2, 1, 8, 8])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from nugan.errors import ConfigError
from nugan.models.base import Batch, GenerativeModel, UpdateFn, frozen, to_floats
from nugan.models.dcgan import SAMPLE_CHUNK, gan_losses, generator_loss, make_adam
from nugan.models.layers import MLP, ConvCritic, ConvGenerator, check_choice
from nugan.models.registry import register
from nugan.models.wgan import MLPGenerator

ACGAN_VALUE_FUNCTION = (
    r"L_S = \mathbb{E}[\log P(S{=}\mathrm{real}\mid x)] + \mathbb{E}[\log P(S{=}\mathrm{fake}\mid G(z,c))],\;"
    r" L_C = \mathbb{E}[\log P(C{=}c\mid x)] + \mathbb{E}[\log P(C{=}c\mid G(z,c))];\;"
    r" \max_D L_S + L_C,\; \max_G L_C - L_S"
)


@register
class ACGAN(GenerativeModel):
    """Auxiliary-classifier GAN for images ``(C, H, W)`` or tables ``(F,)``.

    Arguments:
        data_shape: ``(C, H, W)`` or ``(F,)``.
        condition_dim: optional continuous condition (an input of both networks).
        n_classes: number of classes (≥ 2).
        nz: latent dimension.
        ngf, ndf, max_mult: convolutional widths (images).
        hidden, depth: MLP width and depth (tables).
        d_norm: discriminator normalisation: ``auto`` (default: ``spectral`` for images, ``none`` for
            tables — on a 1-D table toy a spectrally normalised MLP learned the condition dependence
            only weakly in 2000 steps, an unnormalised one to within 0.05 in 1000), ``spectral``,
            ``batch`` or ``none``.
        output, output_floor, learn_floor: generator output activation
            (:class:`nugan.models.layers.OutputActivation`; ``learn_floor``: images only).
        aux_weight: weight of the class terms.
        lr, betas: Adam settings (paper: 2e-4, (0.5, 0.999)).
        optimizer_impl: ``fused``, ``foreach`` or ``plain``.
        channels_last: channels-last layout for image networks.
    """

    name: ClassVar[str] = "acgan"
    paper: ClassVar[str] = "Odena, Olah & Shlens, ICML 2017, arXiv:1610.09585"
    year: ClassVar[int] = 2017
    value_function: ClassVar[str] = ACGAN_VALUE_FUNCTION
    accepts: ClassVar[frozenset[str]] = frozenset({"images", "tables"})
    conditional: ClassVar[bool] = True
    uses_labels: ClassVar[bool] = True
    ema_modules: ClassVar[tuple[str, ...]] = ("generator",)
    description: ClassVar[str] = "class-conditional GAN (interaction class), optionally also on E_nu"
    training_defaults: ClassVar[dict[str, Any]] = {"batch_size": 64, "steps": 3000}

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
        d_norm: str = "auto",
        output: str = "identity",
        output_floor: float | Sequence[float] = 0.0,
        learn_floor: bool = False,
        aux_weight: float = 1.0,
        lr: float = 2e-4,
        betas: Sequence[float] = (0.5, 0.999),
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
            d_norm=d_norm,
            output=output,
            output_floor=output_floor,
            learn_floor=learn_floor,
            aux_weight=aux_weight,
            lr=lr,
            betas=betas,
            optimizer_impl=optimizer_impl,
            channels_last=channels_last,
        )
        check_choice("d_norm", d_norm, ("auto", "spectral", "batch", "none"))
        if d_norm == "auto":
            d_norm = "spectral" if len(self.data_shape) == 3 else "none"
        if aux_weight < 0:
            raise ConfigError(f"aux_weight must be >= 0; got {aux_weight}")
        self.nz, self.d_norm, self.aux_weight = nz, d_norm, float(aux_weight)
        in_dim = nz + self.n_classes + self.condition_dim
        out_dim = 1 + self.n_classes  # source score, class logits
        self.memory_format = torch.contiguous_format
        self.generator: nn.Module
        self.discriminator: nn.Module
        if len(self.data_shape) == 3:
            self.generator = ConvGenerator(
                in_dim, self.data_shape, ngf, max_mult, "batch", output, output_floor, learn_floor
            )
            c, h, w = self.data_shape
            d_shape = (c + self.condition_dim, h, w)  # the condition as constant extra channels
            self.discriminator = ConvCritic(d_shape, ndf, max_mult, d_norm, out_dim=out_dim)
            if channels_last:
                self.memory_format = torch.channels_last
                self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        else:
            (features,) = self.data_shape
            mlp_norm = "spectral" if d_norm == "spectral" else "none"
            self.generator = MLPGenerator(in_dim, features, hidden, depth, output, output_floor)
            self.discriminator = MLP(features + self.condition_dim, out_dim, hidden, depth, norm=mlp_norm)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        return {
            "discriminator": make_adam(
                self.discriminator.parameters(), cfg["lr"], cfg["betas"], cfg["optimizer_impl"]
            ),
            "generator": make_adam(
                self.generator.parameters(), cfg["lr"], cfg["betas"], cfg["optimizer_impl"]
            ),
        }

    def generate(self, z: Tensor, labels: Tensor, condition: Tensor | None) -> Tensor:
        """Generator output for latent ``z`` (B, nz), ``labels`` (B,) and an optional condition."""
        parts = [z, F.one_hot(labels, self.n_classes).to(z.dtype)]
        if condition is not None:
            parts.append(condition.to(z.dtype))
        return self.generator(torch.cat(parts, 1))

    def heads(self, x: Tensor, condition: Tensor | None) -> tuple[Tensor, Tensor]:
        """Discriminator outputs: source score (B,) and class logits (B, K)."""
        if condition is not None:
            cond = condition.to(x.dtype)
            if x.ndim == 4:  # (B, C, H, W) + (B, c, H, W) constant planes
                cond = cond[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
                x = torch.cat([x, cond], 1).contiguous(memory_format=self.memory_format)
            else:
                x = torch.cat([x, cond], 1)
        out = self.discriminator(x)
        return out[:, 0], out[:, 1:]

    def training_step(self, batch: Batch, step: int, update: UpdateFn) -> dict[str, float]:
        self.check_batch(batch)
        assert batch.labels is not None
        real = batch.x.contiguous(memory_format=self.memory_format) if batch.x.ndim == 4 else batch.x
        labels, cond = batch.labels.long(), batch.condition
        b = real.shape[0]
        z = torch.randn(b, self.nz, device=real.device, dtype=real.dtype)
        fake = self.generate(z, labels, cond)
        # (1) discriminator: max L_S + L_C
        if self.d_norm == "batch":
            (s_real, c_real), (s_fake, c_fake) = self.heads(real, cond), self.heads(fake.detach(), cond)
        else:
            s, c = self.heads(torch.cat([real, fake.detach()]), None if cond is None else cond.repeat(2, 1))
            s_real, c_real, s_fake, c_fake = s[:b], c[:b], s[b:], c[b:]
        loss_s = gan_losses("bce", s_real, s_fake)
        loss_c = self.aux_weight * (
            F.cross_entropy(c_real.float(), labels) + F.cross_entropy(c_fake.float(), labels)
        )
        loss_d = loss_s + loss_c
        update("discriminator", loss_d)
        # (2) generator: max L_C - L_S (non-saturating source term)
        with frozen(self.discriminator):
            s, c = self.heads(fake, cond)
            loss_g = generator_loss("bce", s) + self.aux_weight * F.cross_entropy(c.float(), labels)
            update("generator", loss_g)
        acc = (c_real.detach().argmax(1) == labels).float().mean()
        return to_floats({"loss_d": loss_d, "loss_g": loss_g, "loss_aux_d": loss_c, "class_acc_real": acc})

    def _sample(
        self, n: int, condition: Tensor | None, labels: Tensor | None, generator: torch.Generator | None
    ) -> Tensor:
        assert labels is not None
        z = self.randn(n, self.nz, generator=generator)
        parts = []
        for i in range(0, n, SAMPLE_CHUNK):
            sl = slice(i, i + SAMPLE_CHUNK)
            parts.append(self.generate(z[sl], labels[sl], None if condition is None else condition[sl]))
        return torch.cat(parts) if parts else torch.empty((0, *self.data_shape), device=z.device)
