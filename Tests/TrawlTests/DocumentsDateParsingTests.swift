import Testing
@testable import Trawl

@Suite struct DocumentsDateParsingTests {
    private func parse(_ text: String) -> String? { DateParsing.parse(text)?.description }

    @Test func calendarDays() {
        #expect(parse("2024-03-05") == "2024-03-05")
        #expect(DateParsing.parse("2024-03-05")?.precision == .day)
        #expect(parse("  1987-02-26\n") == "1987-02-26")
        #expect(parse("2024-3-5") == "2024-03-05")
        #expect(parse("2024-02-29") == "2024-02-29")
    }

    @Test func impossibleDaysAndTimesAreRejected() {
        #expect(parse("2024-02-30") == nil)
        #expect(parse("2023-02-29") == nil)
        #expect(parse("2024-13-01") == nil)
        #expect(parse("2024-00-10") == nil)
        #expect(parse("2024-03-05T24:00") == nil)
        #expect(parse("2024-03-05T12:60") == nil)
        #expect(parse("2024-03-05T12:00+25:00") == nil)
        #expect(parse("31 Feb 1993 10:00:00 GMT") == nil)
    }

    @Test func isoTimestampsConvertToUTC() {
        #expect(parse("2024-03-05T14:30:00Z") == "2024-03-05T14:30:00Z")
        #expect(DateParsing.parse("2024-03-05T14:30:00Z")?.precision == .second)
        #expect(parse("2024-03-05T14:30:00+02:00") == "2024-03-05T12:30:00Z")
        #expect(parse("2024-03-05T01:30:00-05:00") == "2024-03-05T06:30:00Z")
        #expect(parse("2024-03-05T23:30+0130") == "2024-03-05T22:00:00Z")
        #expect(parse("2024-03-05T14:30:15.123456Z") == "2024-03-05T14:30:15Z")
        #expect(parse("2024-03-05 14:30:00") == "2024-03-05T14:30:00Z")
        #expect(parse("2001-12-14 21:59:43.10 -5") == "2001-12-15T02:59:43Z")
        #expect(parse("2024-01-01T00:30:00+01:00") == "2023-12-31T23:30:00Z")
    }

    @Test func rfc2822Dates() {
        #expect(parse("Tue, 20 Apr 1993 14:30:00 GMT") == "1993-04-20T14:30:00Z")
        #expect(parse("Tue, 20 Apr 1993 14:30:00 +0200") == "1993-04-20T12:30:00Z")
        #expect(parse("20 Apr 93 14:30:00 -0700") == "1993-04-20T21:30:00Z")
        #expect(parse("Mon, 19 Apr 1993 23:30 EDT") == "1993-04-20T03:30:00Z")
        #expect(parse("Tuesday, 20-Apr-93 14:30:00 GMT") == "1993-04-20T14:30:00Z")
        #expect(parse("Tue Apr 20 14:30:00 1993") == "1993-04-20T14:30:00Z")
        #expect(parse("20 Apr 1993 14:30:00 +0000 (UTC)") == "1993-04-20T14:30:00Z")
        #expect(parse("5 Jan 1993") == "1993-01-05")
        #expect(parse("April 20, 1993") == "1993-04-20")
    }

    @Test func garbageIsNotADate() {
        #expect(parse("") == nil)
        #expect(parse("yesterday") == nil)
        #expect(parse("hello 12 world 13") == nil)
        #expect(parse("2024") == nil)
        #expect(parse("12:30") == nil)
        #expect(parse(String(repeating: "9", count: 500)) == nil)
        #expect(parse("99999999999999999999-01-01") == nil)
        #expect(parse("2024-03-05T10:00:00.Z") == nil)
    }
}
