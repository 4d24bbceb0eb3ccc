"""Building blocks shared by the zoo families: DCGAN-style convolutional generator and critic
for images of any size, MLPs for tables, output activations, weight initialisation.

The convolutional networks follow Radford et al. (arXiv:1511.06434): the generator turns a
latent vector into a small ``(h0, w0)`` map with one transposed convolution and doubles it
``n_up`` times with stride-2 4×4 transposed convolutions; the critic halves the image with
stride-2 4×4 convolutions and ends with one convolution spanning the remaining map. For a
64×64 image this is exactly the layout of the seed paper's listing (4×4 → 64×64, channel
multipliers 8, 4, 2, 1). Other sizes are handled by choosing ``n_up`` from the smaller side
and cropping the generator output centrally (e.g. 2×100×80: 7×5 → 112×80, cropped to 100×80).

Example:
    >>> import torch
    >>> g = ConvGenerator(in_dim=10, data_shape=(2, 100, 80), ngf=4)
    >>> g(torch.zeros(3, 10)).shape
    torch.Size([3, 2, 100, 80])
    >>> ConvCritic(data_shape=(2, 100, 80), ndf=4)(torch.zeros(3, 2, 100, 80)).shape
    torch.Size([3, 1])
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from nugan.errors import ConfigError, SchemaError

OUTPUTS = ("identity", "tanh", "softplus", "relu")
NORMS = ("batch", "spectral", "layer", "none")


def n_upsamplings(height: int, width: int) -> int:
    """Number of ×2 stages so that the smallest map side is about 4 (as in DCGAN at 64×64)."""
    side = min(height, width)
    if side < 4:
        raise SchemaError(f"images of {height}×{width} are too small for a convolutional GAN (need ≥ 4×4)")
    return max(1, math.floor(math.log2(side / 4)))


def dcgan_init(module: nn.Module) -> None:
    """Radford et al. initialisation (as in the seed listing): conv weights N(0, 0.02), norm scales
    N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm | nn.LayerNorm) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def _norm2d(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)  # layer norm over (C, H, W), batch-independent (WGAN-GP critics)
    return nn.Identity()


