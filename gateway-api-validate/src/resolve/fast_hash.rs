//! A small, fast, deterministic hasher for the resolver's per-resolution caches (keys made of
//! short strings and integers), where the standard library's SipHash costs more than the work
//! the cache saves.
//!
//! It is the multiply-rotate scheme of rustc's `FxHasher` (written here from its description:
//! fold each word in with a rotate, an xor and a multiplication by an odd constant). It does
//! not resist deliberately colliding keys; the caches using it live for one resolution only,
//! and a collision costs time, never a wrong result.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// An odd 64-bit constant with well-spread bits (2^64 / golden ratio, rounded to odd).
const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// See the [module docs](self).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn h(v: impl Hash) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(v)
    }

    #[test]
    fn equal_keys_hash_equal_and_small_changes_differ() {
        assert_eq!(h(("bench", "svc-1", 8080)), h(("bench", "svc-1", 8080)));
        assert_ne!(h(("bench", "svc-1", 8080)), h(("bench", "svc-2", 8080)));
        assert_ne!(h(("bench", "svc-1", 8080)), h(("bench", "svc-1", 8081)));
        // The length prefix of `str` keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(h(("ab", "c")), h(("a", "bc")));
        // Tails shorter than a word count.
        assert_ne!(h("abcdefghi"), h("abcdefghj"));
    }

    #[test]
    fn map_finds_what_it_stored() {
        let mut m: FastMap<(&str, i32), usize> = FastMap::default();
        for i in 0..1000 {
            m.insert(("k", i), usize::try_from(i).unwrap());
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get(&("k", 500)), Some(&500));
        assert_eq!(m.get(&("j", 500)), None);
    }
}
