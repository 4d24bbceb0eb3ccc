"""Interaction modes of the generator (the ``mode`` column of an EventSet).

The numbering follows the GENIE/NEUT habit of CC modes below 10 and their NC
counterparts at +10:

======  =====  ===========================================================
value   name   process
======  =====  ===========================================================
1       CCQE   charged-current quasi-elastic (Llewellyn Smith)
2       CCMEC  charged-current 2p2h / meson-exchange currents (empirical)
3       CCRES  charged-current resonance production (Rein–Sehgal Δ(1232))
4       CCDIS  charged-current deep-inelastic scattering
5       CCCOH  charged-current coherent pion production (Rein–Sehgal)
11      NCEL   neutral-current elastic
12      NCMEC  neutral-current 2p2h (reserved, not generated)
13      NCRES  neutral-current resonance production
14      NCDIS  neutral-current deep-inelastic scattering
15      NCCOH  neutral-current coherent π⁰ production
======  =====  ===========================================================

Example:
    >>> Mode.CCQE.is_cc, Mode.NCRES.is_cc, int(Mode.CCRES.nc_partner)
    (True, False, 13)
"""

from __future__ import annotations

import enum


class Mode(enum.IntEnum):
    """Interaction mode (see the module docstring)."""

    CCQE = 1
    CCMEC = 2
    CCRES = 3
    CCDIS = 4
    CCCOH = 5
    NCEL = 11
    NCMEC = 12
    NCRES = 13
    NCDIS = 14
    NCCOH = 15

    @property
    def is_cc(self) -> bool:
        return int(self) < 10

    @property
    def nc_partner(self) -> Mode:
        """The NC mode of the same topology (itself for NC modes)."""
        return self if not self.is_cc else Mode(int(self) + 10)