def check_choice(what: str, value: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ConfigError naming them."""
    if value not in choices:
        raise ConfigError(f"{what} must be one of {', '.join(choices)}; got {value!r}")
    return value


class OutputActivation(nn.Module):
    """Last activation of a generator.

    ``identity`` (normalised, unbounded data), ``tanh`` (data scaled to [-1, 1], as in the seed
    listing), ``softplus`` (``floor + softplus(x)``: strictly above ``floor``) and ``relu``
    (``floor + relu(x)``: exactly ``floor`` for empty cells). ``floor`` is the encoded value of a
    physical zero (one number, or one per channel/feature), so that ``softplus``/``relu`` outputs
    decode to non-negative energies, and ``relu`` reproduces the exact zeros of sparse pixel maps
    (a ReLU output for energy deposits, as in CaloGAN, Paganini et al. 2018, arXiv:1712.10321).
    With ``learn_floor`` the floor is a trainable per-channel parameter initialised at ``floor``,
    for when the encoded zero is not known to the model.
    """

    def __init__(
        self,
        kind: str = "identity",
        floor: float | Sequence[float] = 0.0,
        channels: int = 1,
        learn_floor: bool = False,
    ):
        super().__init__()
        self.kind = check_choice("output", kind, OUTPUTS)
        floor_t = torch.as_tensor(floor, dtype=torch.float32).reshape(-1)
        if floor_t.numel() not in (1, channels):
            raise ConfigError(
                f"output_floor has {floor_t.numel()} values; give 1 or {channels} (one per channel)"
            )
        self.floor: Tensor
        if learn_floor and kind in ("softplus", "relu"):
            self.floor = nn.Parameter(floor_t.expand(channels).clone())  # type: ignore[assignment]
        else:
            self.register_buffer("floor", floor_t, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if self.kind == "identity":
            return x
        if self.kind == "tanh":
            return torch.tanh(x)
        floor = self.floor.reshape((1, -1) + (1,) * (x.ndim - 2)).to(x.dtype)
        if self.kind == "softplus":
            return floor + nn.functional.softplus(x)
        return floor + torch.relu(x)


class ConvGenerator(nn.Module):
    """DCGAN generator for ``(C, H, W)`` images of any size.

    Arguments:
        in_dim: width of the input vector (latent + condition).
        data_shape: ``(C, H, W)`` output shape.
        ngf: feature maps of the last hidden layer (the first has ``ngf·min(2^(n_up-1), max_mult)``).
        max_mult: cap of the channel multiplier for large images.
        norm: ``batch`` or ``none``.
        output, output_floor, learn_floor: see :class:`OutputActivation`.
    """

    def __init__(
        self,
        in_dim: int,
        data_shape: Sequence[int],
        ngf: int = 32,
        max_mult: int = 8,
        norm: str = "batch",
        output: str = "identity",
        output_floor: float | Sequence[float] = 0.0,
        learn_floor: bool = False,
    ):
        super().__init__()
        c, h, w = (int(s) for s in data_shape)
        check_choice("generator norm", norm, ("batch", "none"))
        n_up = n_upsamplings(h, w)
        self.out_hw = (h, w)
        h0, w0 = math.ceil(h / 2**n_up), math.ceil(w / 2**n_up)
        chans = [ngf * min(2 ** (n_up - 1 - i), max_mult) for i in range(n_up)]
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(
                in_dim, chans[0], (h0, w0), 1, 0, bias=False
            ),  # (B, in, 1, 1) → (B, c0, h0, w0)
            _norm2d(norm, chans[0]),
            nn.ReLU(True),
        ]
        for cin, cout in itertools.pairwise(chans):
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), _norm2d(norm, cout), nn.ReLU(True)]
        layers.append(nn.ConvTranspose2d(chans[-1], c, 4, 2, 1, bias=False))  # → (B, C, h0·2^n, w0·2^n)
        self.main = nn.Sequential(*layers)
        self.out = OutputActivation(output, output_floor, channels=c, learn_floor=learn_floor)
        dcgan_init(self)

    def forward(self, z: Tensor) -> Tensor:
        x = self.main(z.reshape(z.shape[0], z.shape[1], 1, 1))
        h, w = self.out_hw
        top, left = (x.shape[2] - h) // 2, (x.shape[3] - w) // 2
        if top or left or x.shape[2] != h or x.shape[3] != w:
            x = x[:, :, top : top + h, left : left + w]  # central crop to the data size
        return self.out(x)


class ConvCritic(nn.Module):
    """DCGAN discriminator/critic for ``(C, H, W)`` images of any size, returning ``(B, out_dim)`` raw scores.

    Arguments:
        data_shape: ``(C, H, W)`` input shape.
        ndf: feature maps of the first layer (doubled per stage, capped at ``ndf·max_mult``).
        max_mult: cap of the channel multiplier.
        norm: ``batch`` (seed), ``spectral`` (Miyato et al. 2018), ``layer`` (WGAN-GP) or ``none``.
        out_dim: number of outputs (1 for a GAN; 1 + classes (+ condition) for ACGAN).
    """

    def __init__(
        self,
        data_shape: Sequence[int],
        ndf: int = 32,
        max_mult: int = 8,
        norm: str = "batch",
        out_dim: int = 1,
    ):
        super().__init__()
        c, h, w = (int(s) for s in data_shape)
        check_choice("critic norm", norm, NORMS)
        n_down = n_upsamplings(h, w)
        chans = [ndf * min(2**i, max_mult) for i in range(n_down)]
        convs: list[nn.Module] = [nn.Conv2d(c, chans[0], 4, 2, 1, bias=False)]
        layers: list[nn.Module] = [convs[0], nn.LeakyReLU(0.2, inplace=True)]
        for cin, cout in itertools.pairwise(chans):
            convs.append(nn.Conv2d(cin, cout, 4, 2, 1, bias=False))
            layers += [convs[-1], _norm2d(norm, cout), nn.LeakyReLU(0.2, inplace=True)]
        for _ in range(n_down):  # a stride-2 4×4 conv with padding 1 maps s → floor(s/2)
            h, w = h // 2, w // 2
        convs.append(nn.Conv2d(chans[-1], out_dim, (h, w), 1, 0, bias=False))  # → (B, out_dim, 1, 1)
        layers.append(convs[-1])
        self.main = nn.Sequential(*layers)
        dcgan_init(self)
        if norm == "spectral":
            for conv in convs:
                spectral_norm(conv)

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x).flatten(1)


class MLP(nn.Sequential):
    """Fully connected network ``in_dim → hidden × depth → out_dim`` with LeakyReLU(0.2).

    Arguments:
        norm: ``layer`` (LayerNorm after each hidden linear), ``spectral`` (spectral norm on every
            linear) or ``none``.
        final_bias: whether the last linear has a bias (a Wasserstein critic's gets no gradient:
            the loss is invariant to a constant shift of the critic).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        hidden: int = 256,
        depth: int = 3,
        norm: str = "none",
        final_bias: bool = True,
    ):
        check_choice("mlp norm", norm, ("layer", "spectral", "none"))
        if depth < 1 or hidden < 1:
            raise ConfigError(f"MLP needs depth >= 1 and hidden >= 1; got depth={depth}, hidden={hidden}")
        layers: list[nn.Module] = []
        width = in_dim
        for _ in range(depth):
            layers.append(nn.Linear(width, hidden))
            if norm == "layer":
                layers.append(nn.LayerNorm(hidden))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            width = hidden
        layers.append(nn.Linear(width, out_dim, bias=final_bias))
        if norm == "spectral":
            layers = [spectral_norm(m) if isinstance(m, nn.Linear) else m for m in layers]
        super().__init__(*layers)
