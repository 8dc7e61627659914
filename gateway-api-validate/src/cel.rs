//! The semantics of the CEL library functions upstream's rules call, implemented once:
//! `duration(string)` (cel-go on top of Go's `time.ParseDuration`) and the Kubernetes CEL
//! libraries' `isIP(string)` and `format.dns1123Label()`.

/// cel-go's error when `duration(string)` cannot parse its argument: the API server reports
/// `<this> evaluating rule: <message>`.
pub const DURATION_CONVERSION_ERROR: &str =
    "type conversion error from 'string' to 'google.protobuf.Duration'";

/// Nanoseconds in a second.
pub const SECOND: i64 = 1_000_000_000;
/// Nanoseconds in an hour.
pub const HOUR: i64 = 3600 * SECOND;

/// CEL's `duration(s)`: Go's `time.ParseDuration`, in nanoseconds. `None` where Go returns an
/// error (syntax, missing or unknown unit, out of the `int64` range): CEL then fails with
/// [`DURATION_CONVERSION_ERROR`].
pub fn duration(s: &str) -> Option<i64> {
    // [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, accumulated as Go does in a uint64 bounded by 1<<63.
    const LIMIT: u64 = 1 << 63;
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return None;
        }
        // leadingInt: an overflow is an error.
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for &c in &b[..int_len] {
            if v > LIMIT / 10 {
                return None;
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return None;
            }
        }
        rest = &rest[int_len..];
        // leadingFraction: an overflow only stops accumulating precision.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in r[..n].bytes() {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = n > 0;
            rest = &r[n..];
        }
        if int_len == 0 && !post {
            // No digits at all (".s", "-.s").
            return None;
        }
        let unit_len = rest
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: u64 = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => SECOND as u64,
            "m" => 60 * SECOND as u64,
            "h" => HOUR as u64,
            _ => return None, // missing or unknown unit
        };
        rest = &rest[unit_len..];
        if v > LIMIT / unit {
            return None;
        }
        v *= unit;
        if f > 0 {
            // Go: v += uint64(float64(f) * (float64(unit) / scale)).
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let frac = (f as f64 * (unit as f64 / scale)) as u64;
            v = v.checked_add(frac)?;
            if v > LIMIT {
                return None;
            }
        }
        total = total.checked_add(v)?;
        if total > LIMIT {
            return None;
        }
    }
    if neg {
        // -(1<<63) is the smallest Duration.
        return Some(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).ok()
}

/// The Kubernetes CEL library's `isIP(string)`: an IPv4 or IPv6 address without a zone, and not
/// an IPv4-mapped IPv6 address (Go's `netip.ParseAddr` is as strict as Rust's parsers here:
/// no leading zeros in IPv4 octets).
pub fn is_ip(s: &str) -> bool {
    match s.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => true,
        Ok(std::net::IpAddr::V6(a)) => a.to_ipv4_mapped().is_none(),
        Err(_) => false,
    }
}

/// The Kubernetes CEL library's `format.dns1123Label().validate(s) == null`: at most 63
/// characters of `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && crate::patterns::DNS_LABEL.is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go_does() {
        assert_eq!(duration("1h"), Some(HOUR));
        assert_eq!(duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(duration("1h0m1s"), Some(HOUR + SECOND));
        assert_eq!(duration("999ms"), Some(999_000_000));
        assert_eq!(duration("100ms"), Some(100_000_000));
        assert_eq!(duration("1.5s"), Some(1_500_000_000));
        assert_eq!(duration(".5s"), Some(500_000_000));
        assert_eq!(duration("1.s"), Some(SECOND));
        assert_eq!(duration("0"), Some(0));
        assert_eq!(duration("-0"), Some(0));
        assert_eq!(duration("-2m"), Some(-120 * SECOND));
        assert_eq!(duration("10us"), Some(10_000));
        assert_eq!(duration("10µs"), Some(10_000));
        assert_eq!(duration("00000000000000000000001s"), Some(SECOND));
        assert_eq!(duration("9223372036854775807ns"), Some(i64::MAX));
        assert_eq!(duration("-9223372036854775808ns"), Some(i64::MIN));
        assert_eq!(duration("9223372036854775808ns"), None);
        assert_eq!(duration(""), None);
        assert_eq!(duration("-"), None);
        assert_eq!(duration("1"), None);
        assert_eq!(duration("1d"), None);
        assert_eq!(duration("."), None);
        assert_eq!(duration(".s"), None);
        assert_eq!(duration("s"), None);
        assert_eq!(duration("9999999999999h"), None);
    }

    #[test]
    fn library_predicates() {
        assert!(is_ip("::1"));
        assert!(is_ip("10.0.0.1"));
        assert!(!is_ip("::ffff:1.2.3.4"));
        assert!(!is_ip("01.2.3.4"));
        assert!(!is_ip("fe80::1%eth0"));
        assert!(is_dns1123_label("a-1"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
    }
}
