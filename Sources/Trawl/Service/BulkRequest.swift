/// The body of a `_bulk` request: NDJSON lines, an action line (`{"index": {"_index", "_id"}}`,
/// `create`, `update`, `delete`) followed, except for `delete`, by a document line (the source,
/// or the update's `{"doc": …}`).
public struct BulkRequest: Sendable {
    /// One action of the request.
    public struct Action: Sendable {
        /// What the action does.
        public enum Kind: String, Sendable {
            /// Index a document, replacing any with its id.
            case index
            /// Index a document that must not exist yet.
            case create
            /// Merge a partial document into an existing one.
            case update
            /// Delete a document.
            case delete
        }
        /// What the action does.
        public var kind: Kind
        /// The `_index` of the action line, if given.
        public var index: String?
        /// The `_id` of the action line, if given.
        public var id: String?
        /// The document line (nil for `delete`, or when it did not parse).
        public var source: JSON?
        /// Why the document line is unusable (answered as the item's error).
        public var problem: OpenSearchError?
        /// `if_seq_no` and `if_primary_term`: write only over this version of the document.
        public var condition: WriteCondition?
    }

    /// Parses the NDJSON body. A malformed or unknown action line, a missing document line or
    /// more than `maximumActions` actions fail the whole request (400); a document line that is
    /// not JSON becomes the action's ``Action/problem``.
    public static func parse(_ body: [UInt8], maximumActions: Int = 100_000) throws(OpenSearchError) -> [Action] {
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        var number = 0
        while start <= body.count {
            let end = body[start...].firstIndex(of: UInt8(ascii: "\n")) ?? body.count
            number += 1
            let line = body[start..<end]
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { lines.append((number, line)) }
            start = end + 1
        }
        var actions: [Action] = []
        var k = 0
        while k < lines.count {
            let (lineNumber, bytes) = lines[k]
            k += 1
            let parsed: JSON
            do throws(JSONParseError) {
                parsed = try JSON.parse(bytes, maximumDepth: 8)
            } catch {
                throw malformed("Malformed action/metadata line [\(lineNumber)]: \(error.message) at column \(error.column)")
            }
            guard let members = parsed.objectMembers, members.count == 1 else {
                throw malformed("Malformed action/metadata line [\(lineNumber)], expected an object with one action, e.g. {\"index\": {\"_id\": \"1\"}}")
            }
            let (name, parameters) = members[0]
            guard let kind = Action.Kind(rawValue: name) else {
                throw malformed("Malformed action/metadata line [\(lineNumber)], expected one of [create, delete, index, update] but found [\(name)]")
            }
            guard let parameterMembers = parameters.objectMembers else {
                throw malformed("Malformed action/metadata line [\(lineNumber)], the [\(name)] action takes an object")
            }
            var action = Action(kind: kind)
            for (key, value) in parameterMembers {
                switch key {
                case "_index":
                    guard case .string(let index) = value else { throw malformed("Malformed action/metadata line [\(lineNumber)]: [_index] must be a string") }
                    action.index = index
                case "_id":
                    switch value {
                    case .string(let id): action.id = id
                    case .int(let id): action.id = String(id)
                    case .null: action.id = nil
                    default: throw malformed("Malformed action/metadata line [\(lineNumber)]: [_id] must be a string")
                    }
                case "if_seq_no", "if_primary_term":
                    guard let number = value.intValue else { throw malformed("Malformed action/metadata line [\(lineNumber)]: [\(key)] must be a number") }
                    var condition = action.condition ?? WriteCondition(sequenceNumber: -1, primaryTerm: 0)
                    if key == "if_seq_no" { condition.sequenceNumber = number } else { condition.primaryTerm = number }
                    action.condition = condition
                case "version", "version_type":
                    throw malformed("Action/metadata line [\(lineNumber)]: [\(key)] is not supported; use [if_seq_no] and [if_primary_term]")
                case "routing", "retry_on_conflict", "require_alias", "pipeline", "_source", "dynamic_templates":
                    continue
                default:
                    throw malformed("Action/metadata line [\(lineNumber)] contains an unknown parameter [\(key)]")
                }
            }
            if let condition = action.condition { try condition.validate() }
            if kind != .delete {
                guard k < lines.count else {
                    throw malformed("The [\(name)] action of line [\(lineNumber)] has no document line after it")
                }
                let (sourceLine, sourceBytes) = lines[k]
                k += 1
                do throws(JSONParseError) {
                    action.source = try JSON.parse(sourceBytes)
                } catch {
                    action.problem = OpenSearchError(status: 400, type: "mapper_parsing_exception",
                                                     reason: "failed to parse the document of line [\(sourceLine)]: \(error.message) at column \(error.column)")
                }
            }
            actions.append(action)
            if actions.count > maximumActions {
                throw malformed("A bulk request holds at most \(maximumActions) actions; split it into smaller requests")
            }
        }
        if actions.isEmpty {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception", reason: "Validation Failed: 1: no requests added;")
        }
        return actions
    }

    private static func malformed(_ reason: String) -> OpenSearchError {
        OpenSearchError(status: 400, type: "illegal_argument_exception", reason: reason)
    }
}

/// Optimistic concurrency control: a write that applies only while the document is at this
/// sequence number and primary term (`if_seq_no`, `if_primary_term`), else a 409.
public struct WriteCondition: Sendable, Equatable {
    /// The `_seq_no` the document must have.
    public var sequenceNumber: Int
    /// The `_primary_term` it must have (always 1 here).
    public var primaryTerm: Int

    /// A condition on sequence number and primary term.
    public init(sequenceNumber: Int, primaryTerm: Int) {
        self.sequenceNumber = sequenceNumber
        self.primaryTerm = primaryTerm
    }

    /// The condition of URL parameters `if_seq_no` and `if_primary_term` (nil when neither is
    /// given; both or neither, as OpenSearch requires).
    public init?(parameters: [String: String]) throws(OpenSearchError) {
        let sequence = parameters["if_seq_no"], term = parameters["if_primary_term"]
        if sequence == nil && term == nil { return nil }
        guard let sequence, let number = Int(sequence) else {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [\(term ?? "0")];")
        }
        guard let term, let primaryTerm = Int(term) else {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: ifSeqNo is set, but primary term is [0];")
        }
        self.init(sequenceNumber: number, primaryTerm: primaryTerm)
        try validate()
    }

    /// Both members given and in range.
    func validate() throws(OpenSearchError) {
        guard sequenceNumber >= 0 else {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: ifSeqNo is unassigned, but primary term is [\(primaryTerm)];")
        }
        guard primaryTerm > 0 else {
            throw OpenSearchError(status: 400, type: "action_request_validation_exception",
                                  reason: "Validation Failed: 1: ifSeqNo is set, but primary term is [0];")
        }
    }
}
