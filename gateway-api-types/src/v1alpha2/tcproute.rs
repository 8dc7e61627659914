//! tcproute (v1alpha2): not written yet.
