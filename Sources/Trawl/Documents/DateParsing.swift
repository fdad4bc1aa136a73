/// The date parser shared by every document reader.
///
/// Accepted forms (surrounding whitespace is ignored):
/// - ISO 8601 calendar days, `2024-03-05` (one-digit months and days as in YAML, `2024-3-5`,
///   are accepted too) → day precision.
/// - ISO 8601 / RFC 3339 / YAML timestamps, `2024-03-05T14:30`, `2024-03-05T14:30:00.123Z`,
///   `2024-03-05 14:30:00 +02:00`, `2001-12-14 21:59:43.10 -5` → second precision, converted
///   to UTC. A time without a zone is taken as UTC. Fractions of a second are dropped.
/// - RFC 822 / RFC 2822 / RFC 850 / asctime dates as found in mail and news headers,
///   `Tue, 20 Apr 1993 14:30:00 GMT`, `20 Apr 93 14:30 +0200`, `Tuesday, 20-Apr-93 14:30:00 EDT`,
///   `Tue Apr 20 14:30:00 1993` → second precision when a time is given, day precision
///   otherwise. Two-digit years are 19xx, three-digit years are 1900 + n (RFC 2822's obsolete
///   form). Comments in parentheses are ignored, a missing or unknown zone is UTC.
///
/// Days that do not exist in the calendar (`2024-02-30`) and out-of-range times are rejected
/// (`nil`); callers index such documents without a date and report a warning.
enum DateParsing {
    /// Texts longer than this are not dates.
    static let maximumLength = 200

    /// Parses a date in any accepted form, or returns `nil`.
    static func parse(_ text: some StringProtocol) -> DocumentDate? {
        var bytes = Array(text.utf8.prefix(maximumLength + 1))
        guard bytes.count <= maximumLength else { return nil }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        var start = 0
        while start < bytes.count, isSpace(bytes[start]) { start += 1 }
        guard start < bytes.count else { return nil }
        let trimmed = Array(bytes[start...])
        if let date = parseISO8601(trimmed) { return date }
        return parseRFC2822(trimmed)
    }

    // MARK: ISO 8601

    /// Parses `YYYY-M(M)-D(D)` optionally followed by a time and a zone.
    static func parseISO8601(_ s: [UInt8]) -> DocumentDate? {
        var i = 0
        func digits(min: Int, max: Int) -> Int? {
            var value = 0
            var count = 0
            while i < s.count, count < max, isDigit(s[i]) {
                value = value * 10 + Int(s[i] - 0x30)
                i += 1
                count += 1
            }
            return count >= min ? value : nil
        }
        func accept(_ byte: UInt8) -> Bool {
            if i < s.count, s[i] == byte { i += 1; return true }
            return false
        }
        guard let year = digits(min: 4, max: 4), accept(0x2D),
              let month = digits(min: 1, max: 2), accept(0x2D),
              let day = digits(min: 1, max: 2) else { return nil }
        // A fifth year digit or a third day digit is not this format.
        if i < s.count, isDigit(s[i]) { return nil }
        guard let days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day) else { return nil }
        if i == s.count { return DocumentDate(secondsSinceEpoch: Int64(days) * 86_400, precision: .day) }

