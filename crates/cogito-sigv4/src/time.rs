//! Hand-rolled conversion between Unix epoch seconds and the compact ISO-8601
//! form SigV4 uses (`YYYYMMDD'T'HHMMSS'Z'`, always UTC).
//!
//! The conversions use Howard Hinnant's `days_from_civil` / `civil_from_days`
//! algorithms on the proleptic Gregorian calendar, so no time crate is needed.

/// Seconds in one day.
const SECS_PER_DAY: i64 = 86_400;

/// Whether `year` is a Gregorian leap year.
pub(crate) fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1-12) of `year`; 0 for an invalid month.
pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of the civil date `year-month-day`.
///
/// `month` must be in 1..=12 and `day` in 1..=31 (not checked here).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = i64::from((month + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Civil date `(year, month, day)` of the given number of days since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    // Both values are small and non-negative, so the narrowing is lossless.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses `YYYYMMDD'T'HHMMSS'Z'` into Unix epoch seconds.
///
/// Returns `None` unless the input is exactly 16 characters of that shape
/// and denotes a real calendar date and time of day (leap seconds are not
/// accepted).
pub(crate) fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i64::from(digits(0..4)?);
    let month = digits(4..6)?;
    let day = digits(6..8)?;
    let hour = digits(9..11)?;
    let minute = digits(11..13)?;
    let second = digits(13..15)?;
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let secs_of_day = i64::from(hour * 3600 + minute * 60 + second);
    Some(days_from_civil(year, month, day) * SECS_PER_DAY + secs_of_day)
}

/// Formats Unix epoch seconds as `YYYYMMDD'T'HHMMSS'Z'`.
pub(crate) fn format_amz_date(epoch_secs: i64) -> String {
    let days = epoch_secs.div_euclid(SECS_PER_DAY);
    let secs_of_day = epoch_secs.rem_euclid(SECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_instants() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("19691231T235959Z"), Some(-1));
        assert_eq!(parse_amz_date("20261124T042015Z"), Some(1_795_494_015));
        assert_eq!(parse_amz_date("20000229T235959Z"), Some(951_868_799));
        assert_eq!(parse_amz_date("21000301T000000Z"), Some(4_107_542_400));
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(format_amz_date(-1), "19691231T235959Z");
        assert_eq!(format_amz_date(1_795_494_015), "20261124T042015Z");
        assert_eq!(format_amz_date(951_868_799), "20000229T235959Z");
        assert_eq!(format_amz_date(4_107_542_400), "21000301T000000Z");
    }

    #[test]
    fn round_trips_across_four_centuries() {
        // Step by a prime number of seconds so every time-of-day and every
        // day-of-year gets exercised, spanning 1600..2400.
        let start = parse_amz_date("16000101T000000Z").expect("valid");
        let end = parse_amz_date("24000101T000000Z").expect("valid");
        let mut t = start;
        while t < end {
            let s = format_amz_date(t);
            assert_eq!(parse_amz_date(&s), Some(t), "{s}");
            t += 86_399 * 3 + 7;
        }
    }

    #[test]
    fn round_trips_every_day_and_matches_calendar() {
        let mut expected = (1899i64, 1u32, 1u32);
        let first = days_from_civil(1899, 1, 1);
        for days in first..first + 365 * 300 {
            assert_eq!(civil_from_days(days), expected);
            assert_eq!(days_from_civil(expected.0, expected.1, expected.2), days);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(is_leap_year(2400));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2023));
        assert!(!is_leap_year(2100));

        assert!(parse_amz_date("20240229T120000Z").is_some());
        assert!(parse_amz_date("20000229T120000Z").is_some());
        assert!(parse_amz_date("20230229T120000Z").is_none());
        assert!(parse_amz_date("19000229T120000Z").is_none());
        assert!(parse_amz_date("21000229T120000Z").is_none());

        // The day after Feb 28 in a leap / non-leap year.
        let feb28_2024 = parse_amz_date("20240228T000000Z").expect("valid");
        assert_eq!(format_amz_date(feb28_2024 + 86_400), "20240229T000000Z");
        let feb28_2023 = parse_amz_date("20230228T000000Z").expect("valid");
        assert_eq!(format_amz_date(feb28_2023 + 86_400), "20230301T000000Z");
        let feb28_2100 = parse_amz_date("21000228T000000Z").expect("valid");
        assert_eq!(format_amz_date(feb28_2100 + 86_400), "21000301T000000Z");
        // Year boundary.
        let nye = parse_amz_date("20241231T235959Z").expect("valid");
        assert_eq!(format_amz_date(nye + 1), "20250101T000000Z");
        // 2024 has 366 days.
        assert_eq!(
            parse_amz_date("20250101T000000Z").expect("valid")
                - parse_amz_date("20240101T000000Z").expect("valid"),
            366 * 86_400
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "20261124",
            "20261124T042015",
            "20261124T042015ZZ",
            "2026-11-24T04:20:15Z",
            "20261124t042015Z",
            "20261124T042015z",
            "20261124X042015Z",
            "2026112AT042015Z",
            "+0261124T042015Z",
            "20261324T042015Z",
            "20260024T042015Z",
            "20261100T042015Z",
            "20261131T042015Z",
            "20261124T242015Z",
            "20261124T046015Z",
            "20261124T042060Z",
            "２02611T042015Z", // 16 bytes, non-ASCII digit
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad:?}");
        }
    }
}
