/// Date expressions of the query language: ISO 8601 dates of any precision and Elasticsearch
/// date math (`now-30d/d`, `2024-01-01||+1M/d`), resolved to UTC seconds.
///
/// Every expression denotes a closed interval of seconds, `first...last`:
/// - a date denotes the whole unit it names: `2024` is the year, `2024-03` the month,
///   `2024-03-05` the day, `2024-03-05T10:00` the minute, `2024-03-05T10:00:00Z` one second;
/// - `now` is the one second of the clock;
/// - `+N unit` and `-N unit` move both ends (months and years clamp the day to the month's
///   length, as Elasticsearch and `java.time` do);
/// - `/unit` widens the interval to whole units: `first` rounds down to the unit's start and
///   `last` up to the unit's last second. Weeks start on Monday.
///
/// Range bounds then take the end of the interval that Elasticsearch's rounding rules take:
/// `>=`/`[` the first second, `>`/`{` the second after the last, `<=`/`]` the last second, and
/// `<`/`}` the second before the first.
enum DateMath {
    /// A closed interval of seconds since the epoch.
    struct Span: Equatable {
        var first: Int64
        var last: Int64
    }

    /// Why an expression could not be resolved.
    struct Failure: Error, Equatable {
        var message: String
    }

    /// The earliest and latest seconds that can be represented (years −99,999 through 99,999).
    static let minimumSeconds = Int64(CivilCalendar.daysSinceEpoch(year: -99_999, month: 1, day: 1)!) * 86_400
    static let maximumSeconds = Int64(CivilCalendar.daysSinceEpoch(year: 99_999, month: 12, day: 31)!) * 86_400 + 86_399

    enum Unit: UInt8 {
        case year = 0x79 // y
        case month = 0x4D // M
        case week = 0x77 // w
        case day = 0x64 // d
        case hour = 0x68 // h
        case minute = 0x6D // m
        case second = 0x73 // s

        init?(byte: UInt8) {
            if byte == 0x48 { self = .hour; return } // H
            self.init(rawValue: byte)
        }
    }

