"""DIS events from the generator near threshold: bound nucleons without DIS phase space are re-drawn."""

from __future__ import annotations

import numpy as np

from nugan.physics.generator import generate_events


def test_dis_near_threshold_on_carbon_has_no_invalid_events():
    # At 0.33 GeV, within 0.1 GeV of the DIS threshold, about a quarter of the RFG nucleons
    # (those moving along the beam) leave no DIS phase space and must be re-drawn, not give NaNs.
    ev = generate_events("mono:0.33", "C12", 300, seed=5, processes=["dis"])
    assert np.all(np.isfinite(ev.columns["q2_gev2"]))
    assert np.all(np.isfinite(ev.columns["w_gev"]))
    assert np.all(ev.columns["w_gev"] > 0.938 + 0.1349)
    assert np.all(np.isfinite(ev.columns["lep_e_gev"]))
