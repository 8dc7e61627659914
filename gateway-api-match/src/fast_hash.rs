//! A small, fast, non-cryptographic hasher for the lookup-path hash maps.
//!
//! # The idea
//!
//! Lookups hash short strings (hostnames, paths, path segments). The standard
//! library's SipHash resists hash flooding, which matters when an attacker
//! chooses the *stored* keys; here every stored key comes from configuration
//! and requests only probe, so a multiply-rotate hash over 8-byte words (the
//! scheme rustc's own `FxHasher` uses) is enough and several times faster.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Multiply-rotate hasher over 8-byte words.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((chunk, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*chunk));
            bytes = rest;
        }
        if let Some((chunk, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u64::from(u32::from_le_bytes(*chunk)));
            bytes = rest;
        }
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` using [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn distinct_short_keys_hash_differently() {
        let b = BuildHasherDefault::<FastHasher>::default();
        let keys = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "/a/b",
            "/a/c",
            "example.com",
            "example.org",
        ];
        let hashes: std::collections::HashSet<u64> = keys.iter().map(|k| b.hash_one(k)).collect();
        assert_eq!(hashes.len(), keys.len());
    }
}
