"""Detector configuration: geometry, transport and readout parameters, and named presets.

Geometry (``PHYSICS-REFERENCES.md`` §9): planes of cells alternate in orientation along
the beam (z). Even planes hold vertical cells that measure x (the XZ view, view 0); odd
planes hold horizontal cells that measure y (the YZ view, view 1). The detector is
centred on x = y = 0 and starts at z = 0. The transverse cell pitch is 3.9 cm and the
plane pitch 6.66 cm (NOvA composition script).

Parameters tagged U on the reference sheet (Birks constants, noise, threshold, the
secondary-hadron model) are plain fields here so that they can be changed and are
recorded in every output file (``attrs["detector"]``).

Example:
    >>> cfg = get_detector_config("mini")
    >>> (cfg.window_planes, cfg.window_cells), cfg.replace(noise_pe=2.0).noise_pe
    ((32, 32), 2.0)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from nugan.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class DetectorConfig:
    """All numbers of the detector simulation (lengths in cm, energies in MeV unless named GeV)."""

    name: str = "custom"
    # --- geometry
    n_planes: int = 448  # planes along z (both views)
    n_cells: int = 384  # cells per plane
    cell_pitch_cm: float = 3.9  # transverse cell pitch (NOvA: 3.9 cm interior width)
    plane_pitch_cm: float = 6.66  # plane pitch along z (NOvA composition script)
    density_g_cm3: float = 0.975  # mean density of the PVC + scintillator mixture incl. voids (§9)
    active_mass_fraction: float = 0.628  # scintillator share of the mass (§9)
    # --- CVN window (per view)
    window_planes: int = 100
    window_cells: int = 80
    # --- fiducial volume for vertices that the events do not carry
    fiducial_xy_cm: float = 550.0  # |x|, |y| < this
    fiducial_z_min_cm: float = 100.0
    fiducial_z_max_cm: float = 1200.0
    # --- transport
    step_cm: float = 2.0  # charged-track step
    dedx_fluct_rel: float = 0.15  # relative width of the per-step energy-loss fluctuation (Moyal shape)
    pion_lambda_factor: float = 1.38  # λ_π / λ_I (PDG tables, light materials: 114.9/83.0 g/cm²) [U]
    hadron_invisible_frac_max: float = 0.3  # invisible share ~ U(0.1, max) [U]
    neutron_visible_prob: float = 0.35  # probability that a neutron makes one visible n–p recoil [U]
    neutron_scatter_length_cm: float = 60.0  # mean distance to that recoil [U]
    em_track_max_gev: float = 0.05  # e± / converted γ below this are tracked, above it showered
    em_sampling_stoch: float = 0.05  # per-shower sampling fluctuation σ/E = this/sqrt(E/GeV) [U]
    max_generations: int = 5  # secondary generations followed
    decays_at_rest: bool = True  # stopped μ± → Michel e± (μ⁻ capture in C: mu_capture_prob); π⁺ → μ⁺ν
    mu_capture_prob: float = 0.078  # μ⁻ nuclear capture probability on carbon (≈ 8 %, Suzuki et al. 1987) [U]
    # --- readout
    birks_kb_cm_per_mev: float = 0.0125  # Birks constant (organic scintillators ≈ 0.01; NOvA tune U)
    birks_kc_cm2_per_mev2: float = 0.0  # Chou second-order term [U]
    atten_a1: float = 0.3137  # fibre attenuation A1 exp(-x/L1) + A2 exp(-x/L2) (§9, PhotonTransport)
    atten_l1_cm: float = 289.5
    atten_a2: float = 0.1669
    atten_l2_cm: float = 852.3
    fibre_loop: bool = True  # looped fibre: light reaches the readout both ways
    pe_per_mip_far: float = 25.0  # PE for a MIP crossing one plane at the far end of a reference cell
    pe_ref_length_cm: float = 1550.0  # length of that reference cell (NOvA FD)
    noise_pe: float = 3.0  # Gaussian electronics noise [PE] [U]
    threshold_pe: float = 10.0  # hit threshold [PE] [U]
    quantise_8bit: bool = False  # store cell energies with 256 levels like the CVN inputs
    quant_max_mev: float = 100.0  # full scale of the 8-bit quantisation

    # ------------------------------------------------------------------ helpers
    @property
    def half_width_cm(self) -> float:
        """Half of the transverse size (cells span −W/2 … W/2 in x and in y)."""
        return 0.5 * self.n_cells * self.cell_pitch_cm

    @property
    def length_cm(self) -> float:
        return self.n_planes * self.plane_pitch_cm

    def replace(self, **changes: Any) -> DetectorConfig:
        """A copy with some fields changed (unknown names raise ConfigError)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown detector parameter(s) {unknown}; known: {sorted(known)}")
        return dataclasses.replace(self, **changes).validated()

    def validated(self) -> DetectorConfig:
        """Self, after checking the values (ConfigError naming the bad field)."""
        positive = ("n_planes", "n_cells", "cell_pitch_cm", "plane_pitch_cm", "density_g_cm3",
                    "window_planes", "window_cells", "step_cm", "pe_per_mip_far",
                    "pe_ref_length_cm", "quant_max_mev")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ConfigError(f"detector parameter {name} must be > 0, got {getattr(self, name)!r}")
        if not 0.0 < self.active_mass_fraction <= 1.0:
            raise ConfigError(f"active_mass_fraction must be in (0, 1], got {self.active_mass_fraction}")
        if self.noise_pe < 0 or self.threshold_pe < 0:
            raise ConfigError("noise_pe and threshold_pe must be >= 0")
        if self.fiducial_z_max_cm <= self.fiducial_z_min_cm or self.fiducial_z_max_cm > self.length_cm:
            raise ConfigError(
                f"fiducial z range [{self.fiducial_z_min_cm}, {self.fiducial_z_max_cm}] cm must increase "
                f"and inside the detector length {self.length_cm:.0f} cm"
            )
        if self.fiducial_xy_cm > self.half_width_cm:
            raise ConfigError(
                f"fiducial_xy_cm {self.fiducial_xy_cm} exceeds the half width {self.half_width_cm}"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DetectorConfig:
        return cls().replace(**dict(values))


PRESETS: dict[str, DetectorConfig] = {
    # NOvA FD-like cross-section (384 cells = 15 m), 448 planes (30 m): big enough for
    # contained few-GeV events; CVN window 100 planes × 80 cells per view.
    "nova": DetectorConfig(name="nova"),
    # a small detector for tests and quick starts: 96 planes (6.4 m) × 64 cells (2.5 m),
    # window 32 planes × 32 cells per view.
    "mini": DetectorConfig(
        name="mini",
        n_planes=96,
        n_cells=64,
        window_planes=32,
        window_cells=32,
        fiducial_xy_cm=60.0,
        fiducial_z_min_cm=30.0,
        fiducial_z_max_cm=150.0,
    ),
}


def get_detector_config(preset: str | DetectorConfig | Mapping[str, Any]) -> DetectorConfig:
    """A preset by name, a dict of fields, or a DetectorConfig (validated)."""
    if isinstance(preset, DetectorConfig):
        return preset.validated()
    if isinstance(preset, Mapping):
        return DetectorConfig.from_dict(preset)
    if preset not in PRESETS:
        raise ConfigError(f"unknown detector preset {preset!r}; known presets: {sorted(PRESETS)}")
    return PRESETS[preset].validated()
