//! Dates and numbers the way each language writes them. Times are shown in UTC (the
//! daemon's zone; per-user time zones are not built yet) and say so.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2026-12-01T06:26:00Z` as the language writes a date and time.
pub fn datetime(language: &str, rfc3339: &str) -> String {
    let Ok(at) = OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_string();
    };
    let (y, m, d) = (at.year(), u8::from(at.month()), at.day());
    let (hh, mm) = (at.hour(), at.minute());
    match language {
        "de" => format!("{d:02}.{m:02}.{y}, {hh:02}:{mm:02} UTC"),
        "cs" => format!("{d}. {m}. {y} {hh}:{mm:02} UTC"),
        "pt" => format!("{d:02}/{m:02}/{y}, {hh:02}:{mm:02} UTC"),
        "lv" => format!("{d:02}.{m:02}.{y}. {hh:02}:{mm:02} UTC"),
        _ => format!(
            "{d} {} {y}, {hh:02}:{mm:02} UTC",
            EN_MONTHS[usize::from(m) - 1]
        ),
    }
}

/// An integer with the language's thousands separator.
pub fn number(language: &str, n: i64) -> String {
    let separator = match language {
        "de" | "pt" => ".",
        "cs" | "lv" => "\u{a0}",
        _ => ",",
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(digit);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_per_language() {
        let at = "2026-12-01T06:05:00Z";
        assert_eq!(datetime("en", at), "1 Dec 2026, 06:05 UTC");
        assert_eq!(datetime("de", at), "01.12.2026, 06:05 UTC");
        assert_eq!(datetime("cs", at), "1. 12. 2026 6:05 UTC");
        assert_eq!(datetime("pt", at), "01/12/2026, 06:05 UTC");
        assert_eq!(datetime("lv", at), "01.12.2026. 06:05 UTC");
        assert_eq!(datetime("en", "garbage"), "garbage");
    }

    #[test]
    fn numbers_per_language() {
        assert_eq!(number("en", 1_234_567), "1,234,567");
        assert_eq!(number("de", 1_234), "1.234");
        assert_eq!(number("cs", 12_345), "12\u{a0}345");
        assert_eq!(number("en", 999), "999");
        assert_eq!(number("en", -1_000), "-1,000");
    }
}
