/// A moment in time attached to a document, in UTC, with the precision it was given in.
///
/// Dates are stored as seconds since the Unix epoch. A date given as a calendar day
/// (`2024-03-05`) has ``Precision-swift.enum/day`` precision and points at midnight UTC.
public struct DocumentDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// How precisely the date was known.
    public enum Precision: String, Sendable, Hashable, Codable {
        /// A calendar day; the time of day is unknown.
        case day
        /// A moment to the second.
        case second
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Int64
    /// How precisely the date was known.
    public var precision: Precision

    /// Creates a date from seconds since the epoch.
    public init(secondsSinceEpoch: Int64, precision: Precision = .second) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.precision = precision
    }

    /// Creates a day-precision date from a proleptic Gregorian calendar day, or `nil` when the
    /// day does not exist (`2024-02-30`).
    public init?(year: Int, month: Int, day: Int) {
        guard let days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day) else { return nil }
        self.init(secondsSinceEpoch: Int64(days) * 86_400, precision: .day)
    }

    /// Orders dates by their moment.
    public static func < (lhs: DocumentDate, rhs: DocumentDate) -> Bool {
        lhs.secondsSinceEpoch < rhs.secondsSinceEpoch
    }

    /// ISO 8601: `2024-03-05` for a day, `2024-03-05T14:30:00Z` for a moment.
    public var description: String {
        let seconds = secondsSinceEpoch
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let (y, m, d) = CivilCalendar.civilDate(daysSinceEpoch: days)
        let datePart = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
        if precision == .day { return datePart }
        let rest = Int(seconds - Int64(days) * 86_400)
        return "\(datePart)T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(abs(value))
        let padded = text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        return value < 0 ? "-" + padded : padded
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (no Foundation, no time zones).
enum CivilCalendar {
    /// Whether `year` is a leap year.
    static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in a month, or 0 for a month outside 1...12.
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    /// Days since the epoch for a valid calendar day, or `nil` when the day does not exist.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int? {
        guard (-99_999...99_999).contains(year), (1...12).contains(month),
              day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar day for a count of days since the epoch.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
