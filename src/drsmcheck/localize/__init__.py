"""Which figure is wrong, and why: exact error localization (Fellegi–Holt), typist priors,
named causes, and the non-numeric cell classifier. Self-contained: the engine feeds it figures
and linear relations, it answers with the minimum-cost repairs."""
