import Foundation
import Testing
@testable import Trawl

/// 20 Newsgroups written out as one mbox per group (a seeded sample of two groups, to stay within
/// seconds in a debug build), indexed from a folder: every message is a document with its
/// Subject, From and Date as title, author and date, and is found by a phrase of its body.
///
/// The shared copy of the collection keeps each message's subject, date and body but not its
/// sender or Message-ID, so the mailboxes are given a sender per message (`posterN@group`) and
/// a Message-ID for nine messages in ten (the tenth gets the ordinal id). Bodies are written
/// in ISO-8859-1, declared by the `Content-Type` charset, and `From ` lines are escaped the
/// mboxrd way.
@Suite struct DocumentsNewsgroupsMailboxTests {
    typealias S = DocumentsTestSupport

    static let collection = S.sharedDataFolder.appendingPathComponent("20newsgroups/20newsgroups.jsonl.zst")
    static var available: Bool { S.zstdPath != nil && FileManager.default.fileExists(atPath: collection.path) }

    struct Message {
        var group: String
        var number: String
        var subject: String
        var year: Int, month: Int, day: Int
        var body: String
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The text as ISO-8859-1 bytes (the collection holds no character above U+00FF).
    static func latin1(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    /// A subject header value: as is in ASCII, else an RFC 2047 encoded word.
    static func headerValue(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return text }
        return "=?UTF-8?B?" + Data(text.utf8).base64EncodedString() + "?="
    }

    /// The mbox of one group, and for each message the id it must get.
    static func mailbox(_ messages: [Message], file: String) -> (bytes: [UInt8], ids: [String]) {
        var bytes: [UInt8] = []
        var ids: [String] = []
        for (index, message) in messages.enumerated() {
            let month = monthNames[message.month - 1]
            let withID = index % 10 != 9
            var header = "From poster\(index)@\(message.group) Sat \(month) \(message.day) 12:00:00 \(message.year)\n"
            header += "From: Poster \(index) <poster\(index)@\(message.group)>\n"
            header += "Newsgroups: \(message.group)\n"
            header += "Subject: \(headerValue(message.subject))\n"
            header += "Date: \(message.day) \(month) \(message.year) 12:00:00 -0500\n"
            if withID { header += "Message-ID: <\(message.number)@\(message.group)>\n" }
            header += "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: 8bit\n\n"
            bytes += Array(header.utf8)
            for line in message.body.split(separator: "\n", omittingEmptySubsequences: false) {
                // mboxrd: `>*From ` lines get one more `>`.
                if line.drop(while: { $0 == ">" }).hasPrefix("From ") { bytes.append(0x3E) }
                bytes += latin1(String(line)) ?? Array(line.utf8)
                bytes.append(0x0A)
            }
            bytes.append(0x0A)
            ids.append(withID ? "\(file)#\(message.number)@\(message.group)" : "\(file)#\(index + 1)")
        }
        return (bytes, ids)
    }

    /// Up to four consecutive words of letters from one line of the body, or `nil`.
    static func phrase(in body: String) -> String? {
        var best: [Substring] = []
        for line in body.split(separator: "\n") {
            var run: [Substring] = []
            for word in line.split(separator: " ") {
                if word.count >= 3, word.count <= 15, word.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    run.append(word)
                    if run.count == 4 { return run.joined(separator: " ") }
                } else {
                    run = []
                }
                if run.count > best.count { best = run }
            }
            run = []
        }
        return best.isEmpty ? nil : best.joined(separator: " ")
    }

    @Test(.enabled(if: available, "needs ../shared/data/20newsgroups and zstd"))
    func everyMessageOfAnMboxPerGroupIsFoundWithItsHeaders() throws {
        let lines = try S.decompress(Self.collection).split(separator: 0x0A)
        var byGroup: [String: [Message]] = [:]
        for line in lines {
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let id = object["id"] as? String, let date = object["date"] as? String,
                  let body = object["body"] as? String else { continue }
            let parts = id.split(separator: "/")
            let day = date.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, day.count == 3 else { continue }
            byGroup[String(parts[0]), default: []].append(Message(
                group: String(parts[0]), number: String(parts[1]), subject: object["title"] as? String ?? "",
                year: day[0], month: day[1], day: day[2], body: body))
        }
        #expect(byGroup.count == 20)
        var generator = SeededGenerator(seed: 20)
        let groups = Array(byGroup.keys.sorted().shuffled(using: &generator).prefix(2))

        try S.withTemporaryFolder { root in
            var expected: [(id: String, message: Message, index: Int)] = []
            for group in groups {
                let file = group + ".mbox"
                let (bytes, ids) = Self.mailbox(byGroup[group]!, file: file)
                try S.write(bytes: bytes, to: file, in: root + "/news")
                for (index, message) in byGroup[group]!.enumerated() { expected.append((ids[index], message, index)) }
            }
            #expect(expected.count >= 1_990) // two groups of about 1,000 messages
            var options = IndexWriterOptions()
            options.durable = false
            let writer = try IndexWriter(path: root + "/index", options: options)
            let summary = try FolderIndexer(writer: writer).run(paths: [root + "/news"])
            writer.close()
            #expect(summary.problems.isEmpty, "\(summary.problems.prefix(5))")
            #expect(summary.documents == expected.count)

            let reader = try IndexReader(path: root + "/index")
            let parser = reader.queryParser()
            var notFound: [String] = []
            var wrongHeaders: [String] = []
            for (id, message, index) in expected {
                // A message with no words to search (an empty body) is counted below.
                guard let phrase = Self.phrase(in: message.body) else { continue }
                let query = try parser.parse("\"\(phrase)\"")
                let results = try reader.search(SearchRequest(query: query, limit: 2_000))
                guard let hit = results.hits.first(where: { $0.id == id }) else {
                    notFound.append(id)
                    continue
                }
                let noonInNewYork = DocumentDate(year: message.year, month: message.month, day: message.day)
                    .map { DocumentDate(secondsSinceEpoch: $0.secondsSinceEpoch + 17 * 3600) }
                if hit.title != TextDecoding.collapsingWhitespace(message.subject) || hit.date != noonInNewYork
                    || hit.fields["author"]?.description != "Poster \(index) <poster\(index)@\(message.group)>" {
                    wrongHeaders.append(id)
                }
            }
            #expect(notFound.isEmpty, "\(notFound.count) messages not found by a phrase of their body: \(notFound.prefix(5))")
            #expect(wrongHeaders.isEmpty, "\(wrongHeaders.count) messages with the wrong title, date or author: \(wrongHeaders.prefix(5))")
            // Every message is in the index, including those with an empty body.
            let all = try reader.search(SearchRequest(query: .matchAll, limit: 1, countTotal: true))
            #expect(all.total == expected.count)
        }
    }
}
