import Testing
@testable import Trawl

@Suite struct EditDistanceTests {
    /// The full optimal-string-alignment matrix, unbounded: the reference.
    static func reference(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for x in 0...a.count { d[x][0] = x }
        for y in 0...b.count { d[0][y] = y }
        for x in stride(from: 1, through: a.count, by: 1) {
            for y in stride(from: 1, through: b.count, by: 1) {
                d[x][y] = min(d[x - 1][y] + 1, d[x][y - 1] + 1, d[x - 1][y - 1] + (a[x - 1] == b[y - 1] ? 0 : 1))
                if x > 1, y > 1, a[x - 1] == b[y - 2], a[x - 2] == b[y - 1] { d[x][y] = min(d[x][y], d[x - 2][y - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    @Test func distancesWithinTheBound() {
        #expect(EditDistance.distance("titel", "title", bound: 2) == 1)
        #expect(EditDistance.distance("serach", "search", bound: 2) == 1)
        #expect(EditDistance.distance("ca", "abc", bound: 3) == 3)
        #expect(EditDistance.distance("kitten", "sitting", bound: 3) == 3)
        #expect(EditDistance.distance("café", "cafe", bound: 1) == 1)
        #expect(EditDistance.distance("", "", bound: 0) == 0)
        #expect(EditDistance.distance("", "ab", bound: 2) == 2)
        #expect(EditDistance.distance("ab", "", bound: 2) == 2)
        #expect(EditDistance.distance("same", "same", bound: 0) == 0)
        #expect(EditDistance.distance("a", "b", bound: Int.max) == 1)
    }

    @Test func distancesPastTheBoundAreNil() {
        #expect(EditDistance.distance("kitten", "sitting", bound: 2) == nil)
        #expect(EditDistance.distance("a", "abcd", bound: 2) == nil)
        #expect(EditDistance.distance("x", "x", bound: -1) == nil)
        #expect(EditDistance.distance("Title", "title", bound: 0) == nil)
    }

    @Test func theBandedDistanceAgreesWithTheFullMatrix() {
        var random = SeededGenerator(seed: 7)
        let alphabet: [Character] = ["a", "b", "c", "é"]
        func word() -> String {
            String((0..<Int(random.next() % 7)).map { _ in alphabet[Int(random.next() % 4)] })
        }
        for _ in 0..<3_000 {
            let a = word(), b = word()
            let expected = Self.reference(a, b)
            for bound in 0...4 {
                #expect(EditDistance.distance(a, b, bound: bound) == (expected <= bound ? expected : nil), "\(a) \(b) \(bound)")
            }
        }
    }

    @Test func theClosestCandidate() {
        let commands = ["index", "search", "explain", "analyze", "stats", "check", "delete", "optimize"]
        #expect(EditDistance.closest(to: "serach", in: commands) { _ in 2 } == "search")
        #expect(EditDistance.closest(to: "SEARCH", in: commands) { _ in 0 } == "search")
        #expect(EditDistance.closest(to: "frobnicate", in: commands) { _ in 2 } == nil)
        // A tie goes to the earliest candidate; a closer one wins over an earlier one.
        #expect(EditDistance.closest(to: "ab", in: ["xb", "ax"]) { _ in 1 } == "xb")
        #expect(EditDistance.closest(to: "abc", in: ["abxy", "abx"]) { _ in 2 } == "abx")
        // Each candidate has its own bound.
        #expect(EditDistance.closest(to: "dat", in: ["date"]) { $0.count <= 4 ? 0 : 2 } == nil)
    }
}
