//! The banking calendar and plan schedules: which days are banking days
//! (US Federal Reserve holidays, computed for any year, never a list that
//! runs out), and on which dates a recurring plan pays. Dates are civil
//! dates in the biller's zone, never instants; settlement's effective entry
//! dates and the Reconciliation report ask this module, and the plan
//! scheduler will (docs/calendar.md has the rules in words). Pure: it
//! compiles to the browser too, so a form can show the dates a plan pays.

use super::account::coded_enum;
use super::payment::Today;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A civil date (year, month, day) in the biller's zone.
pub type CivilDate = Today;

/// Days in `month` of `year` (Gregorian).
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 (negative before), for any Gregorian date
/// (H. Hinnant's `days_from_civil`).
pub fn day_number(d: CivilDate) -> i64 {
    let (m, day) = (i64::from(d.month), i64::from(d.day));
    let y = i64::from(d.year) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `n` days after 1970-01-01 (`civil_from_days`). Years outside
/// 0..=65535 saturate: no plan runs that far.
pub fn from_day_number(n: i64) -> CivilDate {
    let z = n + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Today {
        year: year.clamp(0, i64::from(u16::MAX)) as u16,
        month: month as u8,
        day: day as u8,
    }
}

/// `d` moved by `n` days.
pub fn add_days(d: CivilDate, n: i64) -> CivilDate {
    from_day_number(day_number(d) + n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

pub fn weekday(d: CivilDate) -> Weekday {
    // 1970-01-01 was a Thursday.
    match (day_number(d) + 3).rem_euclid(7) {
        0 => Weekday::Monday,
        1 => Weekday::Tuesday,
        2 => Weekday::Wednesday,
        3 => Weekday::Thursday,
        4 => Weekday::Friday,
        5 => Weekday::Saturday,
        _ => Weekday::Sunday,
    }
}

fn date(year: u16, month: u8, day: u8) -> CivilDate {
    Today { year, month, day }
}

/// The `nth` (1-based) `wd` of a month, or its last when `nth` is 0.
fn nth_weekday(year: u16, month: u8, wd: Weekday, nth: u8) -> CivilDate {
    if nth == 0 {
        let mut d = date(year, month, days_in_month(year, month));
        while weekday(d) != wd {
            d = add_days(d, -1);
        }
        return d;
    }
    let mut d = date(year, month, 1);
    while weekday(d) != wd {
        d = add_days(d, 1);
    }
    add_days(d, 7 * i64::from(nth - 1))
}

/// The Federal Reserve's holidays as observed in `year`. A fixed-date
/// holiday on a Sunday is observed the Monday after; one on a Saturday is
/// not moved (the Fed is open the Friday before, unlike federal offices).
pub fn fed_holidays(year: u16) -> Vec<CivilDate> {
    use Weekday::*;
    let mut days = vec![
        nth_weekday(year, 1, Monday, 3),    // Martin Luther King Jr. Day
        nth_weekday(year, 2, Monday, 3),    // Washington's Birthday
        nth_weekday(year, 5, Monday, 0),    // Memorial Day
        nth_weekday(year, 9, Monday, 1),    // Labor Day
        nth_weekday(year, 10, Monday, 2),   // Columbus Day
        nth_weekday(year, 11, Thursday, 4), // Thanksgiving Day
    ];
    let mut fixed = vec![(1, 1), (7, 4), (11, 11), (12, 25)];
    if year >= 2021 {
        fixed.push((6, 19)); // Juneteenth National Independence Day
    }
    for (month, day) in fixed {
        let d = date(year, month, day);
        match weekday(d) {
            Saturday => {}
            Sunday => days.push(add_days(d, 1)),
            _ => days.push(d),
        }
    }
    days.sort_by_key(|d| day_number(*d));
    days
}

/// A weekday that is not a Federal Reserve holiday.
pub fn is_banking_day(d: CivilDate) -> bool {
    !matches!(weekday(d), Weekday::Saturday | Weekday::Sunday) && !fed_holidays(d.year).contains(&d)
}

/// `d` if it is a banking day, else the banking day before: when a plan's
/// date falls on a weekend or holiday, it pays earlier, never later.
pub fn banking_day_on_or_before(d: CivilDate) -> CivilDate {
    let mut day = d;
    while !is_banking_day(day) {
        day = add_days(day, -1);
    }
    day
}

/// The first banking day after `d`: a NACHA file's effective entry date.
pub fn next_banking_day(d: CivilDate) -> CivilDate {
    let mut day = add_days(d, 1);
    while !is_banking_day(day) {
        day = add_days(day, 1);
    }
    day
}

coded_enum!(
    /// How often a recurring plan pays.
    Frequency {
        Weekly => "weekly", "Weekly",
        EveryTwoWeeks => "every_2_weeks", "Every 2 weeks",
        TwiceMonthly => "twice_monthly", "Twice a month",
        Monthly => "monthly", "Monthly",
        Quarterly => "quarterly", "Quarterly",
        Yearly => "yearly", "Yearly",
    }
);

/// The date `months` months after `anchor`, on the anchor's day number or
/// the month's last day when the month is shorter (31 → 30 → 28/29).
fn months_after(anchor: CivilDate, months: u32, day: u8) -> Option<CivilDate> {
    let index = u32::from(anchor.month) - 1 + months;
    let year = u16::try_from(u32::from(anchor.year) + index / 12).ok()?;
    let month = (index % 12) as u8 + 1;
    Some(date(year, month, day.min(days_in_month(year, month))))
}

/// The `n`th occurrence (0 is the anchor, the first payment date) of a
/// plan. Every occurrence is computed from the anchor, not from the one
/// before, so a plan on the 31st comes back to the 31st after February.
/// Twice a month pays on the anchor's day and 15 days from it: a plan
/// anchored on the 1st to the 15th pays then and 15 days later in the same
/// month (capped at its end; the 1st pays with the 15th), one anchored
/// later pays then and 15 days earlier in the next month (the 20th: the
/// 20th, then the 5th). `None` past year 65535.
pub fn occurrence(anchor: CivilDate, frequency: Frequency, n: u32) -> Option<CivilDate> {
    use Frequency::*;
    match frequency {
        Weekly => Some(add_days(anchor, 7 * i64::from(n))),
        EveryTwoWeeks => Some(add_days(anchor, 14 * i64::from(n))),
        Monthly => months_after(anchor, n, anchor.day),
        Quarterly => months_after(anchor, n.checked_mul(3)?, anchor.day),
        Yearly => months_after(anchor, n.checked_mul(12)?, anchor.day),
        TwiceMonthly => match (n % 2, anchor.day) {
            (0, day) => months_after(anchor, n / 2, day),
            (_, 1) => months_after(anchor, n / 2, 15),
            (_, day @ 2..=15) => months_after(anchor, n / 2, day + 15),
            (_, day) => months_after(anchor, n / 2 + 1, day - 15),
        },
    }
}

/// The day a plan's occurrence actually runs: the occurrence itself, or
/// the banking day before it. Both are shown.
pub fn run_date(occurrence: CivilDate) -> CivilDate {
    banking_day_on_or_before(occurrence)
}

/// An occurrence of a plan: its number, its date, and the day it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub n: u32,
    pub date: CivilDate,
    pub runs_on: CivilDate,
}

/// Every occurrence from number `from_n` whose run date is on or before
/// `through` and whose date is on or before `end` (inclusive) if the plan
/// has one, oldest first: what a scheduler pass owes. A plan whose next
/// occurrence is after its end date is finished.
pub fn due_occurrences(
    anchor: CivilDate,
    frequency: Frequency,
    end: Option<CivilDate>,
    from_n: u32,
    through: CivilDate,
) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut n = from_n;
    while let Some(d) = occurrence(anchor, frequency, n) {
        if end.is_some_and(|e| day_number(d) > day_number(e)) {
            break;
        }
        let runs_on = run_date(d);
        if day_number(runs_on) > day_number(through) {
            break;
        }
        out.push(Occurrence {
            n,
            date: d,
            runs_on,
        });
        n += 1;
    }
    out
}

/// The first occurrence from number `from_n` that is still to run after
/// `today` (its run date later than today), unless the plan ended first.
pub fn next_occurrence(
    anchor: CivilDate,
    frequency: Frequency,
    end: Option<CivilDate>,
    from_n: u32,
    today: CivilDate,
) -> Option<Occurrence> {
    let mut n = from_n;
    loop {
        let d = occurrence(anchor, frequency, n)?;
        if end.is_some_and(|e| day_number(d) > day_number(e)) {
            return None;
        }
        let runs_on = run_date(d);
        if day_number(runs_on) > day_number(today) {
            return Some(Occurrence {
                n,
                date: d,
                runs_on,
            });
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> CivilDate {
        let (year, month, day) = super::super::payment::parse_iso_date(s).unwrap();
        Today { year, month, day }
    }

    #[test]
    fn the_feds_holidays_and_how_they_are_observed() {
        assert!(!is_banking_day(d("2026-11-26")), "Thanksgiving");
        assert!(
            !is_banking_day(d("2022-12-26")),
            "Christmas on a Sunday, observed Monday"
        );
        assert!(
            is_banking_day(d("2021-12-31")),
            "New Year's Day 2022 on a Saturday is not moved"
        );
        assert!(!is_banking_day(d("2026-06-19")), "Juneteenth");
        assert!(is_banking_day(d("2020-06-19")), "not a holiday before 2021");
        assert!(
            !is_banking_day(d("2027-07-05")),
            "July 4 on a Sunday, observed Monday"
        );
        assert!(!is_banking_day(d("2026-01-19")), "MLK Day, third Monday");
        assert!(
            !is_banking_day(d("2026-05-25")),
            "Memorial Day, last Monday"
        );
        assert!(
            !is_banking_day(d("2026-10-12")),
            "Columbus Day, second Monday"
        );
        assert!(!is_banking_day(d("2026-11-28")), "a Saturday");
        assert!(
            is_banking_day(d("2026-11-27")),
            "the Friday after Thanksgiving"
        );
        assert_eq!(fed_holidays(2025).len(), 11);
        assert_eq!(
            fed_holidays(2026).len(),
            10,
            "July 4, 2026 is a Saturday, and not moved"
        );
    }

    #[test]
    fn a_file_after_a_holiday_eve_takes_effect_after_the_holiday() {
        assert_eq!(next_banking_day(d("2026-11-25")).iso(), "2026-11-27");
        assert_eq!(next_banking_day(d("2026-11-27")).iso(), "2026-11-30");
    }

    #[test]
    fn plan_dates_keep_to_the_anchor_and_run_early() {
        let on_31st: Vec<String> = (0..4)
            .map(|n| {
                occurrence(d("2027-01-31"), Frequency::Monthly, n)
                    .unwrap()
                    .iso()
            })
            .collect();
        assert_eq!(
            on_31st,
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
        );
        assert_eq!(
            occurrence(d("2028-02-29"), Frequency::Yearly, 1)
                .unwrap()
                .iso(),
            "2029-02-28"
        );
        assert_eq!(
            occurrence(d("2028-02-29"), Frequency::Yearly, 4)
                .unwrap()
                .iso(),
            "2032-02-29"
        );
        let twice: Vec<String> = (0..4)
            .map(|n| {
                occurrence(d("2027-01-01"), Frequency::TwiceMonthly, n)
                    .unwrap()
                    .iso()
            })
            .collect();
        assert_eq!(
            twice,
            ["2027-01-01", "2027-01-15", "2027-02-01", "2027-02-15"]
        );
        let late: Vec<String> = (0..4)
            .map(|n| {
                occurrence(d("2027-01-31"), Frequency::TwiceMonthly, n)
                    .unwrap()
                    .iso()
            })
            .collect();
        assert_eq!(
            late,
            ["2027-01-31", "2027-02-16", "2027-02-28", "2027-03-16"],
            "the last day, and 15 days before it"
        );
        assert_eq!(
            occurrence(d("2027-01-14"), Frequency::TwiceMonthly, 3)
                .unwrap()
                .iso(),
            "2027-02-28",
            "the 14th and the 29th, capped at the month's end"
        );
        // Saturday 2026-11-28 runs on Friday the 27th; Thanksgiving on the 25th.
        assert_eq!(run_date(d("2026-11-28")).iso(), "2026-11-27");
        assert_eq!(run_date(d("2026-11-26")).iso(), "2026-11-25");
    }

    #[test]
    fn a_pass_owes_each_missed_occurrence_once_and_stops_at_the_end() {
        let due = due_occurrences(
            d("2026-01-05"),
            Frequency::Weekly,
            Some(d("2026-01-26")),
            0,
            d("2026-12-31"),
        );
        let dates: Vec<String> = due.iter().map(|o| o.date.iso()).collect();
        assert_eq!(
            dates,
            ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]
        );
        assert_eq!(
            due[2].runs_on.iso(),
            "2026-01-16",
            "MLK Day runs the Friday before"
        );
        let later = due_occurrences(d("2026-01-05"), Frequency::Weekly, None, 2, d("2026-01-16"));
        assert_eq!(
            later.len(),
            1,
            "occurrence 2 runs on the 16th; 3 is not due yet"
        );
        let next =
            next_occurrence(d("2026-01-05"), Frequency::Weekly, None, 3, d("2026-01-16")).unwrap();
        assert_eq!((next.n, next.date.iso()), (3, "2026-01-26".to_string()));
        assert_eq!(
            next_occurrence(
                d("2026-01-05"),
                Frequency::Weekly,
                Some(d("2026-01-26")),
                4,
                d("2026-01-16")
            ),
            None,
            "finished"
        );
    }

    /// 1990-01-01 to 2100-12-31.
    fn any_date() -> impl Strategy<Value = CivilDate> {
        (7_305i64..47_846).prop_map(from_day_number)
    }

    fn any_frequency() -> impl Strategy<Value = Frequency> {
        prop::sample::select(Frequency::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn day_numbers_round_trip(n in -700_000i64..800_000) {
            let date = from_day_number(n);
            prop_assert_eq!(day_number(date), n);
            prop_assert!(date.day >= 1 && date.day <= days_in_month(date.year, date.month));
        }

        #[test]
        fn a_run_date_is_the_last_banking_day_on_or_before_its_date(date in any_date()) {
            let run = run_date(date);
            prop_assert!(is_banking_day(run));
            prop_assert!(day_number(run) <= day_number(date));
            for n in day_number(run) + 1..=day_number(date) {
                prop_assert!(!is_banking_day(from_day_number(n)), "a banking day was skipped");
            }
            let next = next_banking_day(date);
            prop_assert!(is_banking_day(next) && day_number(next) > day_number(date));
        }

        #[test]
        fn occurrences_rise_and_keep_to_the_anchors_day(
            anchor in any_date(), frequency in any_frequency(), n in 0u32..120
        ) {
            let this = occurrence(anchor, frequency, n).unwrap();
            let next = occurrence(anchor, frequency, n + 1).unwrap();
            prop_assert!(day_number(next) > day_number(this));
            let dim = days_in_month(this.year, this.month);
            match frequency {
                Frequency::Weekly => prop_assert_eq!(day_number(next) - day_number(this), 7),
                Frequency::EveryTwoWeeks => prop_assert_eq!(day_number(next) - day_number(this), 14),
                Frequency::Monthly | Frequency::Quarterly | Frequency::Yearly => {
                    prop_assert_eq!(this.day, anchor.day.min(dim));
                }
                Frequency::TwiceMonthly => {
                    // Two a month: every second one is a month later, on
                    // the same day (or the month's last).
                    let months = |d: CivilDate| i64::from(d.year) * 12 + i64::from(d.month);
                    let after = occurrence(anchor, frequency, n + 2).unwrap();
                    prop_assert_eq!(months(after) - months(this), 1);
                    prop_assert!(after.day == this.day || after.day == days_in_month(after.year, after.month) || this.day == dim);
                }
            }
            // Runs early by at most the longest run of closed days before
            // a date (a weekend and a Monday holiday).
            let run = run_date(this);
            prop_assert!(day_number(this) - day_number(run) <= 3);
        }
    }
}
