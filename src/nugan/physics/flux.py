"""Neutrino fluxes: monoenergetic, measured tables (shipped CSVs) and a NuMI-like off-axis spectrum.

A :class:`Flux` is a histogram (bin edges in GeV and a density per GeV, any
normalisation) of one neutrino species; :func:`get_flux` builds one by name:

* ``mono:E`` — all neutrinos at E GeV;
* ``miniboone`` — MiniBooNE ν-mode flux (PRD 79, 072002 (2009));
* ``minerva-le`` — MINERvA NuMI low-energy FHC flux (PRD 94, 092005 (2016));
* ``t2k-nd280`` — T2K ND280 +250 kA flux, 2016 release;
* ``numi-offaxis`` — NuMI-like spectrum 14.6 mrad off axis (NOvA), computed from
  π/K two-body decay kinematics with a documented parent spectrum (:func:`numi_offaxis_flux`);
* a path to a CSV table with columns ``enu_low_gev, enu_high_gev`` and one column per flavour
  (``numu, numubar, nue, nuebar``) in any units proportional to ν/GeV.

Energies are sampled by inverse CDF of the histogram (uniform inside a bin).
Provenance of the shipped tables: ``nugan/physics/data/PROVENANCE.md``.
"""

from __future__ import annotations

import dataclasses
import functools
from importlib import resources
from pathlib import Path

import numpy as np

from nugan.errors import ConfigError, InputFileError
from nugan.physics import constants as c

FLAVOURS: dict[str, int] = {"numu": 14, "nue": 12, "numubar": -14, "nuebar": -12}
TABLE_FLUXES: dict[str, str] = {
    "miniboone": "flux_miniboone.csv",
    "minerva-le": "flux_minerva_le.csv",
    "t2k-nd280": "flux_t2k_nd280.csv",
}
FLUX_NAMES = ("mono:E", "numi-offaxis", *TABLE_FLUXES)


