import Testing
@testable import Trawl

@Suite struct DocumentDateTests {
    @Test func calendarRoundTripsEveryDayOverFourCenturies() {
        var days = CivilCalendar.daysSinceEpoch(year: 1800, month: 1, day: 1)!
        for year in 1800..<2200 {
            for month in 1...12 {
                for day in 1...CivilCalendar.daysInMonth(year: year, month: month) {
                    #expect(CivilCalendar.daysSinceEpoch(year: year, month: month, day: day) == days)
                    let back = CivilCalendar.civilDate(daysSinceEpoch: days)
                    #expect(back.year == year && back.month == month && back.day == day)
                    days += 1
                }
            }
        }
    }

    @Test func impossibleDaysAreRejected() {
        #expect(DocumentDate(year: 2024, month: 2, day: 30) == nil)
        #expect(DocumentDate(year: 2023, month: 2, day: 29) == nil)
        #expect(DocumentDate(year: 2024, month: 13, day: 1) == nil)
        #expect(DocumentDate(year: 2024, month: 2, day: 29) != nil)
    }

    @Test func descriptionIsISO8601() {
        #expect(DocumentDate(year: 1970, month: 1, day: 1)!.description == "1970-01-01")
        #expect(DocumentDate(secondsSinceEpoch: 1_709_649_000).description == "2024-03-05T14:30:00Z")
        #expect(DocumentDate(year: 1969, month: 12, day: 31)!.description == "1969-12-31")
    }
}
