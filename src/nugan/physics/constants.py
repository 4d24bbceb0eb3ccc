"""Physical constants used by the simulation chain, in GeV, cm and natural units.

Values and sources: ``PHYSICS-REFERENCES.md`` §1 (CODATA 2022 / PDG). Masses are
PDG values; keep every constant in this one place.
"""

from __future__ import annotations

# --- couplings -------------------------------------------------------------------
G_FERMI_GEV2 = 1.1663787e-5  # G_F/(ħc)^3 [GeV^-2], CODATA 2022
V_UD = 0.97373  # |V_ud| = cos θ_C, Hardy & Towner PRC 102 (2020) 045501
COS2_THETA_C = V_UD**2
ALPHA_EM = 7.2973525643e-3  # fine-structure constant, CODATA 2022
SIN2_THETA_W = 0.23122  # effective weak mixing angle (PDG, MS-bar at M_Z)
G_A = -1.2754  # axial coupling g_A = F_A(0), PDG neutron listing (sign convention: LS / GENIE)
MU_P = 2.79284734463  # proton magnetic moment [μ_N], CODATA 2022
MU_N = -1.91304276  # neutron magnetic moment [μ_N], CODATA 2022

# --- conversion ------------------------------------------------------------------
HBARC_GEV_FM = 0.1973269804  # ħc [GeV fm]
HBARC2_GEV2_CM2 = 3.89379372e-28  # (ħc)^2 [GeV^2 cm^2]: σ[cm^2] = σ[GeV^-2] * HBARC2_GEV2_CM2

# --- masses [GeV] ------------------------------------------------------------------
M_PROTON = 0.93827208943
M_NEUTRON = 0.93956542194
M_NUCLEON = 0.5 * (M_PROTON + M_NEUTRON)
M_ELECTRON = 0.51099895069e-3
M_MUON = 0.1056583755
M_TAU = 1.77693
M_PI_CHARGED = 0.13957039
M_PI_ZERO = 0.1349768
M_K_CHARGED = 0.493677
M_K_ZERO = 0.497611
M_W = 80.3692  # PDG 2024 average
M_Z = 91.1880
M_DELTA = 1.232  # Δ(1232) Breit–Wigner mass, PDG
GAMMA_DELTA = 0.117  # Δ(1232) width, PDG
AMU_GEV = 0.93149410372  # atomic mass unit [GeV]

# --- PDG codes ---------------------------------------------------------------------
PDG_NU_E, PDG_NU_MU, PDG_NU_TAU = 12, 14, 16
PDG_E, PDG_MU, PDG_TAU = 11, 13, 15
PDG_PROTON, PDG_NEUTRON = 2212, 2112
PDG_PI_PLUS, PDG_PI_ZERO = 211, 111
PDG_K_PLUS, PDG_K_ZERO_L, PDG_K_ZERO_S = 321, 130, 310
PDG_GAMMA = 22

LEPTON_MASS_GEV = {11: M_ELECTRON, 13: M_MUON, 15: M_TAU, 12: 0.0, 14: 0.0, 16: 0.0}


def nucleus_pdg(z: int, a: int) -> int:
    """PDG code of a nucleus: 10LZZZAAAI (L = I = 0)."""
    return 1000000000 + 10000 * z + 10 * a


def charged_lepton_pdg(nu_pdg: int) -> int:
    """The charged lepton produced by a CC interaction of ``nu_pdg`` (ν → ℓ⁻, ν̄ → ℓ⁺)."""
    sign = 1 if nu_pdg > 0 else -1
    return sign * (abs(nu_pdg) - 1)
