//! gRPC status codes.

use std::fmt;
use std::str::FromStr;

/// A gRPC status code (gRPC `doc/statuscodes.md`; the numbers are fixed by the protocol).
///
/// [`Display`](fmt::Display) and [`FromStr`] use the names the upstream conformance suite prints
/// and its case files use (Go's `codes.Code.String()`): `OK`, `Canceled`, `Unknown`,
/// `InvalidArgument`, …, `Unauthenticated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum Code {
    /// 0: not an error.
    Ok = 0,
    /// 1: cancelled, typically by the caller.
    Canceled = 1,
    /// 2: unknown error.
    Unknown = 2,
    /// 3: the client specified an invalid argument.
    InvalidArgument = 3,
    /// 4: the deadline expired before the operation could complete.
    DeadlineExceeded = 4,
    /// 5: some requested entity was not found.
    NotFound = 5,
    /// 6: the entity the client tried to create already exists.
    AlreadyExists = 6,
    /// 7: the caller does not have permission.
    PermissionDenied = 7,
    /// 8: some resource has been exhausted.
    ResourceExhausted = 8,
    /// 9: the system is not in a state required for the operation.
    FailedPrecondition = 9,
    /// 10: the operation was aborted.
    Aborted = 10,
    /// 11: the operation was attempted past the valid range.
    OutOfRange = 11,
    /// 12: the operation is not implemented or not supported.
    Unimplemented = 12,
    /// 13: internal error.
    Internal = 13,
    /// 14: the service is currently unavailable.
    Unavailable = 14,
    /// 15: unrecoverable data loss or corruption.
    DataLoss = 15,
    /// 16: the request does not have valid authentication credentials.
    Unauthenticated = 16,
}

const ALL: [Code; 17] = [
    Code::Ok,
    Code::Canceled,
    Code::Unknown,
    Code::InvalidArgument,
    Code::DeadlineExceeded,
    Code::NotFound,
    Code::AlreadyExists,
    Code::PermissionDenied,
    Code::ResourceExhausted,
    Code::FailedPrecondition,
    Code::Aborted,
    Code::OutOfRange,
    Code::Unimplemented,
    Code::Internal,
    Code::Unavailable,
    Code::DataLoss,
    Code::Unauthenticated,
];

impl Code {
    /// Every code, in numeric order.
    pub const ALL: [Code; 17] = ALL;

    /// The code's number (the value of the `grpc-status` trailer).
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// The code with this number; `None` outside 0..=16.
    pub fn from_u32(n: u32) -> Option<Code> {
        usize::try_from(n).ok().and_then(|i| ALL.get(i).copied())
    }

    /// Reads a `grpc-status` value: decimal digits only. A number that is not a known code is
    /// [`Code::Unknown`], as gRPC clients treat it; `None` when the value is not a number.
    pub fn from_grpc_status(value: &[u8]) -> Option<Code> {
        if value.is_empty() || value.len() > 10 || !value.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = value
            .iter()
            .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        Some(
            u32::try_from(n)
                .ok()
                .and_then(Code::from_u32)
                .unwrap_or(Code::Unknown),
        )
    }

    /// The code a gRPC client reports for a response whose HTTP status is not 200 (gRPC
    /// `doc/http-grpc-status-mapping.md`): 400 → Internal, 401 → Unauthenticated,
    /// 403 → PermissionDenied, 404 → Unimplemented, 429/502/503/504 → Unavailable, anything
    /// else → Unknown.
    pub fn from_http_status(status: u16) -> Code {
        match status {
            200 => Code::Ok,
            400 => Code::Internal,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::Unimplemented,
            429 | 502 | 503 | 504 => Code::Unavailable,
            _ => Code::Unknown,
        }
    }

    /// The name as upstream prints it (`OK`, `Unimplemented`, …).
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::Canceled => "Canceled",
            Code::Unknown => "Unknown",
            Code::InvalidArgument => "InvalidArgument",
            Code::DeadlineExceeded => "DeadlineExceeded",
            Code::NotFound => "NotFound",
            Code::AlreadyExists => "AlreadyExists",
            Code::PermissionDenied => "PermissionDenied",
            Code::ResourceExhausted => "ResourceExhausted",
            Code::FailedPrecondition => "FailedPrecondition",
            Code::Aborted => "Aborted",
            Code::OutOfRange => "OutOfRange",
            Code::Unimplemented => "Unimplemented",
            Code::Internal => "Internal",
            Code::Unavailable => "Unavailable",
            Code::DataLoss => "DataLoss",
            Code::Unauthenticated => "Unauthenticated",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of the seventeen gRPC code names.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown gRPC status code name {0:?} (expected OK, Canceled, Unknown, ..., Unauthenticated)"
)]
pub struct UnknownCodeName(pub String);

impl FromStr for Code {
    type Err = UnknownCodeName;

    /// Parses a name as upstream prints it (`OK`, `Unimplemented`); the upper-case
    /// spellings of the gRPC spec (`UNIMPLEMENTED`, `DEADLINE_EXCEEDED`) are accepted too.
    fn from_str(s: &str) -> Result<Code, UnknownCodeName> {
        let wanted: String = s.chars().filter(|c| *c != '_').collect();
        ALL.iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| UnknownCodeName(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_round_trip() {
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(c.as_u32() as usize, i);
            assert_eq!(Code::from_u32(c.as_u32()), Some(*c));
            assert_eq!(c.to_string().parse::<Code>(), Ok(*c));
        }
        assert_eq!(Code::from_u32(17), None);
        assert_eq!(Code::Ok.to_string(), "OK");
        assert_eq!(Code::Unimplemented.to_string(), "Unimplemented");
        assert_eq!(
            "DEADLINE_EXCEEDED".parse::<Code>(),
            Ok(Code::DeadlineExceeded)
        );
        assert!("Nope".parse::<Code>().is_err());
    }

    #[test]
    fn grpc_status_values() {
        assert_eq!(Code::from_grpc_status(b"0"), Some(Code::Ok));
        assert_eq!(Code::from_grpc_status(b"12"), Some(Code::Unimplemented));
        assert_eq!(Code::from_grpc_status(b"99"), Some(Code::Unknown));
        assert_eq!(Code::from_grpc_status(b"99999999999"), None);
        assert_eq!(Code::from_grpc_status(b""), None);
        assert_eq!(Code::from_grpc_status(b"1x"), None);
    }

    #[test]
    fn http_status_mapping() {
        assert_eq!(Code::from_http_status(404), Code::Unimplemented);
        assert_eq!(Code::from_http_status(503), Code::Unavailable);
        assert_eq!(Code::from_http_status(400), Code::Internal);
        assert_eq!(Code::from_http_status(500), Code::Unknown);
    }
}
