//! backendtlspolicy (v1alpha3): not written yet.
