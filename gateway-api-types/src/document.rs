//! Documents (not written yet).
