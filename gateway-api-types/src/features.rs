//! Feature names (not written yet).
