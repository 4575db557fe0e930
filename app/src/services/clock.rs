//! Dates and times in the biller's time zone. Everything is stored as UTC
//! milliseconds; it is only turned into a wall-clock time for people.

use crate::domain::calendar;
use crate::domain::payment::Today;
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// `Nov 25, 2026 1:05 PM EST`
pub fn display(ms: i64, tz: &str) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned_datetime(zone(tz))
            .strftime("%b %-d, %Y %-I:%M %p %Z")
            .to_string(),
        Err(_) => String::new(),
    }
}

/// A time for a file: `2026-12-02 14:05:09` in `zone`, which spreadsheets
/// read as a date and time. Written by hand from the wall clock's seconds,
/// not through `strftime`: an export writes a million of these, and the
/// zone is looked up once by the caller.
pub fn file_time(ms: i64, zone: &TimeZone) -> String {
    let Some(secs) = wall_clock_seconds(ms, zone) else {
        return String::new();
    };
    let d = calendar::from_day_number(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.year,
        d.month,
        d.day,
        t / 3_600,
        t % 3_600 / 60,
        t % 60
    )
}

/// The wall-clock time of `ms` in `zone`, as seconds since 1970-01-01
/// 00:00 on that clock: what a spreadsheet's date and time counts (it has
/// no zones), to the second, as `file_time` writes it. The zone is looked
/// up once by the caller: an export converts a million of these.
pub fn wall_clock_seconds(ms: i64, zone: &TimeZone) -> Option<i64> {
    let ts = Timestamp::from_millisecond(ms).ok()?;
    Some(ts.as_second() + i64::from(zone.to_offset(ts).seconds()))
}

/// The biller's date today, for card expiry and payment date checks.
pub fn today(tz: &str) -> Today {
    let now = Timestamp::now().to_zoned_datetime(zone(tz));
    Today {
        year: now.year().max(0) as u16,
        month: now.month().max(1) as u8,
        day: now.day().max(1) as u8,
    }
}

