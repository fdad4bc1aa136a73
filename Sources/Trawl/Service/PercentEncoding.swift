/// `%XX` escapes of URLs (RFC 3986) and form-encoded query strings, decoded once for the
/// server's paths and parameters and for the search page's parameters.
package enum PercentEncoding {
    /// Decodes `%XX` escapes, and `+` as a space when `plusIsSpace` (query strings). Strict
    /// (`lenient: false`): nil when an escape is malformed or the bytes are not UTF-8. Lenient:
    /// a malformed escape stays as it is and invalid UTF-8 becomes U+FFFD, so it never fails.
    /// `text` with every byte but RFC 3986's unreserved ones (letters, digits, `-._~`) written
    /// as `%XX`: what ``decoded(_:plusIsSpace:lenient:)`` reads back.
    package static func encoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func decoded(_ text: Substring, plusIsSpace: Bool, lenient: Bool) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                if i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                    out.append(high << 4 | low)
                    i += 3
                    continue
                }
                guard lenient else { return nil }
                out.append(byte)
            } else if byte == UInt8(ascii: "+") && plusIsSpace {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(byte)
            }
            i += 1
        }
        return lenient ? String(decoding: out, as: UTF8.self) : String(validating: out, as: UTF8.self)
    }

    /// A form-encoded component decoded leniently (never fails).
    package static func decodedLeniently(_ text: Substring) -> String {
        decoded(text, plusIsSpace: true, lenient: true) ?? String(text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
