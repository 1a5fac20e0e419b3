import Foundation
import QuireCore

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
    }

    public static func parse(_ data: Data, fileName: String) throws(QuireError) -> [Parsed] {
        let text = String(decoding: data, as: UTF8.self)
        let first = text.first { !$0.isWhitespace }
        if first == "[" {
            guard case .array(let items) = try JSONValue.parse(data, what: fileName) else {
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
            if cells.count == 1, cells[0].isEmpty { return nil }  // blank line
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

extension QuireService {
    /// Imports legacy rows one by one; each row is its own command (`command_id` `legacy-<id>`), so
    /// running the same file again imports nothing twice.
    public func importLegacy(_ data: Data, fileName: String, as name: ActorName) throws(QuireError) -> [LegacyImport.RowReport] {
        try authorize(.importLegacy, as: name)
        var reports: [LegacyImport.RowReport] = []
        for parsed in try LegacyImport.parse(data, fileName: fileName) {
            switch parsed.row {
            case .failure(let error):
                reports.append(.init(row: parsed.number, id: nil, result: "skipped", message: error.message))
            case .success(let row):
                do {
                    let outcome = try handle(.command(.importLegacySession(row)), as: name, commandID: "legacy-" + row.id.rawValue)
                    reports.append(.init(row: parsed.number, id: row.id.rawValue, result: outcome.replayed ? "already_imported" : "imported",
                                         message: nil))
                } catch {
                    let message = error.code == .commandIDReused
                        ? "Row \(parsed.number) (\(row.id)) was imported before with different content; it was left as it was."
                        : "Row \(parsed.number) (\(row.id)): \(error.message)"
                    reports.append(.init(row: parsed.number, id: row.id.rawValue, result: "skipped", message: message))
                }
            }
        }
        return reports
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks.
enum CSV {
    static func parse(_ text: String, what: String) throws(QuireError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        var line = 1
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"" where field.isEmpty: quoted = true
                case ",": record.append(field); field = ""
                case "\r": continue
                case "\n":
                    record.append(field); field = ""
                    records.append(record); record = []
                    line += 1
                default: field.unicodeScalars.append(c)
                }
            }
        }
        if quoted { throw .invalidInput("\(what) has an unterminated quoted field (line \(line)).") }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
