//! Weighted backend selection.
//!
//! # The idea
//!
//! Weights are turned into prefix sums once at compile time. Picking maps the
//! caller's 64-bit random number onto `0..total` (multiply-high, no modulo
//! bias worth mentioning) and binary-searches the prefix sums: O(log n), no
//! allocation. A zero weight adds nothing to the running sum, so its backend
//! owns an empty interval and is never chosen.

use crate::WeightedBackend;

/// The weighted backends of one rule.
#[derive(Debug, Clone)]
pub struct BackendSet<B> {
    backends: Box<[WeightedBackend<B>]>,
    /// `cumulative[i]` = sum of weights `0..=i`.
    cumulative: Box<[u64]>,
}

impl<B> BackendSet<B> {
    /// Builds the prefix sums.
    pub fn new(backends: Vec<WeightedBackend<B>>) -> Self {
        let mut sum = 0u64;
        let cumulative = backends
            .iter()
            .map(|b| {
                sum += u64::from(b.weight);
                sum
            })
            .collect();
        Self {
            backends: backends.into_boxed_slice(),
            cumulative,
        }
    }

    /// All backends with their weights, in configuration order.
    pub fn backends(&self) -> &[WeightedBackend<B>] {
        &self.backends
    }

    /// Sum of all weights.
    pub fn total_weight(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    /// Picks a backend using `random` (any uniformly distributed `u64`: a fast
    /// RNG, or a hash for affinity). `None` when there are no backends or all
    /// weights are zero: the caller answers 500.
    ///
    /// spec: HTTPBackendRef weight — a weight of 0 means no traffic goes to
    /// that backend.
    pub fn pick(&self, random: u64) -> Option<&B> {
        self.pick_index(random).map(|i| &self.backends[i].backend)
    }

    /// Like [`pick`](Self::pick) but returns the index into
    /// [`backends`](Self::backends).
    pub fn pick_index(&self, random: u64) -> Option<usize> {
        let total = self.total_weight();
        if total == 0 {
            return None;
        }
        let x = ((u128::from(random) * u128::from(total)) >> 64) as u64;
        Some(self.cumulative.partition_point(|&c| c <= x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(weights: &[u32]) -> BackendSet<usize> {
        BackendSet::new(
            weights
                .iter()
                .enumerate()
                .map(|(i, &weight)| WeightedBackend { backend: i, weight })
                .collect(),
        )
    }

    // spec: BackendRef weight — "If only one backend is specified and it has
    // a weight greater than 0, 100% of the traffic is forwarded to that
    // backend"; weight 0 gets no traffic.
    #[test]
    fn zero_weight_is_never_chosen() {
        let s = set(&[0, 3, 0, 1, 0]);
        for r in (0..4096u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) {
            let i = s.pick_index(r).expect("some");
            assert!(i == 1 || i == 3);
        }
        assert_eq!(s.pick(0), Some(&1));
        assert_eq!(s.pick(u64::MAX), Some(&3));
    }

    // spec: HTTPRouteRule backendRefs — when no backend can receive traffic the
    // request gets a 500; here that is `None`.
    #[test]
    fn all_zero_weights_means_no_backend() {
        assert_eq!(set(&[0, 0]).pick(7), None);
        assert_eq!(set(&[]).pick(7), None);
    }

    #[test]
    fn weights_are_proportional() {
        let s = set(&[1, 3]);
        let n = 4000u64;
        let step = u64::MAX / n;
        let ones = (0..n).filter(|i| s.pick_index(i * step) == Some(1)).count();
        assert!((2950..=3050).contains(&ones), "{ones}");
    }
}
