"""Exponential moving average (EMA) of model weights.

The engine keeps an EMA of the submodules named in ``model.ema_modules`` (usually
the generator); samples from the EMA weights are smoother and usually better
(Yazıcı et al. 2019, arXiv:1806.04498). Buffers (e.g. BatchNorm statistics) are
copied, not averaged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


class EMA:
    """EMA of the weights of some submodules of a model.

    Arguments:
        model: the model.
        names: names of submodules (``model.ema_modules``); "" means the whole model.
        decay: the EMA decay; early steps use ``min(decay, (1 + step) / (10 + step))``.

    Example:
        >>> net = torch.nn.Linear(2, 1)
        >>> ema = EMA(net, [""], decay=0.5)
        >>> with torch.no_grad():
        ...     _ = net.weight.add_(1.0)
        >>> ema.update(step=100)
        >>> bool(torch.allclose(ema.state[""]["weight"], net.weight - 0.5))
        True
    """

    def __init__(self, model: torch.nn.Module, names: list[str] | tuple[str, ...], decay: float) -> None:
        self.model = model
        self.names = [str(n) for n in names]
        self.decay = float(decay)
        self.state: dict[str, dict[str, torch.Tensor]] = {
            n: {k: v.detach().clone() for k, v in self._module(n).state_dict().items()} for n in self.names
        }

    def _module(self, name: str) -> torch.nn.Module:
        return self.model.get_submodule(name) if name else self.model

    @torch.no_grad()
    def update(self, step: int) -> None:
        decay = min(self.decay, (1.0 + step) / (10.0 + step))
        for name in self.names:
            live = self._module(name).state_dict()
            avg_f, live_f = [], []
            for key, avg in self.state[name].items():
                if avg.is_floating_point():
                    avg_f.append(avg)
                    live_f.append(live[key].detach())
                else:
                    avg.copy_(live[key])
            if avg_f:
                torch._foreach_lerp_(avg_f, live_f, 1.0 - decay)

    def state_dict(self) -> dict[str, dict[str, torch.Tensor]]:
        return {n: {k: v.detach().cpu() for k, v in s.items()} for n, s in self.state.items()}

    def load_state_dict(self, state: dict[str, dict[str, torch.Tensor]]) -> None:
        for name in self.names:
            for key, value in state[name].items():
                self.state[name][key].copy_(value)

    @contextlib.contextmanager
    def swapped(self) -> Iterator[None]:
        """Temporarily put the EMA weights into the model (e.g. to draw progress samples)."""
        saved = {
            n: {k: v.detach().clone() for k, v in self._module(n).state_dict().items()} for n in self.names
        }
        try:
            for n in self.names:
                self._module(n).load_state_dict(self.state[n])
            yield
        finally:
            for n in self.names:
                self._module(n).load_state_dict(saved[n])
