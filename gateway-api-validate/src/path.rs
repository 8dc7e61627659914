//! Field paths in Kubernetes form (`spec.rules[0].matches[1].path.value`).
//!
//! A [`Path`] is a linked list of segments on the stack: building one costs nothing, and it is
//! rendered to a string only when a violation is reported.

use std::fmt;

/// One step of a field path.
#[derive(Clone, Copy, Debug)]
enum Segment<'a> {
    Root,
    Field(&'a str),
    Index(usize),
    Key(&'a str),
}

/// A field path, borrowed from the stack frames of the validation walk.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

impl Path<'static> {
    /// The empty path (the object itself).
    pub const ROOT: Path<'static> = Path {
        parent: None,
        segment: Segment::Root,
    };
}

impl<'a> Path<'a> {
    /// `self.name`.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Field(name),
        }
    }

    /// `self[index]`.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Index(index),
        }
    }

    /// `self[key]` (a map entry).
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            segment: Segment::Key(key),
        }
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
        let wrote = match self.parent {
            Some(p) => p.write(f)?,
            None => false,
        };
        match self.segment {
            Segment::Root => Ok(wrote),
            Segment::Field(name) => {
                if wrote {
                    f.write_str(".")?;
                }
                f.write_str(name)?;
                Ok(true)
            }
            Segment::Index(i) => {
                write!(f, "[{i}]")?;
                Ok(true)
            }
            Segment::Key(k) => {
                write!(f, "[{k}]")?;
                Ok(true)
            }
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_kubernetes_field_paths() {
        let root = Path::ROOT;
        let spec = root.field("spec");
        let rules = spec.field("rules");
        let r0 = rules.index(0);
        let m = r0.field("matches");
        let m1 = m.index(1);
        let v = m1.field("path");
        assert_eq!(
            v.field("value").to_string(),
            "spec.rules[0].matches[1].path.value"
        );
        assert_eq!(root.to_string(), "");
        assert_eq!(root.index(2).to_string(), "[2]");
        assert_eq!(
            spec.field("labels").key("a/b").to_string(),
            "spec.labels[a/b]"
        );
    }
}
