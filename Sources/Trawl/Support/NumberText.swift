/// Numbers written as people read them, for the CLI's human output and the search page.
package enum NumberText {
    /// A count with thousands separators: `12,345`, `-1,000`.
    package static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return n < 0 ? "-" + out : out
    }
}
