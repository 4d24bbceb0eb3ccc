"""The detector as built from a :class:`DetectorConfig`: material constants derived once,
cell lookup, and the light-yield normalisation.

Coordinates: z along the beam from the front face (z = 0), x and y transverse, centred on 0.
Plane ``k`` spans ``[k, k+1) × plane_pitch_cm`` in z; even planes (view 0, XZ) hold vertical
cells numbered along x, odd planes (view 1, YZ) horizontal cells numbered along y. Cells are
read out at their + end (y = +W/2 for vertical cells, x = +W/2 for horizontal ones).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from nugan.physics.detector.config import DetectorConfig
from nugan.physics.detector.materials import (
    Material,
    RangeTable,
    minimum_ionisation_mev_cm2_g,
    nova_mixture,
    nova_scintillator,
    range_table,
)


@dataclasses.dataclass(frozen=True)
class Detector:
    """Derived, immutable quantities of one configuration (build with :func:`build_detector`)."""

    cfg: DetectorConfig
    material: Material
    scintillator: Material
    table: RangeTable
    active_energy_fraction: float  # scintillator's share of the ionisation energy
    scint_dedx_ratio: float  # dE/dx in scintillator per cm / dE/dx in the mixture per cm
    mip_dedx_scint_mev_cm: float
    mip_plane_active_mev: float  # MIP, normal incidence: active energy per plane
    birks_mip: float  # 1 + kB dE/dx + kC (dE/dx)² at the scintillator's MIP dE/dx
    yield_pe_per_mev: float  # Y0: PE per (Birks-quenched) MeV before attenuation
    x0_cm: float  # material constants, cached as plain numbers
    lambda_i_cm: float
    moliere_radius_cm: float
    critical_energy_mev: float
    z_eff: float

    def attenuation(self, distance_cm: np.ndarray, cell_length_cm: float) -> np.ndarray:
        """Fraction of light reaching the readout from ``distance_cm`` (the two-exponential fibre
        curve; with a looped fibre, half the light goes each way: d and 2L − d)."""
        c = self.cfg

        def curve(x: np.ndarray) -> np.ndarray:
            return c.atten_a1 * np.exp(-x / c.atten_l1_cm) + c.atten_a2 * np.exp(-x / c.atten_l2_cm)

        d = np.asarray(distance_cm, dtype=float)
        if c.fibre_loop:
            return 0.5 * (curve(d) + curve(2.0 * cell_length_cm - d))
        return curve(d)

    def channel(self, pos_cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(plane, cell, distance to the readout end [cm], inside) of points (m, 3)."""
        c = self.cfg
        plane = np.floor(pos_cm[:, 2] / c.plane_pitch_cm).astype(np.int64)
        vertical = (plane % 2) == 0
        coord = np.where(vertical, pos_cm[:, 0], pos_cm[:, 1])
        along = np.where(vertical, pos_cm[:, 1], pos_cm[:, 0])
        cell = np.floor(coord / c.cell_pitch_cm + 0.5 * c.n_cells).astype(np.int64)
        hw = c.half_width_cm
        inside = (plane >= 0) & (plane < c.n_planes) & (cell >= 0) & (cell < c.n_cells) & (np.abs(along) < hw)
        return plane, cell, hw - along, inside

    def inside(self, pos_cm: np.ndarray) -> np.ndarray:
        hw = self.cfg.half_width_cm
        return (
            (pos_cm[:, 2] >= 0) & (pos_cm[:, 2] < self.cfg.length_cm)
            & (np.abs(pos_cm[:, 0]) < hw) & (np.abs(pos_cm[:, 1]) < hw)
        )


@functools.lru_cache(maxsize=8)
def build_detector(cfg: DetectorConfig) -> Detector:
    """Derive the material constants and the light-yield normalisation of ``cfg``."""
    mat = nova_mixture(cfg.density_g_cm3)
    scint = nova_scintillator()
    f_e = min(1.0, cfg.active_mass_fraction * scint.z_over_a / mat.z_over_a)
    ratio = scint.density_g_cm3 * scint.z_over_a / (mat.density_g_cm3 * mat.z_over_a)
    mip_mix, _ = minimum_ionisation_mev_cm2_g(mat)
    mip_scint, _ = minimum_ionisation_mev_cm2_g(scint)
    dedx_s = mip_scint * scint.density_g_cm3
    mip_plane = mip_mix * mat.density_g_cm3 * cfg.plane_pitch_cm * f_e
    birks = 1.0 + cfg.birks_kb_cm_per_mev * dedx_s + cfg.birks_kc_cm2_per_mev2 * dedx_s**2
    det0 = Detector(cfg, mat, scint, range_table(mat), f_e, ratio, dedx_s, mip_plane, birks, 1.0,
                    mat.x0_cm, mat.lambda_i_cm, mat.moliere_radius_cm, mat.critical_energy_mev, mat.z_eff)
    far = float(det0.attenuation(np.array([cfg.pe_ref_length_cm]), cfg.pe_ref_length_cm)[0])
    y0 = cfg.pe_per_mip_far / (mip_plane / birks * far)
    return dataclasses.replace(det0, yield_pe_per_mev=y0)