    /// Resolves an expression against `now` (seconds since the epoch).
    static func span(_ text: String, now: Int64) -> Result<Span, Failure> {
        let bytes = Array(text.utf8)
        var span: Span
        var i: Int
        if bytes.starts(with: Array("now".utf8)) {
            span = Span(first: now, last: now)
            i = 3
        } else {
            var bar: Int?
            var j = 0
            while j + 1 < bytes.count {
                if bytes[j] == 0x7C && bytes[j + 1] == 0x7C { bar = j; break }
                j += 1
            }
            switch parseDate(bytes[0..<(bar ?? bytes.count)], text: text) {
            case .success(let parsed): span = parsed
            case .failure(let failure): return .failure(failure)
            }
            guard let bar else { return .success(span) }
            i = bar + 2
            if i == bytes.count {
                return .failure(Failure(message: "expected date math such as `+1M` or `/d` after `||` in `\(text)`"))
            }
        }
        while i < bytes.count {
            let op = bytes[i]
            i += 1
            switch op {
            case 0x2B, 0x2D: // + -
                var amount: Int64 = 0
                var digits = 0
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                    digits += 1
                    if digits > 9 { return .failure(Failure(message: "the number in `\(text)` is too large")) }
                    amount = amount * 10 + Int64(bytes[i] - 0x30)
                    i += 1
                }
                if digits == 0 { amount = 1 }
                guard i < bytes.count, let unit = Unit(byte: bytes[i]) else {
                    return .failure(unitFailure(bytes, at: i, text: text))
                }
                i += 1
                let signed = op == 0x2D ? -amount : amount
                guard let first = add(span.first, signed, unit), let last = add(span.last, signed, unit) else {
                    return .failure(Failure(message: "`\(text)` is out of the supported range of years"))
                }
                span = Span(first: first, last: last)
            case 0x2F: // /
                guard i < bytes.count, let unit = Unit(byte: bytes[i]) else {
                    return .failure(unitFailure(bytes, at: i, text: text))
                }
                i += 1
                guard let first = floor(span.first, unit), let end = floor(span.last, unit).flatMap({ add($0, 1, unit) }) else {
                    return .failure(Failure(message: "`\(text)` is out of the supported range of years"))
                }
                span = Span(first: first, last: end - 1)
            default:
                let shown = String(String(decoding: bytes[(i - 1)...], as: UTF8.self).prefix(1))
                return .failure(Failure(message: "unexpected `\(shown)` in the date math `\(text)`: expected `+`, `-` or `/`"))
            }
        }
        return .success(span)
    }

    private static func unitFailure(_ bytes: [UInt8], at i: Int, text: String) -> Failure {
        if i >= bytes.count {
            return Failure(message: "the date math `\(text)` lacks a unit (y, M, w, d, h, m or s)")
        }
        let shown = String(String(decoding: bytes[i...], as: UTF8.self).prefix(1))
        return Failure(message: "unknown date unit `\(shown)` in `\(text)`: use y, M, w, d, h, m or s")
    }

    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"]

    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDTHH[:MM[:SS]]` with an optional `Z` or
    /// `±HH:MM` offset after a time, into the interval of its precision (in UTC).
    static func parseDate(_ bytes: ArraySlice<UInt8>, text: String) -> Result<Span, Failure> {
        let b = Array(bytes)
        var i = 0
        let general = Failure(message: "invalid date `\(text)`: expected a date such as 2024, 2024-03, 2024-03-05 or 2024-03-05T10:00:00Z, or date math such as now-30d")
        func digits(_ count: Int) -> Int? {
            guard i + count <= b.count else { return nil }
            var value = 0
            for k in i..<(i + count) {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                value = value * 10 + Int(b[k] - 0x30)
            }
            i += count
            return value
        }
        func accept(_ byte: UInt8) -> Bool {
            if i < b.count && b[i] == byte { i += 1; return true }
            return false
        }
        guard let year = digits(4) else { return .failure(general) }
        var month = 1, day = 1, hour = 0, minute = 0, second = 0
        enum Precision { case year, month, day, hour, minute, second }
        var precision = Precision.year
        var offset = 0
        if accept(0x2D) {
            guard let m = digits(2) else { return .failure(general) }
            guard (1...12).contains(m) else {
                return .failure(Failure(message: "invalid date `\(text)`: month \(m) does not exist"))
            }
            month = m
            precision = .month
            if accept(0x2D) {
                guard let d = digits(2) else { return .failure(general) }
                let length = CivilCalendar.daysInMonth(year: year, month: month)
                guard d >= 1, d <= length else {
                    if d == 0 { return .failure(Failure(message: "invalid date `\(text)`: day 0 does not exist")) }
                    return .failure(Failure(message: "invalid date `\(text)`: \(monthNames[month - 1]) \(year) has \(length) days"))
                }
                day = d
                precision = .day
                if accept(0x54) { // T
                    guard let h = digits(2) else { return .failure(general) }
                    guard h <= 23 else { return .failure(Failure(message: "invalid date `\(text)`: hour \(h) does not exist")) }
                    hour = h
                    precision = .hour
                    if accept(0x3A) {
                        guard let mi = digits(2) else { return .failure(general) }
                        guard mi <= 59 else { return .failure(Failure(message: "invalid date `\(text)`: minute \(mi) does not exist")) }
                        minute = mi
                        precision = .minute
                        if accept(0x3A) {
                            guard let s = digits(2) else { return .failure(general) }
                            guard s <= 59 else { return .failure(Failure(message: "invalid date `\(text)`: second \(s) does not exist")) }
                            second = s
                            precision = .second
                        }
                    }
                    if accept(0x5A) { // Z
                    } else if i < b.count, b[i] == 0x2B || b[i] == 0x2D {
                        let sign = b[i] == 0x2D ? -1 : 1
                        i += 1
                        guard let oh = digits(2), oh <= 23 else { return .failure(general) }
                        _ = accept(0x3A)
                        guard let om = digits(2), om <= 59 else { return .failure(general) }
                        offset = sign * (oh * 3600 + om * 60)
                    }
                }
            }
        }
        guard i == b.count else { return .failure(general) }
        let days = Int64(CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)!)
        let start = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        let end: Int64
        switch precision {
        case .year:
            end = Int64(CivilCalendar.daysSinceEpoch(year: year + 1, month: 1, day: 1)!) * 86_400
        case .month:
            let next = month == 12 ? (year + 1, 1) : (year, month + 1)
            end = Int64(CivilCalendar.daysSinceEpoch(year: next.0, month: next.1, day: 1)!) * 86_400
        case .day: end = start + 86_400
        case .hour: end = start + 3600
        case .minute: end = start + 60
        case .second: end = start + 1
        }
        return .success(Span(first: start, last: end - 1))
    }

    /// Floor division for seconds to days.
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// `t` moved by `amount` units, or `nil` outside the supported years.
    static func add(_ t: Int64, _ amount: Int64, _ unit: Unit) -> Int64? {
        let seconds: Int64
        switch unit {
        case .second: seconds = 1
        case .minute: seconds = 60
        case .hour: seconds = 3600
        case .day: seconds = 86_400
        case .week: seconds = 604_800
        case .month, .year:
            let days = floorDiv(t, 86_400)
            let rest = t - days * 86_400
            let (y, m, d) = CivilCalendar.civilDate(daysSinceEpoch: Int(days))
            let total = Int64(y) * 12 + Int64(m - 1) + (unit == .year ? amount * 12 : amount)
            let newYear = floorDiv(total, 12)
            guard newYear >= -99_999, newYear <= 99_999 else { return nil }
            let newMonth = Int(total - newYear * 12) + 1
            let newDay = min(d, CivilCalendar.daysInMonth(year: Int(newYear), month: newMonth))
            guard let newDays = CivilCalendar.daysSinceEpoch(year: Int(newYear), month: newMonth, day: newDay) else { return nil }
            let result = Int64(newDays) * 86_400 + rest
            return (minimumSeconds...maximumSeconds).contains(result) ? result : nil
        }
        let (delta, overflow) = amount.multipliedReportingOverflow(by: seconds)
        if overflow { return nil }
        let (result, overflow2) = t.addingReportingOverflow(delta)
        if overflow2 || !(minimumSeconds...maximumSeconds).contains(result) { return nil }
        return result
    }

    /// The start of the unit containing `t`.
    static func floor(_ t: Int64, _ unit: Unit) -> Int64? {
        switch unit {
        case .second: return t
        case .minute: return floorDiv(t, 60) * 60
        case .hour: return floorDiv(t, 3600) * 3600
        case .day: return floorDiv(t, 86_400) * 86_400
        case .week:
            let days = floorDiv(t, 86_400)
            // 1970-01-01 was a Thursday: Monday-based weekday index 3.
            let weekday = ((days + 3) % 7 + 7) % 7
            return (days - weekday) * 86_400
        case .month, .year:
            let days = floorDiv(t, 86_400)
            let (y, m, _) = CivilCalendar.civilDate(daysSinceEpoch: Int(days))
            guard let start = CivilCalendar.daysSinceEpoch(year: y, month: unit == .year ? 1 : m, day: 1) else { return nil }
            return Int64(start) * 86_400
        }
    }
}