@dataclasses.dataclass(frozen=True)
class Flux:
    """A neutrino energy spectrum of one species.

    Attributes:
        name: how it was made (recorded in the output file).
        edges_gev: bin edges (n+1,), increasing; for a mono flux ``[E, E]``.
        density: flux per GeV in each bin (n,), any overall normalisation.
        nu_pdg: the neutrino species (14, 12, −14, −12).

    Example:
        >>> f = get_flux("mono:2.5")
        >>> f.sample(np.random.default_rng(0), 3).tolist(), f.mean_energy_gev()
        ([2.5, 2.5, 2.5], 2.5)
    """

    name: str
    edges_gev: np.ndarray
    density: np.ndarray
    nu_pdg: int = 14

    @property
    def is_mono(self) -> bool:
        return bool(self.edges_gev.size == 2 and self.edges_gev[0] == self.edges_gev[1])

    @property
    def emin_gev(self) -> float:
        return float(self.edges_gev[0])

    @property
    def emax_gev(self) -> float:
        return float(self.edges_gev[-1])

    def bin_integrals(self) -> np.ndarray:
        """Flux in each bin (density × width)."""
        if self.is_mono:
            return np.ones(1)
        return self.density * np.diff(self.edges_gev)

    def mean_energy_gev(self) -> float:
        if self.is_mono:
            return float(self.edges_gev[0])
        centres = 0.5 * (self.edges_gev[1:] + self.edges_gev[:-1])
        w = self.bin_integrals()
        return float(np.sum(centres * w) / np.sum(w))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n energies [GeV] drawn from the histogram (inverse CDF, uniform within a bin)."""
        if self.is_mono:
            return np.full(n, self.edges_gev[0])
        cdf = np.concatenate([[0.0], np.cumsum(self.bin_integrals())])
        cdf /= cdf[-1]
        u = rng.uniform(0.0, 1.0, n)
        idx = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, self.density.size - 1)
        frac = (u - cdf[idx]) / np.maximum(cdf[idx + 1] - cdf[idx], 1e-300)
        return self.edges_gev[idx] + frac * (self.edges_gev[idx + 1] - self.edges_gev[idx])

    def restrict(self, emin_gev: float, emax_gev: float) -> Flux:
        """The flux with zero density outside [emin, emax] (bin edges must fall on the limits)."""
        lo, hi = self.edges_gev[:-1], self.edges_gev[1:]
        keep = (lo >= emin_gev - 1e-9) & (hi <= emax_gev + 1e-9)
        if not keep.any():
            raise ConfigError(f"flux {self.name}: no bins between {emin_gev} and {emax_gev} GeV")
        first, last = np.flatnonzero(keep)[[0, -1]]
        return Flux(
            f"{self.name}[{emin_gev},{emax_gev}]",
            self.edges_gev[first : last + 2].copy(),
            self.density[first : last + 1].copy(),
            self.nu_pdg,
        )

    def describe(self) -> dict[str, object]:
        """JSON-able summary for provenance."""
        return {
            "name": self.name,
            "nu_pdg": int(self.nu_pdg),
            "emin_gev": self.emin_gev,
            "emax_gev": self.emax_gev,
            "mean_energy_gev": self.mean_energy_gev(),
        }


def flavour_pdg(flavour: str) -> int:
    """PDG code of a flavour name (numu, nue, numubar, nuebar)."""
    try:
        return FLAVOURS[flavour]
    except KeyError:
        raise ConfigError(f"unknown flavour {flavour!r}; choose one of {sorted(FLAVOURS)}") from None


def get_flux(name: str | Flux, flavour: str = "numu") -> Flux:
    """A :class:`Flux` by name (see the module docstring) or a path to a flux table."""
    if isinstance(name, Flux):
        return name
    nu_pdg = flavour_pdg(flavour)
    if name.startswith("mono:"):
        try:
            e = float(name.split(":", 1)[1])
        except ValueError:
            raise ConfigError(f"flux {name!r}: expected mono:E with E in GeV, e.g. mono:1.5") from None
        if not (np.isfinite(e) and e > 0):
            raise ConfigError(
                f"flux {name!r}: the energy must be a positive finite number of GeV, e.g. mono:1.5"
            )
        return Flux(name, np.array([e, e]), np.ones(1), nu_pdg)
    if name == "numi-offaxis":
        edges, dens = numi_offaxis_flux(nu_pdg)
        return Flux(name, edges, dens, nu_pdg)
    if name in TABLE_FLUXES:
        text = resources.files("nugan.physics").joinpath("data", TABLE_FLUXES[name]).read_text()
        return _parse_table(text, name, flavour, nu_pdg)
    path = Path(name)
    if path.is_file():
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(
                f"flux table {path}: cannot be read as text ({exc}); give a CSV flux table"
            ) from None
        return _parse_table(text, str(path), flavour, nu_pdg)
    if path.suffix.lower() in {".csv", ".txt", ".dat"} or "/" in name or path.is_dir():
        raise InputFileError(
            f"flux table {name}: no such file; check the path, or use one of {list(FLUX_NAMES)}"
        )
    raise ConfigError(f"unknown flux {name!r}: use one of {list(FLUX_NAMES)} or a path to a CSV flux table")


def _parse_table(text: str, name: str, flavour: str, nu_pdg: int) -> Flux:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    need = {"enu_low_gev", "enu_high_gev", flavour}
    if len(lines) < 2:
        raise InputFileError(
            f"flux table {name}: no data rows; it needs a header with {sorted(need)} "
            "and one row per energy bin"
        )
    header = [h.strip() for h in lines[0].split(",")]
    if not need <= set(header):
        raise InputFileError(f"flux table {name}: needs columns {sorted(need)}, found {header}")
    rows = [ln.split(",") for ln in lines[1:]]
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise InputFileError(
                f"flux table {name}: data row {i + 1} has {len(row)} values but the header has "
                f"{len(header)}; fix that row"
            )
    try:
        data = np.array([[float(v) for v in row] for row in rows])
    except ValueError as exc:
        raise InputFileError(f"flux table {name}: non-numeric value ({exc})") from None
    if not np.all(np.isfinite(data)):
        bad = int(np.argmax(~np.all(np.isfinite(data), axis=1))) + 1
        raise InputFileError(
            f"flux table {name}: NaN or infinite value in data row {bad}; fix or drop that row"
        )
    lo, hi = data[:, header.index("enu_low_gev")], data[:, header.index("enu_high_gev")]
    dens = data[:, header.index(flavour)]
    if np.any(hi <= lo) or np.any(lo[1:] < hi[:-1] - 1e-9) or np.any(dens < 0) or dens.sum() <= 0:
        raise InputFileError(f"flux table {name}: bins must be increasing and contiguous, values ≥ 0")
    return Flux(name, np.concatenate([lo, hi[-1:]]), dens, nu_pdg)


# --- NuMI-like off-axis flux ---------------------------------------------------------------------
NUMI_OFFAXIS_MRAD = 14.6  # NOvA off-axis angle (PHYSICS-REFERENCES §11)


@functools.lru_cache(maxsize=8)
def numi_offaxis_flux(
    nu_pdg: int = 14, theta_mrad: float = NUMI_OFFAXIS_MRAD, n_parents: int = 400_000
) -> tuple[np.ndarray, np.ndarray]:
    """NuMI-like off-axis spectrum from π/K → μν two-body decay kinematics (deterministic).

    Model (documented parametrisation, not a beam simulation):

    * parent spectrum after the horns: dN/dE ∝ E^1.5 exp(−E/4 GeV) for pions on 1–40 GeV
      (mean ≈ 10 GeV), and 10 % kaons with the same shape at 1.5× the energy;
    * parents travel along the beam axis with a Gaussian angular divergence of 3 mrad per
      projection; the detector sits ``theta_mrad`` off axis;
    * each decay gives E_ν = (1 − m_μ²/m²)E/(1 + γ²θ²) and the forward flux weight
      (2γ/(1 + γ²θ²))² of the isotropic rest-frame decay (PHYSICS-REFERENCES §11);
    * ν_e (and ν̄_e) come from K_e3 and muon decays; they are modelled as 1 % of the ν_μ flux with
      the kaon-like (harder) spectrum; antineutrinos (reversed horns) use the same shapes.

    The resulting ν_μ spectrum peaks near 2 GeV (E_ν,max = 0.4269 m_π/(2θ) = 2.04 GeV for pions).

    Returns:
        (edges_gev (201,), density per GeV (200,)) on 0–10 GeV in 50 MeV bins.
    """
    rng = np.random.default_rng(20241460)
    edges = np.linspace(0.0, 10.0, 201)

    def parents(n: int, scale: float) -> np.ndarray:
        e = rng.gamma(2.5, 4.0, n) * scale
        return e[(e > 1.0 * scale) & (e < 40.0 * scale)]

    def spectrum(e_parent: np.ndarray, m_parent: float, kfactor: float) -> np.ndarray:
        n = e_parent.size
        dx = rng.normal(0.0, 3e-3, n) + theta_mrad * 1e-3
        dy = rng.normal(0.0, 3e-3, n)
        theta = np.hypot(dx, dy)
        gamma = e_parent / m_parent
        g2t2 = (gamma * theta) ** 2
        e_nu = kfactor * e_parent / (1.0 + g2t2)
        weight = (2.0 * gamma / (1.0 + g2t2)) ** 2
        hist, _ = np.histogram(e_nu, bins=edges, weights=weight)
        return hist / n

    pi_k = 1.0 - (c.M_MUON / c.M_PI_CHARGED) ** 2
    k_k = 1.0 - (c.M_MUON / c.M_K_CHARGED) ** 2
    pions = spectrum(parents(n_parents, 1.0), c.M_PI_CHARGED, pi_k)
    kaons = spectrum(parents(n_parents // 10, 1.5), c.M_K_CHARGED, k_k) * 0.1
    density = (pions + kaons) / 0.05
    if abs(nu_pdg) == 12:
        density = 0.01 * (pions.sum() + kaons.sum()) * kaons / max(kaons.sum(), 1e-300) / 0.05
    density.setflags(write=False)
    edges.setflags(write=False)
    return edges, density
