"""Which figure is wrong, and why: exact error localization (Fellegi–Holt, `solver`), typist
priors (`priors`), named causes (`causes`), the relations of a dataset in linear form
(`relations`), per-anomaly findings (`diagnose`) and the non-numeric cell classifier
(`markers`). `drsmcheck.diagnosis` reads the findings and has the engine confirm them."""
