import Foundation

/// Rows exported from the old `past_paper_import_sessions` table, as a JSON array of objects or
/// as CSV with a header line. Columns: `id, created_by, status, json_hash, file_name, created_at,
/// updated_at, last_accessed_at, metadata`; other columns are ignored.
public enum LegacyImport {
    /// A row that could be read, or the reason it could not, with its 1-based row number.
    public struct Parsed: Sendable {
        public var number: Int
        public var row: Result<LegacyRow, QuireError>
    }

    /// What happened to one row.
    public struct RowReport: Sendable, Equatable, Codable {
        public var row: Int
        public var id: String?
        /// `imported`, `already_imported` or `skipped`.
        public var result: String
        public var message: String?

        public init(row: Int, id: String?, result: String, message: String?) {
            self.row = row
            self.id = id
            self.result = result
            self.message = message
        }
    }

    public static func parse(_ data: Data, fileName: String) throws(QuireError) -> [Parsed] {
        var text = String(decoding: data, as: UTF8.self)
        // A spreadsheet's export often starts with a byte order mark; it is not part of the first column's name.
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        let first = text.first { !$0.isWhitespace }
        if first == "[" {
            guard case .array(let items) = try JSONValue.parse(Data(text.utf8), what: fileName) else {
                throw .invalidInput("\(fileName) must be a JSON array of rows.")
            }
            return items.enumerated().map { i, item in
                guard case .object(let fields) = item else {
                    return Parsed(number: i + 1, row: .failure(.invalidInput("Row \(i + 1) is \(item.typeName), not an object.")))
                }
                return Parsed(number: i + 1, row: Result { () throws(QuireError) in try row(fields, number: i + 1) })
            }
        }
        if first == "{" { throw .invalidInput("\(fileName) must be a JSON array of rows or CSV with a header, not a single object.") }
        let records = try CSV.parse(text, what: fileName)
        guard let header = records.first else { throw .invalidInput("\(fileName) is empty.") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names.contains("id"), names.contains("file_name") else {
            throw .invalidInput("\(fileName) has no header naming at least the id and file_name columns.")
        }
        return records.dropFirst().enumerated().compactMap { i, cells in
            if cells.isEmpty || (cells.count == 1 && cells[0].isEmpty) { return nil }  // blank line
            var fields: [String: JSONValue] = [:]
            for (name, cell) in zip(names, cells) where !cell.isEmpty {
                fields[name] = .string(cell)
            }
            return Parsed(number: i + 1, row: Result { () throws(QuireError) in try row(fields, number: i + 1) })
        }
    }

    static func row(_ f: [String: JSONValue], number: Int) throws(QuireError) -> LegacyRow {
        func text(_ key: String) throws(QuireError) -> String? {
            switch f[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s.isEmpty ? nil : s
            case .number(let n)?: return JSONValue.number(n).canonical
            case let other?: throw .invalidInput("Row \(number): \(key) must be text, not \(other.typeName).")
            }
        }
        func time(_ key: String) throws(QuireError) -> Timestamp? {
            guard let raw = try text(key) else { return nil }
            guard let t = Timestamp(rfc3339: raw) else { throw .invalidInput("Row \(number): \(key) '\(raw)' is not a date and time.") }
            return t
        }
        guard let id = try text("id") else { throw .invalidInput("Row \(number) has no id.") }
        guard Identifier.isAcceptable(id) else { throw .invalidInput("Row \(number): '\(id)' is not a usable session id.") }
        guard let fileName = try text("file_name") else { throw .invalidInput("Row \(number) (\(id)) has no file_name.") }
        let rawStatus = (try text("status") ?? "in_progress").lowercased()
        let status: SessionStatus
        switch rawStatus {
        case "in_progress", "in-progress", "active", "pending", "processing", "started", "uploading": status = .inProgress
        case "completed", "complete", "done", "finished": status = .completed
        case "deleted": status = .deleted
        default: throw .invalidInput("Row \(number) (\(id)): unknown status '\(rawStatus)'.")
        }
        var metadata: [String: JSONValue] = [:]
        switch f["metadata"] {
        case nil, .null?: break
        case .object(let o)?: metadata = o
        case .string(let s)?:
            guard case .object(let o) = try JSONValue.parse(Data(s.utf8), what: "Row \(number)'s metadata") else {
                throw .invalidInput("Row \(number) (\(id)): metadata must be a JSON object.")
            }
            metadata = o
        case let other?: throw .invalidInput("Row \(number) (\(id)): metadata must be a JSON object, not \(other.typeName).")
        }
        let hash = try text("json_hash")
        if let hash, !(hash.count == 64 && hash.allSatisfy(\.isHexDigit)) {
            throw .invalidInput("Row \(number) (\(id)): json_hash is not a SHA-256 hex digest.")
        }
        return LegacyRow(id: SessionID(id), createdBy: try text("created_by").map { UserID($0) }, status: status,
                         jsonHash: hash?.lowercased(), fileName: fileName, createdAt: try time("created_at"),
                         updatedAt: try time("updated_at"), lastAccessedAt: try time("last_accessed_at"), metadata: metadata)
    }
}

/// CSV as Python's `csv.reader` reads it with its default (`excel`) dialect, which is what the
/// old table's exports come from and what `LegacyCSVTests` compares this reader with on generated
/// hostile files: fields separated by commas; a field that starts with `"` is quoted, may hold
/// commas, line breaks and doubled quotes, and text after its closing quote is kept (`"ab"c` is
/// `abc`); a quote inside an unquoted field is a plain character; records end at `\r\n`, `\r` or
/// `\n`; an empty line is a record with no fields. One difference, on purpose: a quoted field
/// still open at the end of the file is an error here (a cut file), where Python returns what it
/// read so far.
enum CSV {
    static func parse(_ text: String, what: String) throws(QuireError) -> [[String]] {
        enum State { case startRecord, startField, inField, inQuoted, quoteInQuoted }
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var state = State.startRecord
        var line = 1
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func endField() {
            record.append(String(field))
            field = String.UnicodeScalarView()
        }
        func endRecord() {
            records.append(record)
            record = []
            // `\r\n` is one line break.
            if scalars[i] == "\r", i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
            line += 1
            state = .startRecord
        }
        while i < scalars.count {
            let c = scalars[i]
            let newline = c == "\n" || c == "\r"
            switch state {
            case .startRecord:
                if newline { endRecord() } else { state = .startField; continue }
            case .startField:
                if newline { endField(); endRecord() }
                else if c == "\"" { state = .inQuoted }
                else if c == "," { endField() }
                else { field.append(c); state = .inField }
            case .inField:
                if newline { endField(); endRecord() }
                else if c == "," { endField(); state = .startField }
                else { field.append(c) }
            case .inQuoted:
                if c == "\"" { state = .quoteInQuoted } else { field.append(c) }
                if c == "\n" { line += 1 }
            case .quoteInQuoted:
                if c == "\"" { field.append(c); state = .inQuoted }
                else if c == "," { endField(); state = .startField }
                else if newline { endField(); endRecord() }
                else { field.append(c); state = .inField }
            }
            i += 1
        }
        switch state {
        case .startRecord: break
        case .startField, .inField, .quoteInQuoted: endField(); records.append(record)
        case .inQuoted: throw .invalidInput("\(what) has an unterminated quoted field (line \(line)).")
        }
        return records
    }
}
