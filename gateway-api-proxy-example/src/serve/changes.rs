//! Change detection for watched configuration sources.
//!
//! A [`Fingerprint`] records, per manifest file, its size and modification time (cheap enough
//! to poll every few milliseconds), plus a hash of the contents of files modified within the
//! last [`RECENT`] (two writes within one timestamp tick change the contents but maybe not the
//! size or time). Contents are compared only when both fingerprints have them: a file that
//! merely ages out of the recent window, with the same size and time, is not a change. (A
//! single hash over everything would differ as soon as a file aged out, and every such
//! "change" reloaded the whole configuration: with 10,000 routes, seconds of CPU right after
//! start, on the core that serves requests.)

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::ConfigSource;

/// Files modified this recently also have their contents hashed.
pub(crate) const RECENT: Duration = Duration::from_secs(2);

/// Directory nesting followed at most.
const MAX_DEPTH: usize = 32;

/// What was seen at one path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stamp {
    /// The path does not exist (or cannot be read).
    Missing,
    /// A file.
    File {
        len: u64,
        modified: Option<SystemTime>,
        /// Hash of the contents, for recently modified files only.
        contents: Option<u64>,
    },
}

/// The state of the watched sources at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    files: BTreeMap<PathBuf, Stamp>,
    /// Hash of in-memory sources.
    inline: Option<u64>,
}

impl Fingerprint {
    /// Looks at `sources` now; contents are hashed for files modified within `recent`.
    pub(crate) fn of(sources: &ConfigSource, recent: Duration) -> Self {
        let mut files = BTreeMap::new();
        let inline = match sources {
            ConfigSource::Paths(paths) => {
                for p in paths {
                    walk(p, recent, &mut files, 0);
                }
                None
            }
            ConfigSource::Inline(v) => {
                let mut h = DefaultHasher::new();
                v.hash(&mut h);
                Some(h.finish())
            }
        };
        Self { files, inline }
    }

    /// Whether something changed between `earlier` and `self`: a file appeared or went
    /// away, its size or modification time changed, or both saw its contents and they
    /// differ.
    pub(crate) fn changed_since(&self, earlier: &Self) -> bool {
        if self.inline != earlier.inline || self.files.len() != earlier.files.len() {
            return true;
        }
        self.files
            .iter()
            .zip(&earlier.files)
            .any(|((path, now), (was_path, was))| path != was_path || stamp_changed(now, was))
    }
}

fn stamp_changed(now: &Stamp, was: &Stamp) -> bool {
    match (now, was) {
        (Stamp::Missing, Stamp::Missing) => false,
        (
            Stamp::File {
                len,
                modified,
                contents,
            },
            Stamp::File {
                len: was_len,
                modified: was_modified,
                contents: was_contents,
            },
        ) => {
            len != was_len
                || modified != was_modified
                || matches!((contents, was_contents), (Some(a), Some(b)) if a != b)
        }
        _ => true,
    }
}

fn is_manifest(p: &Path) -> bool {
    p.extension()
        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
}

fn walk(p: &Path, recent: Duration, out: &mut BTreeMap<PathBuf, Stamp>, depth: usize) {
    let Ok(meta) = std::fs::metadata(p) else {
        out.insert(p.to_path_buf(), Stamp::Missing);
        return;
    };
    if meta.is_dir() {
        if depth > MAX_DEPTH {
            return;
        }
        let entries = std::fs::read_dir(p)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for e in entries {
            if e.is_dir() || is_manifest(&e) {
                walk(&e, recent, out, depth + 1);
            }
        }
        return;
    }
    let modified = meta.modified().ok();
    let is_recent = modified
        .and_then(|m| m.elapsed().ok())
        .is_none_or(|age| age < recent);
    let contents = is_recent
        .then(|| std::fs::read(p).ok())
        .flatten()
        .map(|bytes| {
            let mut h = DefaultHasher::new();
            bytes.hash(&mut h);
            h.finish()
        });
    out.insert(
        p.to_path_buf(),
        Stamp::File {
            len: meta.len(),
            modified,
            contents,
        },
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "gwproxy-watch-{tag}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    const ALWAYS: Duration = Duration::from_secs(1_000_000_000);

    #[test]
    fn a_file_ageing_out_of_the_recent_window_is_not_a_change() {
        let dir = temp_dir("age");
        std::fs::write(dir.join("a.yaml"), "kind: A\n").unwrap();
        let sources = ConfigSource::Paths(vec![dir.clone()]);
        // With contents (as at start, right after the file was written) ...
        let fresh = Fingerprint::of(&sources, ALWAYS);
        // ... and without (the same file, later).
        let aged = Fingerprint::of(&sources, Duration::ZERO);
        assert_ne!(fresh, aged, "the two looks differ in what they record");
        assert!(!aged.changed_since(&fresh));
        assert!(!fresh.changed_since(&aged));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn same_size_and_time_but_new_contents_is_a_change_when_recent() {
        let dir = temp_dir("contents");
        let file = dir.join("a.yaml");
        std::fs::write(&file, "kind: A\n").unwrap();
        let sources = ConfigSource::Paths(vec![dir.clone()]);
        let before = Fingerprint::of(&sources, ALWAYS);
        let time = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::fs::write(&file, "kind: B\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(time)
            .unwrap();
        let after = Fingerprint::of(&sources, ALWAYS);
        assert!(after.changed_since(&before));
        // Without contents, size and time alone cannot tell.
        let (b, a) = (
            Fingerprint::of(&sources, Duration::ZERO),
            Fingerprint::of(&sources, Duration::ZERO),
        );
        assert!(!a.changed_since(&b));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn files_added_removed_or_resized_are_changes_and_other_files_are_ignored() {
        let dir = temp_dir("set");
        std::fs::write(dir.join("a.yaml"), "kind: A\n").unwrap();
        let sources = ConfigSource::Paths(vec![dir.clone()]);
        let one = Fingerprint::of(&sources, Duration::ZERO);
        std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
        assert!(!Fingerprint::of(&sources, Duration::ZERO).changed_since(&one));
        std::fs::write(dir.join("b.yml"), "kind: B\n").unwrap();
        let two = Fingerprint::of(&sources, Duration::ZERO);
        assert!(two.changed_since(&one));
        std::fs::write(dir.join("b.yml"), "kind: Bigger\n").unwrap();
        let resized = Fingerprint::of(&sources, Duration::ZERO);
        assert!(resized.changed_since(&two));
        std::fs::remove_file(dir.join("b.yml")).unwrap();
        assert!(Fingerprint::of(&sources, Duration::ZERO).changed_since(&resized));
        let gone = ConfigSource::Paths(vec![dir.join("missing.yaml")]);
        let missing = Fingerprint::of(&gone, ALWAYS);
        assert!(!Fingerprint::of(&gone, ALWAYS).changed_since(&missing));
        assert!(Fingerprint::of(&sources, ALWAYS).changed_since(&missing));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn inline_sources_compare_by_text() {
        let a = ConfigSource::Inline(vec![("a".into(), "kind: A".into())]);
        let b = ConfigSource::Inline(vec![("a".into(), "kind: B".into())]);
        let fa = Fingerprint::of(&a, RECENT);
        assert!(!Fingerprint::of(&a, RECENT).changed_since(&fa));
        assert!(Fingerprint::of(&b, RECENT).changed_since(&fa));
    }
}
