/// Writes small PDF files for the tests: pages of text lines in Helvetica, an optional document
/// information dictionary, an optional XMP packet, and (for the failure cases) an encryption
/// dictionary whose password check fails.
enum PDFFixtures {
    /// The bytes of a PDF with one page per element of `pages` (each a list of lines).
    static func pdf(pages: [[String]], title: String? = nil, author: String? = nil, created: String? = nil,
                    xmp: String? = nil, encrypted: Bool = false) -> [UInt8] {
        var objects: [String] = [] // object n is objects[n - 1]
        func add(_ body: String) -> Int {
            objects.append(body)
            return objects.count
        }
        let catalog = add("") // filled below
        let pageTree = add("")
        let font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        var pageObjects: [Int] = []
        for lines in pages {
            var content = ""
            for (i, line) in lines.enumerated() {
                content += "BT /F1 12 Tf 72 \(720 - 16 * i) Td (\(escaped(line))) Tj ET\n"
            }
            let stream = add("<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream")
            pageObjects.append(add("<< /Type /Page /Parent \(pageTree) 0 R /MediaBox [0 0 612 792] "
                                   + "/Resources << /Font << /F1 \(font) 0 R >> >> /Contents \(stream) 0 R >>"))
        }
        objects[pageTree - 1] = "<< /Type /Pages /Kids [\(pageObjects.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pageObjects.count) >>"
        var metadata = ""
        if let xmp {
            let packet = "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" + xmp + "\n<?xpacket end=\"r\"?>"
            let stream = add("<< /Type /Metadata /Subtype /XML /Length \(packet.utf8.count) >>\nstream\n\(packet)\nendstream")
            metadata = " /Metadata \(stream) 0 R"
        }
        objects[catalog - 1] = "<< /Type /Catalog /Pages \(pageTree) 0 R\(metadata) >>"
        var infoEntries = ""
        if let title { infoEntries += " /Title (\(escaped(title)))" }
        if let author { infoEntries += " /Author (\(escaped(author)))" }
        if let created { infoEntries += " /CreationDate (\(created))" }
        let info = infoEntries.isEmpty ? nil : add("<<\(infoEntries) >>")
        var encryption: Int?
        if encrypted {
            let filler = String(repeating: "5A", count: 32)
            encryption = add("<< /Filter /Standard /V 1 /R 2 /O <\(filler)> /U <\(filler)> /P -44 >>")
        }
        var out = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (i, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(i + 1) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: 10 - digits.count) + digits + " 00000 n \n"
        }
        var trailer = "trailer\n<< /Size \(objects.count + 1) /Root \(catalog) 0 R"
        if let info { trailer += " /Info \(info) 0 R" }
        if let encryption {
            trailer += " /Encrypt \(encryption) 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]"
        }
        trailer += " >>\nstartxref\n\(xref)\n%%EOF\n"
        out += Array((table + trailer).utf8)
        return out
    }

    /// A string literal's content: backslashes and parentheses escaped.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "(": out += "\\("
            case ")": out += "\\)"
            default: out.append(character)
            }
        }
        return out
    }

    /// An XMP packet with a `dc:title` and a `dc:creator`.
    static func xmp(title: String, creator: String) -> String {
        """
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <dc:title><rdf:Alt><rdf:li xml:lang="x-default">\(title)</rdf:li></rdf:Alt></dc:title>
        <dc:creator><rdf:Seq><rdf:li>\(creator)</rdf:li></rdf:Seq></dc:creator>
        </rdf:Description></rdf:RDF></x:xmpmeta>
        """
    }
}
