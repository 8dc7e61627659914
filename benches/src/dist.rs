//! Deterministic randomness and request sequences.

/// SplitMix64: a tiny, fast, deterministic generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x6a09_e667_f3bc_c909)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `count` indices into a pool of `len` requests, uniformly.
pub fn uniform(len: usize, count: usize, seed: u64) -> Vec<u32> {
    let mut rng = Rng::new(seed);
    (0..count).map(|_| rng.below(len) as u32).collect()
}

/// `count` indices into a pool of `len` requests by popularity: item `k`
/// (in a random ranking) is drawn with probability proportional to
/// `1 / (k + 1)^s` (Zipf).
pub fn zipf(len: usize, count: usize, s: f64, seed: u64) -> Vec<u32> {
    let mut rng = Rng::new(seed);
    let mut cdf = Vec::with_capacity(len);
    let mut sum = 0.0;
    for k in 0..len {
        sum += 1.0 / ((k + 1) as f64).powf(s);
        cdf.push(sum);
    }
    // Popularity rank -> pool index: a random permutation, so the popular
    // requests are not all the first routes of the table.
    let mut perm: Vec<u32> = (0..len as u32).collect();
    for i in (1..len).rev() {
        perm.swap(i, rng.below(i + 1));
    }
    (0..count)
        .map(|_| {
            let x = rng.unit() * sum;
            let k = cdf.partition_point(|&c| c <= x).min(len - 1);
            perm[k]
        })
        .collect()
}
