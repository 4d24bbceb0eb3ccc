"""DCGAN for images of any size, and the seed paper's exact preset."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nugan.models import Batch, create_model, training_defaults
from nugan.models.layers import ConvCritic, ConvGenerator

torch.set_num_threads(1)


@pytest.mark.parametrize("shape", [(2, 100, 80), (2, 32, 32), (3, 64, 64), (1, 8, 8), (1, 5, 7), (2, 16, 12)])
def test_any_image_size(shape: tuple[int, int, int]) -> None:
    g = ConvGenerator(in_dim=6, data_shape=shape, ngf=2)
    d = ConvCritic(data_shape=shape, ndf=2)
    x = g(torch.randn(3, 6))
    assert x.shape == (3, *shape)
    assert d(x).shape == (3, 1)


def _listing_param_count(nz: int = 100, ngf: int = 32, ndf: int = 32, nc: int = 3) -> tuple[int, int]:
    """Parameter counts of the seed listing's generator and discriminator, written out by hand."""
    g = (
        nz * ngf * 8 * 16
        + 2 * ngf * 8
        + ngf * 8 * ngf * 4 * 16
        + 2 * ngf * 4
        + ngf * 4 * ngf * 2 * 16
        + 2 * ngf * 2
        + ngf * 2 * ngf * 16
        + 2 * ngf
        + ngf * nc * 16
    )
    d = (
        nc * ndf * 16
        + ndf * ndf * 2 * 16
        + 2 * ndf * 2
        + ndf * 2 * ndf * 4 * 16
        + 2 * ndf * 4
        + ndf * 4 * ndf * 8 * 16
        + 2 * ndf * 8
        + ndf * 8 * 16
    )
    return g, d


def test_seed_preset_reproduces_the_listing() -> None:
    torch.manual_seed(0)
    m = create_model("seed-dcgan", data_shape=(3, 64, 64))
    g_shapes = [tuple(p.shape) for n, p in m.generator.named_parameters() if p.ndim == 4]
    assert g_shapes == [(100, 256, 4, 4), (256, 128, 4, 4), (128, 64, 4, 4), (64, 32, 4, 4), (32, 3, 4, 4)]
    d_shapes = [tuple(p.shape) for n, p in m.discriminator.named_parameters() if p.ndim == 4]
    assert d_shapes == [(32, 3, 4, 4), (64, 32, 4, 4), (128, 64, 4, 4), (256, 128, 4, 4), (1, 256, 4, 4)]
    n_g = sum(p.numel() for p in m.generator.parameters())
    n_d = sum(p.numel() for p in m.discriminator.parameters())
    assert (n_g, n_d) == _listing_param_count()
    bns = [mod for mod in m.modules() if isinstance(mod, nn.BatchNorm2d)]
    assert len(bns) == 4 + 3  # G: after every layer but the last; D: not after the first and last
    assert isinstance(m.generator.main[-1], nn.ConvTranspose2d) and m.generator.out.kind == "tanh"
    # weight init N(0, 0.02) for convolutions, N(1, 0.02) for BN scales
    w = torch.cat([p.flatten() for p in m.parameters() if p.ndim == 4])
    assert abs(w.mean().item()) < 1e-3 and w.std().item() == pytest.approx(0.02, rel=0.02)
    s = torch.cat([b.weight for b in bns])
    assert s.mean().item() == pytest.approx(1.0, abs=0.01) and s.std().item() == pytest.approx(0.02, rel=0.2)
    opts = m.configure_optimizers()
    for opt in opts.values():
        assert isinstance(opt, torch.optim.Adam)
        assert opt.defaults["lr"] == 0.005 and opt.defaults["betas"] == (0.5, 0.999)
    assert training_defaults("seed-dcgan")["batch_size"] == 64
    assert m.config["nz"] == 100 and m.config["ngf"] == 32 and m.config["ndf"] == 32
    x = m.sample(3, generator=torch.Generator().manual_seed(0))
    assert x.abs().max() <= 1.0  # tanh output, data in [-1, 1]


