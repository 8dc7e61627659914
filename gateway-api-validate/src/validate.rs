//! The [`Validate`] trait and its impls for containers.

use gateway_api_types::Channel;

use crate::path::Path;
use crate::violation::Report;

/// What a validation walk needs to know besides the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The channel whose CRDs are the reference (enum values and fields differ).
    pub channel: Channel,
}

impl Context {
    /// A context for `channel`.
    pub fn new(channel: Channel) -> Self {
        Context { channel }
    }
}

/// Checks a value against every OpenAPI constraint and CEL rule upstream's CRDs put on it.
///
/// The value is checked as the API server sees it: defaults already applied
/// (see [`gateway_api_types::GatewayObject::normalized`]).
pub trait Validate {
    /// Appends every violation of `self` (found at `path`) to `report`.
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report);
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        if let Some(v) = self {
            v.validate(cx, path, report);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        for (i, v) in self.iter().enumerate() {
            v.validate(cx, &path.index(i), report);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate(&self, cx: &Context, path: &Path<'_>, report: &mut Report) {
        (**self).validate(cx, path, report);
    }
}

/// Checks a closed enum (`string_enum!` type) against the values of the context's channel.
#[macro_export]
#[doc(hidden)]
macro_rules! check_enum {
    ($report:expr, $cx:expr, $path:expr, $value:expr, $ty:ty) => {
        $report.one_of($path, $value.as_str(), <$ty>::values($cx.channel))
    };
}
