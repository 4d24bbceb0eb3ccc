"""Physics parameters of the interaction generator, in one config object.

Every tunable number of the generator lives here, is recorded (as JSON) in every
file the generator writes, and can be set from the command line with
``--param name=value``. Defaults and sources: ``PHYSICS-REFERENCES.md``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

from nugan.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class PhysicsParams:
    """Tunable physics parameters (GeV units).

    Attributes are grouped by process; see ``docs/physics.md`` for each one's
    meaning and source.
    """

    # CCQE (Llewellyn Smith): axial mass, vector form-factor model, g_A
    ma_qe_gev: float = 0.99
    mv_qe_gev: float = 0.84
    vector_ff: str = "bbba05"  # "dipole" | "bbba05"
    ga: float = -1.2754
    # 2p2h / MEC (empirical, Katori arXiv:1304.6014)
    mec_norm: float = 1.0  # scales the 2p2h total cross section
    mec_frac_ccqe: float = 0.30
    # Resonance production (Rein–Sehgal)
    ma_res_gev: float = 1.12
    mv_res_gev: float = 0.84
    res_norm: float = 1.0
    # DIS (GRV98 LO + Bodek–Yang)
    dis_norm: float = 1.0
    w_cut_gev: float = 1.7  # RES/DIS joining (GENIE NonResBackground)
    # Coherent pion production (Rein–Sehgal)
    ma_coh_gev: float = 1.0
    coh_r0_fm: float = 1.0
    coh_norm: float = 1.0
    # NC elastic
    ncel_norm: float = 1.0
    # Nuclear model (relativistic Fermi gas): None means the per-nucleus table value
    fermi_momentum_gev: float | None = None
    binding_energy_gev: float | None = None
    pauli_blocking: bool = True
    fermi_model: str = "rfg"  # "rfg" (Smith–Moniz) | "bodek-ritchie" (RFG + high-momentum tail)
    # Final-state interactions (effective hA-like model): scale factors of fate probabilities
    fsi_enabled: bool = True
    fsi_pi_mfp_scale: float = 1.0
    fsi_n_mfp_scale: float = 1.0
    fsi_pi_abs_scale: float = 1.0
    fsi_pi_cex_scale: float = 1.0

    def __post_init__(self) -> None:
        _validate(self)

    def replace(self, **changes: Any) -> PhysicsParams:
        """A copy with some parameters changed (unknown names raise ConfigError)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(
                f"unknown physics parameter(s) {unknown}; known: {sorted(known)}"
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PhysicsParams:
        return cls().replace(**dict(values))

    @classmethod
    def from_assignments(cls, items: Iterable[str], base: PhysicsParams | None = None) -> PhysicsParams:
        """Parse ``name=value`` strings (the CLI's ``--param``), converting to each field's type."""
        base = base or cls()
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        for item in items:
            if "=" not in item:
                raise ConfigError(f"--param expects name=value, got {item!r}")
            name, raw = (s.strip() for s in item.split("=", 1))
            if name not in types:
                raise ConfigError(f"unknown physics parameter {name!r}; known: {sorted(types)}")
            changes[name] = _convert(name, raw, str(types[name]))
        return base.replace(**changes)


def _convert(name: str, raw: str, type_text: str) -> Any:
    if raw.lower() in {"none", "null"} and "None" in type_text:
        return None
    try:
        if type_text.startswith("bool"):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if type_text.startswith("float"):
            return float(raw)
        if type_text.startswith("int"):
            return int(raw)
        return raw
    except ValueError:
        raise ConfigError(f"parameter {name} expects {type_text}, got {raw!r}") from None


# Parameters that must be > 0 (masses, radii, the RES/DIS joining W) and those that must be ≥ 0
# (normalisations, scale factors, energies); every number must be finite. ``ga`` may have either sign.
_POSITIVE = ("ma_qe_gev", "mv_qe_gev", "ma_res_gev", "mv_res_gev", "ma_coh_gev", "coh_r0_fm", "w_cut_gev",
             "fermi_momentum_gev")
_NON_NEGATIVE = ("mec_norm", "mec_frac_ccqe", "res_norm", "dis_norm", "coh_norm", "ncel_norm",
                 "binding_energy_gev", "fsi_pi_mfp_scale", "fsi_n_mfp_scale", "fsi_pi_abs_scale",
                 "fsi_pi_cex_scale")
_CHOICES = {"vector_ff": ("dipole", "bbba05"), "fermi_model": ("rfg", "bodek-ritchie")}


def _validate(params: PhysicsParams) -> None:
    """Raise ConfigError for a parameter value the generator cannot use (NaN, a negative mass, ...)."""
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, str) and str(f.type).startswith("float"):
            raise ConfigError(f"parameter {f.name} must be a number, got {value!r}")
        if value is None or isinstance(value, (bool, str)):
            continue
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ConfigError(f"parameter {f.name} must be a finite number, got {value!r}")
        number = float(value)
        if f.name in _POSITIVE and not number > 0:
            raise ConfigError(f"parameter {f.name} must be > 0, got {value!r}")
        if f.name in _NON_NEGATIVE and number < 0:
            raise ConfigError(f"parameter {f.name} must be ≥ 0, got {value!r}")
    for name, choices in _CHOICES.items():
        if getattr(params, name) not in choices:
            raise ConfigError(
                f"parameter {name} must be one of {list(choices)}, got {getattr(params, name)!r}"
            )
