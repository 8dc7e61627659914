//! Go duration strings (`time.ParseDuration`), as the echo server's `delay=` and
//! `delayRetry=` query parameters take them.
//!
//! Syntax: an optional sign, then one or more `<decimal><unit>` pieces, where the decimal may
//! have a fraction (`1.5s`, `.5s`, `1.s`) and the unit is `ns`, `us`, `µs` (U+00B5), `μs`
//! (U+03BC), `ms`, `s`, `m` or `h`; pieces add up (`1h30m`). `0` alone needs no unit. The
//! total must fit in a signed 64-bit count of nanoseconds. Error texts are Go's, since the echo
//! server returns them in its 500 response body.

use std::time::Duration;

/// A string that is not a Go duration; the message is Go's text (`time: invalid duration
/// "x"`, `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(String);

const LIMIT: u64 = 1 << 63;

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration into signed nanoseconds.
///
/// ```
/// use gateway_api_proxy_example::echo::parse_go_duration;
/// assert_eq!(parse_go_duration("1.5s"), Ok(1_500_000_000));
/// assert_eq!(parse_go_duration("-2m3ms"), Ok(-120_003_000_000));
/// assert_eq!(
///     parse_go_duration("10").unwrap_err().to_string(),
///     r#"time: missing unit in duration "10""#
/// );
/// ```
pub fn parse_go_duration(input: &str) -> Result<i64, DurationError> {
    let invalid = || DurationError(format!("time: invalid duration {input:?}"));
    let mut s = input.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &d in &s[..digits] {
            if v > (LIMIT - 1) / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(d - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        let pre = digits > 0;
        s = &s[digits..];
        // Fraction: digits past what fits are consumed and ignored.
        let mut frac: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let n = s.iter().take_while(|b| b.is_ascii_digit()).count();
            let mut overflow = false;
            for &d in &s[..n] {
                if overflow {
                    continue;
                }
                if frac > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = frac * 10 + u64::from(d - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                frac = y;
                scale *= 10.0;
            }
            post = n > 0;
            s = &s[n..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // Unit: up to the next digit or '.'.
        let ulen = s
            .iter()
            .take_while(|b| !(**b == b'.' || b.is_ascii_digit()))
            .count();
        if ulen == 0 {
            return Err(DurationError(format!(
                "time: missing unit in duration {input:?}"
            )));
        }
        let unit_bytes = &s[..ulen];
        s = &s[ulen..];
        let unit_str = String::from_utf8_lossy(unit_bytes);
        let Some(unit) = unit_nanos(&unit_str) else {
            return Err(DurationError(format!(
                "time: unknown unit {unit_str:?} in duration {input:?}"
            )));
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if frac > 0 {
            // Float arithmetic as Go does; the result is below 2^63 + unit.
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        // total <= 2^63, so the negation fits (−2^63 included).
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// How long to sleep for a parsed duration: negative durations are zero.
pub(crate) fn sleep_time(nanos: i64) -> Duration {
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("+0", 0),
            ("1s", 1_000_000_000),
            ("500ms", 500_000_000),
            ("1.5s", 1_500_000_000),
            ("2m", 120_000_000_000),
            (".5s", 500_000_000),
            ("1.s", 1_000_000_000),
            ("1h30m", 5_400_000_000_000),
            ("10us", 10_000),
            ("10\u{b5}s", 10_000),
            ("10\u{3bc}s", 10_000),
            ("3ns", 3),
            ("0s", 0),
            ("-1.5h", -5_400_000_000_000),
            ("1.0000000000000000000000001s", 1_000_000_000),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
        ];
        for (s, want) in cases {
            assert_eq!(parse_go_duration(s), Ok(*want), "{s}");
        }
    }

    #[test]
    fn invalid_with_go_messages() {
        let msg = |s| parse_go_duration(s).unwrap_err().to_string();
        assert_eq!(msg(""), r#"time: invalid duration """#);
        assert_eq!(msg("abc"), r#"time: invalid duration "abc""#);
        assert_eq!(msg("-"), r#"time: invalid duration "-""#);
        assert_eq!(msg("."), r#"time: invalid duration ".""#);
        assert_eq!(msg(".s"), r#"time: invalid duration ".s""#);
        assert_eq!(msg("1"), r#"time: missing unit in duration "1""#);
        assert_eq!(msg("1s2"), r#"time: missing unit in duration "1s2""#);
        assert_eq!(msg("1d"), r#"time: unknown unit "d" in duration "1d""#);
        assert_eq!(msg("1 s"), r#"time: unknown unit " s" in duration "1 s""#);
        assert_eq!(
            msg("9223372036854775808ns"),
            r#"time: invalid duration "9223372036854775808ns""#
        );
        assert_eq!(msg("3000000h"), r#"time: invalid duration "3000000h""#);
        assert_eq!(
            msg("1s-1s"),
            r#"time: unknown unit "s-" in duration "1s-1s""#
        );
        assert_eq!(msg("1s+"), r#"time: unknown unit "s+" in duration "1s+""#);
        assert_eq!(msg("1s.s"), r#"time: invalid duration "1s.s""#);
    }

    #[test]
    fn sleep_clamps_negative() {
        assert_eq!(sleep_time(-5), Duration::ZERO);
        assert_eq!(sleep_time(1_000), Duration::from_micros(1));
    }
}
