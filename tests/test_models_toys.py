"""Known answers on toys: conditioning is obeyed, the flow is a normalised invertible density,
the WGAN-GP schedule and penalty follow the paper."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from nugan.models import Batch, GenerativeModel, create_model
from nugan.models.flow import ConditionalFlow
from nugan.models.wgan import gradient_penalty

torch.set_num_threads(1)


def make_update(
    model: GenerativeModel, calls: list[str] | None = None
) -> Callable[[str, torch.Tensor], None]:
    opts = model.configure_optimizers()

    def update(name: str, loss: torch.Tensor) -> None:
        if calls is not None:
            calls.append(name)
        opts[name].zero_grad(set_to_none=True)
        loss.backward()
        opts[name].step()

    return update


# ------------------------------------------------------------------------------------------ ACGAN
def left_right_images(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Class 0: bright left half; class 1: bright right half (1×8×8, noise 0.2)."""
    labels = torch.randint(0, 2, (n,), generator=g)
    x = 0.2 * torch.randn(n, 1, 8, 8, generator=g) - 0.5
    x[labels == 0, :, :, :4] += 1.0
    x[labels == 1, :, :, 4:] += 1.0
    return x, labels


def left_right_classifier(x: torch.Tensor) -> torch.Tensor:
    """The fixed classifier: which half is brighter."""
    return (x[:, :, :, 4:].mean((1, 2, 3)) > x[:, :, :, :4].mean((1, 2, 3))).long()


def test_acgan_generates_the_requested_class() -> None:
    torch.manual_seed(0)
    model = create_model("acgan", data_shape=(1, 8, 8), n_classes=2, nz=16, ngf=8, ndf=8, lr=1e-3)
    update, g = make_update(model), torch.Generator().manual_seed(0)
    x, y = left_right_images(200, g)
    assert (left_right_classifier(x) == y).float().mean() == 1.0  # the classifier is right on real data
    for step in range(100):
        x, y = left_right_images(64, g)
        model.training_step(Batch(x=x, labels=y), step, update)
    labels = torch.arange(200) % 2
    out = model.sample(200, labels=labels, generator=torch.Generator().manual_seed(1))
    acc = (left_right_classifier(out) == labels).float().mean().item()
    assert acc > 0.9  # chance: 0.5
    swapped = model.sample(200, labels=1 - labels, generator=torch.Generator().manual_seed(1))
    assert (left_right_classifier(swapped) == labels).float().mean().item() < 0.1


def test_acgan_follows_labels_and_continuous_condition() -> None:
    """Tables: x ~ N(c + 2·label − 1, 0.1); the generated mean follows both label and condition."""
    torch.manual_seed(0)
    model = create_model(
        "acgan", data_shape=(1,), condition_dim=1, n_classes=2, nz=4, hidden=32, depth=2, lr=5e-4
    )
    update, g = make_update(model), torch.Generator().manual_seed(0)
    for step in range(1000):
        c = torch.rand(256, 1, generator=g) * 2 - 1
        y = torch.randint(0, 2, (256,), generator=g)
        x = c + 2.0 * y[:, None] - 1.0 + 0.1 * torch.randn(256, 1, generator=g)
        model.training_step(Batch(x=x, condition=c, labels=y), step, update)
    for label in (0, 1):
        for cv in (-0.8, 0.0, 0.7):
            out = model.sample(1000, condition=torch.tensor([cv]), labels=torch.tensor(label),
                               generator=torch.Generator().manual_seed(1))  # fmt: skip
            assert out.mean().item() == pytest.approx(cv + 2 * label - 1, abs=0.15)
            assert 0.03 < out.std().item() < 0.2


# ------------------------------------------------------------------------------------------ flow
@pytest.mark.parametrize("kind", ["nsf", "maf"])
def test_flow_is_invertible_with_correct_log_det(kind: str) -> None:
    torch.manual_seed(0)
    flow = create_model(
        "flow", data_shape=(3,), condition_dim=2, flow=kind, transforms=3, hidden_features=[16]
    )
    assert isinstance(flow, ConditionalFlow)
    x, c = torch.randn(50, 3) * 2, torch.randn(50, 2)
    z = flow.transform(x, c)
    assert torch.allclose(flow.inverse(z, c), x, atol=1e-4)
    assert torch.allclose(flow.transform(flow.inverse(x, c), c), x, atol=1e-4)
    # log p(x) = log N(f(x)) + log|det J|, with the Jacobian from autograd (one example)
    jac = torch.autograd.functional.jacobian(lambda v: flow.transform(v[None], c[:1])[0], x[0])
    normal = torch.distributions.Normal(0.0, 1.0).log_prob(z[0]).sum()
    expected = normal + torch.linalg.slogdet(jac).logabsdet
    assert flow.log_prob(x[:1], c[:1]).item() == pytest.approx(expected.item(), abs=1e-4)


