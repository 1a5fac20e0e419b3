import Foundation

/// A past-paper file as quire reads it: a JSON object, at most `limit` bytes, whose `questions`
/// array (when present) gives the question count.
///
/// For example `{"paper": {"code": "9709/12", "subject": "Mathematics", "year": 2023}, "questions": [...]}`.
public struct PaperFile: Equatable, Sendable {
    /// The default size limit, 16 MiB.
    public static let defaultLimit = 16 * 1024 * 1024

    /// The canonical JSON text that `json_hash` is computed from.
    public var canonical: String
    public var questionCount: Int
    /// The descriptive fields found in the file: `code`, `subject`, `year`…
    public var paper: [String: JSONValue]

    /// Fields that describe a paper, looked for at the top level and in a `paper` or `metadata` object.
    static let describingKeys = ["code", "subject", "year", "board", "level", "title", "series", "session", "variant", "exam", "component"]

    /// Reads a paper file's bytes. `what` names the file in error messages.
    public init(data: Data, what: String, limit: Int = PaperFile.defaultLimit) throws(QuireError) {
        guard data.count <= limit else {
            throw QuireError(.tooLarge, "\(what) is \(Self.size(data.count)), over the \(Self.size(limit)) limit for a paper file.")
        }
        let value = try JSONValue.parse(data, what: what)
        try self.init(value: value, what: what)
    }

    /// Reads a paper that arrived already parsed (a `submit` line's `paper`).
    public init(value: JSONValue, what: String) throws(QuireError) {
        guard case .object(let object) = value else {
            throw .invalidInput("\(what) must be a JSON object, not \(value.typeName).")
        }
        switch object["questions"] {
        case nil, .null?: questionCount = 0
        case .array(let questions)?: questionCount = questions.count
        case let other?: throw .invalidInput("\(what) has a 'questions' field that is \(other.typeName), not an array.")
        }
        var paper: [String: JSONValue] = [:]
        for source in [object["metadata"]?.objectValue, object["paper"]?.objectValue, object] {
            guard let source else { continue }
            for key in Self.describingKeys {
                if let v = source[key], paper[key] == nil, Self.isScalar(v) { paper[key] = Self.trimmed(v) }
            }
            if paper["code"] == nil, let v = source["paper_code"], Self.isScalar(v) { paper["code"] = Self.trimmed(v) }
        }
        // A numeric code (rare) is kept as text so that "similar paper" compares like with like.
        if let n = paper["code"]?.numberValue { paper["code"] = .string(JSONValue.format(n)) }
        self.paper = paper
        canonical = value.canonical
    }

    private static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): !s.isEmpty
        case .number, .bool: true
        default: false
        }
    }

    private static func trimmed(_ v: JSONValue) -> JSONValue {
        if case .string(let s) = v { return .string(String(s.trimmingWhitespace().prefix(200))) }
        return v
    }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1024 * 1024, bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
        if bytes >= 1024 * 1024 { return String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        if bytes >= 1024 { return "\(bytes / 1024) KiB" }
        return "\(bytes) bytes"
    }
}
