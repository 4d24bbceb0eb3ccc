"""The reference simulation chain: fluxes, nuclear model, cross sections, event
generation, detector transport and readout. Pure numpy; never imports torch."""