@pytest.mark.parametrize("condition_dim", [0, 1])
def test_flow_density_integrates_to_one(condition_dim: int) -> None:
    torch.manual_seed(1)
    flow = create_model(
        "flow", data_shape=(1,), condition_dim=condition_dim, transforms=2, hidden_features=[8]
    )
    with torch.no_grad():
        for p in flow.parameters():  # a non-trivial (random) density, not the identity at init
            p.add_(0.5 * torch.randn_like(p))
    grid = torch.linspace(-20.0, 20.0, 40001)[:, None]
    cond = torch.full((len(grid), 1), 0.7) if condition_dim else None
    with torch.no_grad():
        density = flow.log_prob(grid, cond).exp()
    assert torch.trapezoid(density, grid[:, 0]).item() == pytest.approx(1.0, abs=2e-3)


def conditional_gaussian(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """x ~ N(c, 0.1) with c ~ U(-1, 1)."""
    c = torch.rand(n, 1, generator=g) * 2 - 1
    return c + 0.1 * torch.randn(n, 1, generator=g), c


def fit_conditional_toy(model: GenerativeModel, steps: int) -> dict[float, tuple[float, float]]:
    update, g = make_update(model), torch.Generator().manual_seed(0)
    for step in range(steps):
        x, c = conditional_gaussian(256, g)
        model.training_step(Batch(x=x, condition=c), step, update)
    out = {}
    for cv in (-0.8, -0.3, 0.2, 0.7):
        s = model.sample(2000, condition=torch.tensor([cv]), generator=torch.Generator().manual_seed(1))
        out[cv] = (s.mean().item(), s.std().item())
    return out


def test_flow_conditional_mean_follows_the_condition() -> None:
    torch.manual_seed(0)
    flow = create_model(
        "flow", data_shape=(1,), condition_dim=1, transforms=2, hidden_features=[32, 32], lr=3e-3
    )
    for cv, (mean, std) in fit_conditional_toy(flow, 300).items():
        assert mean == pytest.approx(cv, abs=0.08)
        assert std == pytest.approx(0.1, rel=0.6)


def test_tabular_gan_conditional_mean_follows_the_condition() -> None:
    torch.manual_seed(0)
    gan = create_model(
        "tabular-gan", data_shape=(1,), condition_dim=1, nz=4, hidden=32, depth=2, lr=1e-3, n_critic=2
    )
    result = fit_conditional_toy(gan, 1000)
    for cv, (mean, std) in result.items():
        assert mean == pytest.approx(cv, abs=0.15)
        assert std < 0.3
    means = torch.tensor([m for m, _ in result.values()])
    slope = (means[-1] - means[0]) / (0.7 - (-0.8))
    assert slope.item() == pytest.approx(1.0, abs=0.2)


# ------------------------------------------------------------------------------------------ WGAN-GP
def test_gradient_penalty_known_values() -> None:
    x = torch.randn(7, 2, requires_grad=True)
    w = torch.tensor([0.6, 0.8])  # ‖w‖ = 1: no penalty
    assert gradient_penalty(x @ w, x).item() == pytest.approx(0.0, abs=1e-12)
    assert gradient_penalty(x @ (3 * w), x).item() == pytest.approx(4.0)  # (3 - 1)²
    assert gradient_penalty(x @ (0.5 * w), x).item() == pytest.approx(0.25)  # (0.5 - 1)²
    assert gradient_penalty(x @ (0.5 * w), x, one_sided=True).item() == 0.0


def test_wgan_updates_the_generator_every_n_critic_steps() -> None:
    torch.manual_seed(0)
    model = create_model("wgan-gp", data_shape=(2,), nz=4, hidden=8, depth=1, n_critic=3)
    calls: list[str] = []
    update = make_update(model, calls)
    for step in range(7):
        model.training_step(Batch(x=torch.randn(16, 2)), step, update)
    assert calls.count("critic") == 7
    assert calls.count("generator") == 3  # steps 0, 3, 6