        // Separator: `T`, `t` or spaces.
        if s[i] == 0x54 || s[i] == 0x74 {
            i += 1
        } else if s[i] == 0x20 || s[i] == 0x09 {
            while i < s.count, s[i] == 0x20 || s[i] == 0x09 { i += 1 }
        } else {
            return nil
        }
        guard let hour = digits(min: 1, max: 2), accept(0x3A), let minute = digits(min: 2, max: 2) else { return nil }
        var second = 0
        if accept(0x3A) {
            guard let value = digits(min: 2, max: 2) else { return nil }
            second = value
            if i < s.count, s[i] == 0x2E || s[i] == 0x2C {
                i += 1
                let fractionStart = i
                while i < s.count, isDigit(s[i]) { i += 1 }
                guard i > fractionStart else { return nil }
            }
        }
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        while i < s.count, s[i] == 0x20 || s[i] == 0x09 { i += 1 }
        var offset = 0
        if i < s.count {
            switch s[i] {
            case 0x5A, 0x7A: // Z z
                i += 1
            case 0x2B, 0x2D: // + -
                let sign = s[i] == 0x2D ? -1 : 1
                i += 1
                let zoneStart = i
                guard let hh = digits(min: 1, max: 2) else { return nil }
                var mm = 0
                if accept(0x3A) {
                    guard let value = digits(min: 2, max: 2) else { return nil }
                    mm = value
                } else if i - zoneStart == 2, let value = digits(min: 2, max: 2) {
                    mm = value
                }
                guard hh <= 23, mm <= 59 else { return nil }
                offset = sign * (hh * 3600 + mm * 60)
            default:
                return nil
            }
        }
        guard i == s.count else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return DocumentDate(secondsSinceEpoch: seconds, precision: .second)
    }

    // MARK: RFC 2822

    private static let monthNames: [[UInt8]] = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december",
    ].map { Array($0.utf8) }

    private static let weekdayNames: [[UInt8]] = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    ].map { Array($0.utf8) }

    /// Zone abbreviations and their offsets in minutes east of UTC.
    private static let zoneOffsets: [String: Int] = [
        "gmt": 0, "ut": 0, "utc": 0, "z": 0, "wet": 0,
        "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
        "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600, "ast": -240, "adt": -180,
        "nst": -210, "ndt": -150,
        "bst": 60, "ist": 60, "cet": 60, "met": 60, "mez": 60, "cest": 120, "mest": 120, "mesz": 120,
        "eet": 120, "eest": 180, "msk": 180, "jst": 540, "kst": 540, "hkt": 480, "sgt": 480,
        "aest": 600, "aedt": 660, "acst": 570, "awst": 480, "nzst": 720, "nzdt": 780,
    ]

    private enum Token {
        case word([UInt8])
        case number(value: Int, digits: Int)
        case time(hour: Int, minute: Int, second: Int)
        case zone(minutes: Int)
    }

    /// Parses a mail or news date such as `Tue, 20 Apr 1993 14:30:00 GMT`.
    static func parseRFC2822(_ input: [UInt8]) -> DocumentDate? {
        // Drop comments in parentheses.
        var s: [UInt8] = []
        s.reserveCapacity(input.count)
        var depth = 0
        for byte in input {
            if byte == 0x28 { depth += 1; s.append(0x20); continue }
            if byte == 0x29 { if depth > 0 { depth -= 1 }; s.append(0x20); continue }
            if depth == 0 { s.append(byte) }
        }

        // Split into words on spaces and commas; `20-Apr-93` splits on its dashes.
        var rawWords: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in s {
            if byte == 0x20 || byte == 0x09 || byte == 0x2C || byte == 0x0A || byte == 0x0D {
                if !current.isEmpty { rawWords.append(current); current = [] }
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { rawWords.append(current) }
        var words: [[UInt8]] = []
        for word in rawWords {
            if word.contains(0x2D), word.contains(where: isLetter), word.first != 0x2D {
                words.append(contentsOf: word.split(separator: 0x2D).map(Array.init))
            } else {
                words.append(word)
            }
        }
        guard !words.isEmpty, words.count <= 12 else { return nil }

        var tokens: [Token] = []
        for word in words {
            guard let token = classify(word) else { return nil }
            tokens.append(token)
        }

        var month: Int?
        var numbers: [(value: Int, digits: Int, beforeMonth: Bool)] = []
        var time: (hour: Int, minute: Int, second: Int)?
        var zone: Int?
        var sawTime = false
        var pm: Bool?
        for token in tokens {
            switch token {
            case .word(let word):
                if let m = monthIndex(word) {
                    guard month == nil else { return nil }
                    month = m
                } else if isWeekday(word) {
                    continue
                } else if word == Array("am".utf8) || word == Array("pm".utf8) {
                    guard sawTime, pm == nil else { return nil }
                    pm = word == Array("pm".utf8)
                } else if let minutes = zoneOffsets[String(decoding: word, as: UTF8.self)] {
                    guard zone == nil else { return nil }
                    zone = minutes
                } else if sawTime, zone == nil, word.count <= 5 {
                    zone = 0 // An unknown zone name after the time: taken as UTC.
                } else {
                    return nil
                }
            case .number(let value, let digits):
                numbers.append((value, digits, month == nil))
            case .time(let h, let m, let sec):
                guard time == nil else { return nil }
                time = (h, m, sec)
                sawTime = true
            case .zone(let minutes):
                guard zone == nil, sawTime || numbers.count >= 2 else { return nil }
                zone = minutes
            }
        }
        guard let month, numbers.count == 2 else { return nil }

        // Which number is the year: the one with three or more digits or above 31.
        let first = numbers[0], second = numbers[1]
        func isYearLike(_ n: (value: Int, digits: Int, beforeMonth: Bool)) -> Bool { n.digits >= 3 || n.value > 31 }
        let day: Int
        var year: (value: Int, digits: Int)
        if isYearLike(first), !isYearLike(second) {
            year = (first.value, first.digits); day = second.value
        } else if isYearLike(second), !isYearLike(first) {
            year = (second.value, second.digits); day = first.value
        } else if !isYearLike(first), !isYearLike(second) {
            // `20 Apr 93` or `Apr 20 93`: the day comes first.
            day = first.value; year = (second.value, second.digits)
        } else {
            return nil
        }
        if year.digits <= 3 { year.value += 1900 }
        guard first.digits <= 4, second.digits <= 4 else { return nil }
        guard let days = CivilCalendar.daysSinceEpoch(year: year.value, month: month, day: day) else { return nil }
        guard let (parsedHour, minute, sec) = time else {
            guard zone == nil, pm == nil else { return nil }
            return DocumentDate(secondsSinceEpoch: Int64(days) * 86_400, precision: .day)
        }
        var hour = parsedHour
        if let pm {
            guard (1...12).contains(hour) else { return nil }
            if pm, hour != 12 { hour += 12 } else if !pm, hour == 12 { hour = 0 }
        }
        guard hour <= 23, minute <= 59, sec <= 60 else { return nil }
        let offset = (zone ?? 0) * 60
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + sec - offset)
        return DocumentDate(secondsSinceEpoch: seconds, precision: .second)
    }

    private static func classify(_ word: [UInt8]) -> Token? {
        if word.allSatisfy(isDigit) {
            guard word.count <= 4 else { return nil }
            return .number(value: word.reduce(0) { $0 * 10 + Int($1 - 0x30) }, digits: word.count)
        }
        if word.allSatisfy(isLetter) {
            return .word(word.map { $0 | 0x20 })
        }
        if word.first == 0x2B || word.first == 0x2D {
            // +0200, -0700, +02:00
            let rest = word.dropFirst().filter { $0 != 0x3A }
            guard rest.count == 4, rest.allSatisfy(isDigit) else { return nil }
            let v = rest.map { Int($0 - 0x30) }
            let hh = v[0] * 10 + v[1], mm = v[2] * 10 + v[3]
            guard hh <= 23, mm <= 59 else { return nil }
            return .zone(minutes: (word.first == 0x2D ? -1 : 1) * (hh * 60 + mm))
        }
        if word.contains(0x3A) {
            let parts = word.split(separator: 0x3A, omittingEmptySubsequences: false)
            guard parts.count == 2 || parts.count == 3,
                  parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(isDigit) }),
                  parts.dropFirst().allSatisfy({ $0.count == 2 }) else { return nil }
            let values = parts.map { $0.reduce(0) { $0 * 10 + Int($1 - 0x30) } }
            return .time(hour: values[0], minute: values[1], second: values.count == 3 ? values[2] : 0)
        }
        return nil
    }

    private static func monthIndex(_ word: [UInt8]) -> Int? {
        guard word.count >= 3 else { return nil }
        for (index, name) in monthNames.enumerated() where word.count <= name.count {
            if name.starts(with: word) { return index + 1 }
        }
        return nil
    }

    private static func isWeekday(_ word: [UInt8]) -> Bool {
        guard word.count >= 3 else { return false }
        for name in weekdayNames where word.count <= name.count && name.starts(with: word) { return true }
        // `Tues`, `Thur`, `Thurs` are prefixes too, so they are covered above.
        return false
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
