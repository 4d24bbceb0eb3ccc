"""GRV98 leading-order parton distributions, read from the LHAPDF 5 grid file.

The package ships ``data/GRV98lo_patched.LHgrid`` (GENIE-MC/Generator
``data/evgen/pdfs/GRV98lo_patched.LHgrid`` @ 143b849, 111,513 bytes, unchanged; see
``data/GRV98lo_patched.README.txt``). The file holds x·f(x, Q²) on 67 x nodes
(1e-9 … 0.95; x = 1 is zero) × 27 Q² nodes (0.8 … 10⁶ GeV²), six columns per node:
x·u_v, x·d_v, x·(d̄ − ū), x·(ū + d̄), x·s (= x·s̄), x·g. Like the original GRV98
Fortran routine ``GRV98PA`` (and LHAPDF 5's wrapper), the values are divided by
(1−x)^n x^a, interpolated bilinearly in (ln x, ln Q²) and multiplied back. GRV98 LO
has three light flavours; charm is zero.

References:
    M. Glück, E. Reya, A. Vogt, Eur. Phys. J. C5 (1998) 461 [hep-ph/9806404].
"""

from __future__ import annotations

import dataclasses
import functools
from importlib import resources

import numpy as np

from nugan.errors import InputFileError

GRID_FILE = "GRV98lo_patched.LHgrid"
Q2_MIN_GEV2 = 0.8  # lowest Q² node of the grid
Q2_MAX_GEV2 = 1.0e6
X_MIN = 1.0e-9

# (power of (1 − x), power of x) that GRV98PA divides out before interpolating, per column.
_REDUCTION = ((3, 0.5), (4, 0.5), (7, 0.5), (7, -0.2), (7, -0.2), (5, -0.2))


@dataclasses.dataclass(frozen=True)
class PartonDensities:
    """Proton x·f(x, Q²) for the light partons (arrays of the input shape)."""

    uv: np.ndarray
    dv: np.ndarray
    ubar: np.ndarray
    dbar: np.ndarray
    s: np.ndarray
    g: np.ndarray

    @property
    def u(self) -> np.ndarray:
        return self.uv + self.ubar

    @property
    def d(self) -> np.ndarray:
        return self.dv + self.dbar


@dataclasses.dataclass(frozen=True)
class GRV98Grid:
    """The parsed grid: nodes and reduced (interpolable) tables of shape (6, n_x, n_q2)."""

    x: np.ndarray
    q2_gev2: np.ndarray
    reduced: np.ndarray

    def xf(self, x: np.ndarray, q2_gev2: np.ndarray) -> PartonDensities:
        """x·f of the proton at (x, Q²); Q² is clipped to the grid range, x ≥ 1 gives 0.

        Arguments:
            x: Bjorken x (or a scaling variable), any shape.
            q2_gev2: Q² in GeV², broadcastable to ``x``.
        """
        x, q2 = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(q2_gev2, dtype=float))
        xc = np.clip(x, X_MIN, 1.0)
        lq = np.log(np.clip(q2, Q2_MIN_GEV2, Q2_MAX_GEV2))
        lx = np.log(xc)
        vals = _bilinear(np.log(self.x), np.log(self.q2_gev2), self.reduced, lx, lq)
        out = []
        for (p1, px), v in zip(_REDUCTION, vals):
            out.append(np.where(x < 1.0, v * (1.0 - xc) ** p1 * xc**px, 0.0))
        uv, dv, delta, udbar, s, g = out
        return PartonDensities(
            uv=uv, dv=dv, ubar=0.5 * (udbar - delta), dbar=0.5 * (udbar + delta), s=s, g=g
        )


def _bilinear(
    ax: np.ndarray, aq: np.ndarray, table: np.ndarray, lx: np.ndarray, lq: np.ndarray
) -> np.ndarray:
    """Bilinear interpolation of ``table`` (k, nx, nq) at points (lx, lq); (k, *shape)."""
    ix = np.clip(np.searchsorted(ax, lx, side="right") - 1, 0, ax.size - 2)
    iq = np.clip(np.searchsorted(aq, lq, side="right") - 1, 0, aq.size - 2)
    tx = (lx - ax[ix]) / (ax[ix + 1] - ax[ix])
    tq = (lq - aq[iq]) / (aq[iq + 1] - aq[iq])
    return (
        table[:, ix, iq] * (1 - tx) * (1 - tq)
        + table[:, ix + 1, iq] * tx * (1 - tq)
        + table[:, ix, iq + 1] * (1 - tx) * tq
        + table[:, ix + 1, iq + 1] * tx * tq
    )


def parse_lhgrid(text: str, name: str = GRID_FILE) -> GRV98Grid:
    """Parse the GRV98 LHAPDF 5 ``.LHgrid`` text (x nodes, Q² nodes, 1809 rows of 6 values).

    Raises:
        InputFileError: the text is not a GRV98 LHAPDF 5 grid of the expected size.
    """
    lines = text.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == "'GRV'") + 2
        marker = next(i for i, ln in enumerate(lines) if ln.strip().startswith("file:"))
        nodes = np.array(" ".join(lines[start:marker]).split(), dtype=float)
        rows = [ln.split() for ln in lines[marker + 1 :] if ln.strip() and not ln.startswith("'")]
        data = np.array(rows, dtype=float)
    except (StopIteration, ValueError) as exc:
        raise InputFileError(
            f"{name}: not a complete GRV98 LHAPDF 5 grid ({exc}); the file is truncated or corrupt: "
            "use the file shipped in nugan/physics/data"
        ) from None
    n_x, n_q = 68, 27
    if nodes.size != n_x + n_q or data.shape != ((n_x - 1) * n_q, 6):
        raise InputFileError(
            f"{name}: expected {n_x}+{n_q} nodes and {(n_x - 1) * n_q}x6 values, "
            f"got {nodes.size} nodes and {data.shape}; the grid file is truncated or of another set"
        )
    x, q2 = nodes[:n_x], nodes[n_x:]
    values = np.zeros((6, n_x, n_q))
    values[:, :-1, :] = data.reshape(n_x - 1, n_q, 6).transpose(2, 0, 1)  # Q² runs fastest
    reduced = np.zeros_like(values)
    for k, (p1, px) in enumerate(_REDUCTION):
        reduced[k, :-1, :] = values[k, :-1, :] / ((1.0 - x[:-1, None]) ** p1 * x[:-1, None] ** px)
    return GRV98Grid(x=x, q2_gev2=q2, reduced=reduced)


@functools.cache
def grv98lo() -> GRV98Grid:
    """The shipped GRV98 LO grid (parsed once per process).

    Example:
        >>> pdf = grv98lo().xf(0.1, 10.0)
        >>> 0.4 < float(pdf.uv) < 0.7
        True
    """
    text = resources.files("nugan.physics").joinpath("data", GRID_FILE).read_text()
    return parse_lhgrid(text)