def test_seed_step_equals_the_listing_computation() -> None:
    """One step equals the listing's: D on real and fake separately with BCE, then G with BCE to 1."""
    torch.manual_seed(0)
    m = create_model("seed-dcgan", data_shape=(1, 8, 8), ngf=4, ndf=4)
    ref = create_model("seed-dcgan", data_shape=(1, 8, 8), ngf=4, ndf=4)
    ref.load_state_dict(m.state_dict())
    x = torch.rand(6, 1, 8, 8) * 2 - 1
    torch.manual_seed(5)
    losses = m.training_step(Batch(x=x), 0, _update(m))
    # the listing, written with Sigmoid + BCELoss and explicit zero_grad/backward/step
    opt = ref.configure_optimizers()
    crit = nn.BCELoss()
    torch.manual_seed(5)
    noise = torch.randn(6, ref.nz)
    fake = ref.generator(noise)
    ref.discriminator.zero_grad()
    out = torch.sigmoid(ref.discriminator(x)).view(-1)
    err_real = crit(out, torch.ones(6))
    err_real.backward()
    out = torch.sigmoid(ref.discriminator(fake.detach())).view(-1)
    err_fake = crit(out, torch.zeros(6))
    err_fake.backward()
    opt["discriminator"].step()
    ref.generator.zero_grad()
    out = torch.sigmoid(ref.discriminator(fake)).view(-1)
    err_g = crit(out, torch.ones(6))
    err_g.backward()
    opt["generator"].step()
    assert losses["loss_d"] == pytest.approx((err_real + err_fake).item(), rel=1e-5)
    assert losses["loss_g"] == pytest.approx(err_g.item(), rel=1e-5)
    for (k, a), b in zip(m.state_dict().items(), ref.state_dict().values()):
        assert torch.allclose(a, b, atol=2e-5), (k, (a - b).abs().max())


def _update(model: nn.Module) -> object:
    opts = model.configure_optimizers()  # type: ignore[operator]

    def update(name: str, loss: torch.Tensor) -> None:
        opts[name].zero_grad(set_to_none=True)
        loss.backward()
        opts[name].step()

    return update


def test_default_dcgan_is_the_better_practice_layout() -> None:
    m = create_model("dcgan", data_shape=(2, 32, 32), ngf=4, ndf=4)
    assert not any(isinstance(mod, nn.BatchNorm2d) for mod in m.discriminator.modules())
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in m.parameters() if p.ndim == 4)
    opts = m.configure_optimizers()
    assert opts["generator"].defaults["lr"] == 2e-4 and opts["generator"].defaults["fused"]
    assert training_defaults("dcgan")["ema_decay"] > 0


def test_batch_statistics_sampling_keeps_running_stats() -> None:
    m = create_model("seed-dcgan", data_shape=(1, 8, 8), ngf=4, ndf=4)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    a = m.sample(70, generator=torch.Generator().manual_seed(0))
    assert all(torch.equal(v, m.state_dict()[k]) for k, v in before.items())
    assert m.training  # mode restored
    b = m.sample(70, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)


@pytest.mark.parametrize(("output", "floor"), [("relu", [-0.5, -1.0]), ("softplus", -0.3)])
def test_physical_floor_outputs(output: str, floor: float | list[float]) -> None:
    """softplus/relu outputs never go below the encoded physical zero; relu reaches it exactly."""
    m = create_model("dcgan", data_shape=(2, 8, 8), ngf=4, ndf=4, output=output, output_floor=floor)
    x = m.sample(16, generator=torch.Generator().manual_seed(0))
    lo = torch.tensor(floor, dtype=torch.float32).reshape(1, -1, 1, 1)
    assert (x >= lo).all()
    if output == "relu":
        assert ((x == lo).float().mean() > 0.1).item()
    else:
        assert (x > lo).all()


def _blobs(n: int, g: torch.Generator, size: int = 16) -> torch.Tensor:
    """Sparse Gaussian blobs at random positions, encoded as FeatureSpec encodes pixel maps
    (log(1 + E), standardised with fixed constants)."""
    yy, xx = torch.meshgrid(torch.arange(size).float(), torch.arange(size).float(), indexing="ij")
    cx = torch.rand(n, 1, 1, generator=g) * (size - 6) + 3
    cy = torch.rand(n, 1, 1, generator=g) * (size - 6) + 3
    energy = 10 * torch.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * 1.5**2))
    energy = torch.where(energy > 0.5, energy, 0.0)
    return ((torch.log1p(energy) - 0.2) / 0.5)[:, None]


def _pixel_w1(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.flatten().sort().values - b.flatten().sort().values).abs().mean().item()


@pytest.mark.slow
def test_default_dcgan_beats_the_seed_preset_on_normalised_pixel_maps() -> None:
    """Same steps, same data: the seed's tanh output cannot reach standardised values above 1."""
    reference = _blobs(1000, torch.Generator().manual_seed(9))
    scores = {}
    for name in ("seed-dcgan", "dcgan"):
        torch.manual_seed(0)
        model = create_model(name, data_shape=(1, 16, 16), ngf=16, ndf=16)
        update, g = _update(model), torch.Generator().manual_seed(0)
        for step in range(1500):
            model.training_step(Batch(x=_blobs(64, g)), step, update)  # type: ignore[arg-type]
        out = model.sample(1000, generator=torch.Generator().manual_seed(1))
        scores[name] = _pixel_w1(out, reference)
    assert scores["dcgan"] < 0.8 * scores["seed-dcgan"], scores
