//! httproute (v1beta1): not written yet.
