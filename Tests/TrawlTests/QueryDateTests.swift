import Testing
@testable import Trawl

@Suite struct QueryDateTests {
    typealias F = QueryFixtures

    /// Seconds since the epoch of a UTC calendar time.
    func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
        Int64(CivilCalendar.daysSinceEpoch(year: y, month: m, day: d)!) * 86_400 + Int64(h * 3600 + mi * 60 + s)
    }

    /// The resolved bounds of a one-clause date query.
    func bounds(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> (Int64?, Int64?)? {
        guard let query = F.parse(text, sourceLocation: sourceLocation) else { return nil }
        var leaf = query
        if case .boost(let inner, _) = query { leaf = inner }
        guard case .dateRange(let range) = leaf else {
            Issue.record("\(text) is not a date range: \(query)", sourceLocation: sourceLocation)
            return nil
        }
        return (range.lower, range.upper)
    }

    func expectBounds(_ text: String, _ lower: Int64?, _ upper: Int64?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let (l, u) = bounds(text, sourceLocation: sourceLocation) else { return }
        #expect(l == lower, "lower of \(text): \(l.map { DocumentDate(secondsSinceEpoch: $0).description } ?? "nil")", sourceLocation: sourceLocation)
        #expect(u == upper, "upper of \(text): \(u.map { DocumentDate(secondsSinceEpoch: $0).description } ?? "nil")", sourceLocation: sourceLocation)
    }

    @Test func nowIsTheInjectedClock() {
        #expect(utc(2024, 3, 5, 14, 30) == F.now)
        expectBounds("date:now", F.now, F.now)
    }

    @Test func inclusiveAndExclusiveRanges() {
        expectBounds("date:[2024-01-01 TO 2024-03-31]", utc(2024, 1, 1), utc(2024, 4, 1) - 1)
        expectBounds("date:{2024-01-01 TO 2024-03-31}", utc(2024, 1, 2), utc(2024, 3, 31) - 1)
        expectBounds("date:[2024-01-01 TO 2024-03-31}", utc(2024, 1, 1), utc(2024, 3, 31) - 1)
        expectBounds("date:{2024-01-01 TO 2024-03-31]", utc(2024, 1, 2), utc(2024, 4, 1) - 1)
        expectBounds("date:[2024-01-01 TO *]", utc(2024, 1, 1), nil)
        expectBounds("date:[* TO 2024-01-01}", nil, utc(2024, 1, 1) - 1)
        expectBounds("date:[* TO *]", nil, nil)
        expectBounds("date:*", nil, nil)
        expectBounds("date:[2023 TO 2024]", utc(2023, 1, 1), utc(2025, 1, 1) - 1)
        expectBounds("date:[ 2024-01-01   TO 2024-01-01 ]", utc(2024, 1, 1), utc(2024, 1, 2) - 1)
        #expect(F.parse("date:[ 2024-01-01   TO 2024-01-01 ]")?.description == "date:[2024-01-01 TO 2024-01-01]")
        #expect(F.parse("date:{* TO 2024]")?.description == "date:{* TO 2024]")
    }

    @Test func comparisons() {
        expectBounds("date:>=2024-06-01", utc(2024, 6, 1), nil)
        expectBounds("date:>2024-06-01", utc(2024, 6, 2), nil)
        expectBounds("date:<2024-06-01", nil, utc(2024, 6, 1) - 1)
        expectBounds("date:<=2024-06-01", nil, utc(2024, 6, 2) - 1)
        expectBounds("date:>2024", utc(2025, 1, 1), nil)
        expectBounds("date:<2024-03", nil, utc(2024, 3, 1) - 1)
        expectBounds("date:<=2024-02", nil, utc(2024, 3, 1) - 1)
    }

    @Test func wholeUnits() {
        expectBounds("date:2024", utc(2024, 1, 1), utc(2025, 1, 1) - 1)
        expectBounds("date:2024-03", utc(2024, 3, 1), utc(2024, 4, 1) - 1)
        expectBounds("date:2024-02", utc(2024, 2, 1), utc(2024, 2, 29, 23, 59, 59))
        expectBounds("date:2024-12", utc(2024, 12, 1), utc(2025, 1, 1) - 1)
        expectBounds("date:2024-03-05", utc(2024, 3, 5), utc(2024, 3, 6) - 1)
        expectBounds("date:2024-03-05T10", utc(2024, 3, 5, 10), utc(2024, 3, 5, 10, 59, 59))
        expectBounds("date:2024-03-05T10:00", utc(2024, 3, 5, 10), utc(2024, 3, 5, 10, 0, 59))
        expectBounds("date:2024-03-05T10:00:00Z", utc(2024, 3, 5, 10), utc(2024, 3, 5, 10))
        expectBounds("date:2024-03-05T10:00:00", utc(2024, 3, 5, 10), utc(2024, 3, 5, 10))
        expectBounds("date:2024-03-05T10:00:00+02:00", utc(2024, 3, 5, 8), utc(2024, 3, 5, 8))
        expectBounds("date:2024-03-05T10:00:00-05:30", utc(2024, 3, 5, 15, 30), utc(2024, 3, 5, 15, 30))
        expectBounds("date:[2024-03-05T10:00:00Z TO 2024-03-05T12:00:00Z}", utc(2024, 3, 5, 10), utc(2024, 3, 5, 12) - 1)
        expectBounds("date:1969-12-31", utc(1969, 12, 31), -1)
    }

    @Test func dateMathOnNow() {
        let now = F.now
        expectBounds("date:>=now-30d", now - 30 * 86_400, nil)
        expectBounds("date:<now+1h", nil, now + 3600 - 1)
        expectBounds("date:now-1d", now - 86_400, now - 86_400)
        expectBounds("date:>now-d", now - 86_400 + 1, nil) // a missing number is 1
        expectBounds("date:>=now-2H", now - 7200, nil)
        expectBounds("date:>=now-15m", now - 900, nil)
        expectBounds("date:>=now-10s", now - 10, nil)
        expectBounds("date:>=now-1w", now - 7 * 86_400, nil)
        expectBounds("date:>=now-1y", utc(2023, 3, 5, 14, 30), nil)
        expectBounds("date:>=now+1M", utc(2024, 4, 5, 14, 30), nil)
    }

    @Test func roundingFollowsElasticsearch() {
        // The rounded value is the whole unit; each kind of bound takes the matching end.
        expectBounds("date:now/d", utc(2024, 3, 5), utc(2024, 3, 6) - 1)
        expectBounds("date:>=now/d", utc(2024, 3, 5), nil)          // rounds down
        expectBounds("date:>now/d", utc(2024, 3, 6), nil)           // excludes the whole day
        expectBounds("date:<=now/d", nil, utc(2024, 3, 6) - 1)      // rounds up to the day's end
        expectBounds("date:<now/d", nil, utc(2024, 3, 5) - 1)       // excludes the whole day
        expectBounds("date:>=now-1M/M", utc(2024, 2, 1), nil)
        expectBounds("date:<=now-1M/M", nil, utc(2024, 3, 1) - 1)
        expectBounds("date:now/w", utc(2024, 3, 4), utc(2024, 3, 11) - 1) // weeks start on Monday
        expectBounds("date:now/y", utc(2024, 1, 1), utc(2025, 1, 1) - 1)
        expectBounds("date:now/h", utc(2024, 3, 5, 14), utc(2024, 3, 5, 15) - 1)
        expectBounds("date:now/m", utc(2024, 3, 5, 14, 30), utc(2024, 3, 5, 14, 31) - 1)
        expectBounds("date:[now-7d/d TO now/d]", utc(2024, 2, 27), utc(2024, 3, 6) - 1)
        expectBounds("date:[now-7d/d TO now/d}", utc(2024, 2, 27), utc(2024, 3, 5) - 1)
        expectBounds("date:now/d+1h", utc(2024, 3, 5, 1), utc(2024, 3, 6, 1) - 1)
        // Weeks before the epoch round to Monday too (1969-12-29 was a Monday).
        expectBounds("date:1970-01-01||/w", utc(1969, 12, 29), utc(1970, 1, 5) - 1)
    }

    @Test func explicitAnchors() {
        expectBounds("date:2024-01-01||+1M/d", utc(2024, 2, 1), utc(2024, 2, 2) - 1)
        expectBounds("date:>=2024-01-01||+1M/d", utc(2024, 2, 1), nil)
        // Months clamp to the month's length; the date's own precision moves with it.
        expectBounds("date:2024-01-31||+1M", utc(2024, 2, 29), utc(2024, 3, 1) - 1)
        expectBounds("date:2024-01-30||+1M", utc(2024, 2, 29), utc(2024, 3, 1) - 1)
        expectBounds("date:2024-03-31||-1M", utc(2024, 2, 29), utc(2024, 3, 1) - 1)
        expectBounds("date:2024||+6M", utc(2024, 7, 1), utc(2025, 7, 1) - 1)
        expectBounds("date:2024-02-29||+1y", utc(2025, 2, 28), utc(2025, 3, 1) - 1)
        expectBounds("date:2024-03-05T10:00:00Z||-90m", utc(2024, 3, 5, 8, 30), utc(2024, 3, 5, 8, 30))
        expectBounds("date:[2024-01-01||-1d TO 2024-01-01||+1d]", utc(2023, 12, 31), utc(2024, 1, 3) - 1)
    }

    @Test func dateClausesCombineAndKeepTheirText() {
        let query = F.parse("sanctions date:>=now-30d/d -date:2024-03-01 date:(2023 OR 2024)^2")
        #expect(query?.description == "sanctions AND date:>=now-30d/d AND (date:2023 OR date:2024)^2 AND NOT date:2024-03-01")
        guard case .boolean(let b)? = query, case .dateRange(let range) = b.must[1] else { Issue.record("shape"); return }
        #expect(range.syntax == .comparison(.greaterOrEqual, "now-30d/d"))
        #expect(range.field == "date")
        #expect(range.lower == utc(2024, 2, 4))
        #expect(range.contains(utc(2024, 2, 4)))
        #expect(!range.contains(utc(2024, 2, 3, 23, 59, 59)))
        // A renamed date field.
        var parser = F.parser
        parser.dateField = "published"
        #expect(F.parse("published:2024", parser) != nil)
        #expect(F.error("date:2024", parser)?.kind == .unknownField)
    }

    @Test func dateErrors() {
        let cases: [(String, QuerySyntaxError.Kind, Int, String)] = [
            ("date:2024-13-01", .invalidDate, 6, "invalid date `2024-13-01`: month 13 does not exist"),
            ("date:2024-02-30", .invalidDate, 6, "invalid date `2024-02-30`: February 2024 has 29 days"),
            ("date:2023-02-29", .invalidDate, 6, "invalid date `2023-02-29`: February 2023 has 28 days"),
            ("date:2024-00", .invalidDate, 6, "invalid date `2024-00`: month 0 does not exist"),
            ("date:2024-01-00", .invalidDate, 6, "invalid date `2024-01-00`: day 0 does not exist"),
            ("date:2024-03-05T24:00", .invalidDate, 6, "invalid date `2024-03-05T24:00`: hour 24 does not exist"),
            ("date:2024-03-05T10:60", .invalidDate, 6, "invalid date `2024-03-05T10:60`: minute 60 does not exist"),
            ("a date:>=2024-3-5", .invalidDate, 10, "invalid date `2024-3-5`: expected a date such as 2024, 2024-03, 2024-03-05 or 2024-03-05T10:00:00Z, or date math such as now-30d"),
            ("date:yesterday", .invalidDate, 6, "invalid date `yesterday`: expected a date such as 2024, 2024-03, 2024-03-05 or 2024-03-05T10:00:00Z, or date math such as now-30d"),
            ("date:now-1x", .invalidDate, 6, "unknown date unit `x` in `now-1x`: use y, M, w, d, h, m or s"),
            ("date:now-1", .invalidDate, 6, "the date math `now-1` lacks a unit (y, M, w, d, h, m or s)"),
            ("date:now*2d", .invalidDate, 6, "unexpected `*` in the date math `now*2d`: expected `+`, `-` or `/`"),
            ("date:2024-01-01||", .invalidDate, 6, "expected date math such as `+1M` or `/d` after `||` in `2024-01-01||`"),
            ("date:now-1000000000d", .invalidDate, 6, "the number in `now-1000000000d` is too large"),
            ("date:now+999999999y", .invalidDate, 6, "`now+999999999y` is out of the supported range of years"),
            ("date:>=", .invalidDate, 8, "`>=` needs a date after it"),
            ("date:[2024-13-01 TO 2025]", .invalidDate, 7, "invalid date `2024-13-01`: month 13 does not exist"),
            ("date:[2024 TO 2025-02-30]", .invalidDate, 15, "invalid date `2025-02-30`: February 2025 has 28 days"),
            ("date:[2024-03-01 TO 2024-01-01]", .invertedRange, 6, "inverted date range: `2024-03-01` comes after `2024-01-01`"),
            ("date:{2024-01-01 TO 2024-01-02}", .invertedRange, 6, "empty date range: no date is both after `2024-01-01` and before `2024-01-02`"),
            ("date:[2024-01-01 2024-02-01]", .invalidRange, 18, "expected `TO` between the bounds of a range, as in [2024-01-01 TO 2024-03-31]"),
            ("date:[2024-01-01 TO 2024-02-01", .invalidRange, 6, "unclosed range: expected `]` or `}`"),
            ("date:[2024-01-01 TO", .invalidRange, 6, "unclosed range: expected an upper bound and `]` or `}`"),
            ("date:[2024 TO 2025)", .invalidRange, 19, "expected `]` or `}` to close the range"),
            ("date:[]", .invalidRange, 7, "expected a date or `*` after `[`"),
            (#"date:"2024""#, .invalidDate, 6, "a date is not quoted: write date:2024-03-05"),
            ("date:", .missingValue, 1, "`date:` needs a word, phrase or group after it"),
            ("title:[a TO b]", .unsupportedSyntax, 7, "ranges are only supported on date and number fields, not on the text field `title`"),
            ("[a TO b]", .unsupportedSyntax, 1, "ranges are only supported on date and number fields: write date:[2024-01-01 TO 2024-03-31]"),
        ]
        for (input, kind, column, message) in cases {
            let error = F.error(input)
            #expect(error?.kind == kind, "\(input)")
            #expect(error?.column == column, "\(input)")
            #expect(error?.message == message, "\(input)")
        }
    }

    @Test func builderDates() throws {
        let query = Query.date(from: DocumentDate(year: 2024, month: 1, day: 1), to: DocumentDate(year: 2024, month: 3, day: 31))
        #expect(query.description == "date:[2024-01-01 TO 2024-03-31]")
        #expect(query == F.parse("date:[2024-01-01 TO 2024-03-31]"))
        let moment = Query.date(from: DocumentDate(secondsSinceEpoch: F.now), to: nil)
        #expect(moment.description == "date:[2024-03-05T14:30:00Z TO *]")
        #expect(moment == F.parse(moment.description))
        #expect(Query.date(from: DocumentDate(year: 2024, month: 2, day: 1), to: DocumentDate(year: 2024, month: 1, day: 1)) == .matchNone)
        #expect(try Query.date(">=now-30d", now: F.now) == F.parse("date:>=now-30d"))
        #expect(throws: QuerySyntaxError.self) { try Query.date("2024-13", now: F.now) }
        do {
            _ = try Query.date("2024-13", now: F.now)
        } catch {
            #expect(error.column == 1)
            #expect(error.kind == .invalidDate)
        }
    }
}