/// The first millisecond of a calendar day in `tz` (of the next day when
/// `next`), for filters that take whole days.
pub fn day_start_ms(year: u16, month: u8, day: u8, next: bool, tz: &str) -> i64 {
    let Ok(date) = jiff::civil::Date::new(year as i16, month as i8, day as i8) else {
        return 0;
    };
    let date = if next {
        date.tomorrow().unwrap_or(date)
    } else {
        date
    };
    date.at(0, 0, 0, 0)
        .to_zoned_datetime(zone(tz))
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

/// The `n` calendar days (in `tz`) that end with the day holding `now_ms`,
/// oldest first, and the `n + 1` instants that bound them: day `i` is
/// `bounds[i] <= t < bounds[i + 1]`. Each bound is that date's own local
/// midnight, so a day across a DST change is 23 or 25 hours long and still
/// one day (a fixed 86,400,000 ms stride would put an hour in the wrong day).
pub fn recent_days(now_ms: i64, tz: &str, n: usize) -> (Vec<jiff::civil::Date>, Vec<i64>) {
    let zone = zone(tz);
    let today = Timestamp::from_millisecond(now_ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(zone.clone())
        .date();
    let mut days = vec![today];
    while days.len() < n {
        let Ok(before) = days[days.len() - 1].yesterday() else {
            break;
        };
        days.push(before);
    }
    days.reverse();
    let start = |d: jiff::civil::Date| {
        d.to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    };
    let mut bounds: Vec<i64> = days.iter().map(|d| start(*d)).collect();
    bounds.push(today.tomorrow().map(start).unwrap_or(i64::MAX));
    (days, bounds)
}

/// The dates a NACHA file made at `ms` carries, in `tz`: creation date
/// (YYMMDD) and time (HHMM), the effective entry date (the next banking
/// day) and
/// the day as YYYYMMDD for the file name.
pub struct AchDates {
    pub created_date: String,
    pub created_time: String,
    pub effective_date: String,
    pub day: String,
}

pub fn ach_dates(ms: i64, tz: &str) -> AchDates {
    let now = Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(zone(tz));
    let effective = next_banking_day(now.date());
    AchDates {
        created_date: now.strftime("%y%m%d").to_string(),
        created_time: now.strftime("%H%M").to_string(),
        effective_date: effective.strftime("%y%m%d").to_string(),
        day: now.strftime("%Y%m%d").to_string(),
    }
}

/// The banking day after `date` (`domain::calendar`, which knows the
/// Federal Reserve's holidays): a NACHA file's effective entry date.
fn next_banking_day(date: jiff::civil::Date) -> jiff::civil::Date {
    let next = calendar::next_banking_day(to_today(date));
    jiff::civil::Date::new(next.year as i16, next.month as i8, next.day as i8).unwrap_or(date)
}

fn to_today(d: jiff::civil::Date) -> Today {
    Today {
        year: d.year().max(0) as u16,
        month: d.month().max(1) as u8,
        day: d.day().max(1) as u8,
    }
}

/// The civil date in `tz` at `ms`.
pub fn civil_date(ms: i64, tz: &str) -> Today {
    let at = Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
    to_today(at.to_zoned_datetime(zone(tz)).date())
}

/// The effective entry date of a NACHA file made at `ms`, as a date (the
/// same day [`ach_dates`] writes in the file).
pub fn ach_effective_date(ms: i64, tz: &str) -> Today {
    let at = Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
    to_today(next_banking_day(at.to_zoned_datetime(zone(tz)).date()))
}

/// Whether (year, month, day) is a real calendar date.
pub fn is_date(d: Today) -> bool {
    d.year <= 9999 && jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).is_ok()
}

/// The first cutoff (hh:mm in `tz`) strictly after `after_ms`.
pub fn next_cutoff(after_ms: i64, tz: &str, cutoff: (i8, i8)) -> i64 {
    let Ok(ts) = Timestamp::from_millisecond(after_ms) else {
        return after_ms;
    };
    let now = ts.to_zoned_datetime(zone(tz));
    let today = now
        .date()
        .at(cutoff.0, cutoff.1, 0, 0)
        .to_zoned_datetime(zone(tz));
    let candidate = match today {
        Ok(t) if t.timestamp() > ts => Some(t),
        _ => now.date().tomorrow().ok().and_then(|d| {
            d.at(cutoff.0, cutoff.1, 0, 0)
                .to_zoned_datetime(zone(tz))
                .ok()
        }),
    };
    candidate.map_or(after_ms + 86_400_000, |t| t.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_files_clock_is_the_wall_clock_either_side_of_a_dst_change() {
        let ny = zone("America/New_York");
        // 2026-03-08 02:00 EST became 03:00 EDT; the file shows no fraction
        // of a second.
        for (at, shown) in [
            ("2026-03-08T06:59:59Z", "2026-03-08 01:59:59"),
            ("2026-03-08T07:00:00Z", "2026-03-08 03:00:00"),
            ("2026-11-25T21:59:00.999Z", "2026-11-25 16:59:00"),
            ("2026-12-31T23:30:00Z", "2026-12-31 18:30:00"),
        ] {
            assert_eq!(file_time(ms(at), &ny), shown, "{at}");
        }
        assert_eq!(
            wall_clock_seconds(ms("2026-03-08T07:00:00Z"), &ny),
            Some(ms("2026-03-08T03:00:00Z") / 1_000),
            "a spreadsheet's clock counts the wall clock's seconds"
        );
    }

    #[test]
    fn cutoffs_follow_the_billers_clock() {
        // 16:59 in New York (EST, UTC-5) → today 17:00 = 22:00 UTC.
        assert_eq!(
            next_cutoff(ms("2026-11-25T21:59:00Z"), "America/New_York", (17, 0)),
            ms("2026-11-25T22:00:00Z")
        );
        // Just after the cutoff → tomorrow's.
        assert_eq!(
            next_cutoff(ms("2026-11-25T22:00:00Z"), "America/New_York", (17, 0)),
            ms("2026-11-26T22:00:00Z")
        );
        // Summer time (EDT, UTC-4).
        assert_eq!(
            next_cutoff(ms("2026-07-01T12:00:00Z"), "America/New_York", (17, 0)),
            ms("2026-07-01T21:00:00Z")
        );
    }

    #[test]
    fn times_are_shown_in_the_billers_zone() {
        assert_eq!(
            display(ms("2026-11-25T18:05:00Z"), "America/New_York"),
            "Nov 25, 2026 1:05 PM EST"
        );
        assert_eq!(
            display(ms("2026-11-25T18:05:00Z"), "UTC"),
            "Nov 25, 2026 6:05 PM UTC"
        );
    }

    #[test]
    fn whole_days_start_at_the_billers_midnight() {
        assert_eq!(
            day_start_ms(2026, 11, 25, false, "America/New_York"),
            ms("2026-11-25T05:00:00Z")
        );
        assert_eq!(
            day_start_ms(2026, 11, 30, true, "America/New_York"),
            ms("2026-12-01T05:00:00Z")
        );
    }

    #[test]
    fn recent_days_follow_local_midnights_across_dst() {
        // 2026-11-01 is the end of summer time in New York: 25 hours long.
        let (days, bounds) = recent_days(ms("2026-11-02T15:00:00Z"), "America/New_York", 3);
        let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
        assert_eq!(names, ["2026-10-31", "2026-11-01", "2026-11-02"]);
        assert_eq!(
            bounds,
            [
                ms("2026-10-31T04:00:00Z"),
                ms("2026-11-01T04:00:00Z"),
                ms("2026-11-02T05:00:00Z"),
                ms("2026-11-03T05:00:00Z"),
            ]
        );
        assert_eq!(bounds[2] - bounds[1], 25 * 3_600_000);
        // Just before local midnight, today is still the earlier date.
        let (days, _) = recent_days(ms("2026-11-03T04:59:59Z"), "America/New_York", 1);
        assert_eq!(days[0].to_string(), "2026-11-02");
    }

    #[test]
    fn ach_files_take_effect_on_the_next_banking_day() {
        // Friday 27 Nov 2026, 6 PM in New York → effective Monday 30 Nov.
        let d = ach_dates(ms("2026-11-27T23:00:00Z"), "America/New_York");
        assert_eq!(
            (
                d.created_date.as_str(),
                d.created_time.as_str(),
                d.effective_date.as_str()
            ),
            ("261127", "1800", "261130")
        );
        assert_eq!(d.day, "20261127");
        assert_eq!(
            ach_dates(ms("2026-11-25T15:00:00Z"), "America/New_York").effective_date,
            "261127",
            "Wednesday's file skips Thanksgiving"
        );
        let friday = ach_effective_date(ms("2026-11-27T23:00:00Z"), "America/New_York");
        assert_eq!(friday.iso(), "2026-11-30", "the same day the file carries");
    }

    #[test]
    fn a_late_run_on_a_dst_day_belongs_to_that_day() {
        // 8 Mar 2026: New York springs forward at 2 AM (EST → EDT). 11:30 PM
        // EDT that day is 03:30 UTC on the 9th: still the 8th for the biller.
        let late = ms("2026-03-09T03:30:00Z");
        assert_eq!(civil_date(late, "America/New_York").iso(), "2026-03-08");
        assert_eq!(civil_date(late, "UTC").iso(), "2026-03-09");
        // The day is 23 hours long, and its last instant is before the next
        // day's start.
        let start = day_start_ms(2026, 3, 8, false, "America/New_York");
        let end = day_start_ms(2026, 3, 8, true, "America/New_York");
        assert_eq!(end - start, 23 * 3_600_000);
        assert!(start <= late && late < end);
        // 1 Nov 2026 falls back: 11:30 PM EST is 04:30 UTC on the 2nd.
        let fall = ms("2026-11-02T04:30:00Z");
        assert_eq!(civil_date(fall, "America/New_York").iso(), "2026-11-01");
        assert_eq!(
            day_start_ms(2026, 11, 1, true, "America/New_York")
                - day_start_ms(2026, 11, 1, false, "America/New_York"),
            25 * 3_600_000
        );
    }
}
