import Foundation

/// One column value as every backend can store it: what projection rules produce and read back.
public enum StoredValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case text(String)

    public init(_ text: String?) { self = text.map(StoredValue.text) ?? .null }
    public init(_ number: Int) { self = .integer(Int64(number)) }
    public init(_ flag: Bool) { self = .integer(flag ? 1 : 0) }

    public var text: String? { if case .text(let t) = self { t } else { nil } }
    public var integer: Int64? { if case .integer(let n) = self { n } else { nil } }
    public var int: Int { Int(integer ?? 0) }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let n): String(n)
        case .text(let t): "\"\(t)\""
        }
    }
}

/// A projection table declared as data: its columns, primary key and indexes. A backend turns this
/// into its own DDL; the projection rules name columns, never SQL.
///
/// A `final class` so that a row change carries a reference, not a copy of the declaration.
public final class TableSchema: Sendable, CustomStringConvertible {
    public enum ColumnType: Sendable { case text, integer }

    public struct Column: Sendable {
        public let name: String
        public let type: ColumnType
        public let nullable: Bool
        public init(_ name: String, _ type: ColumnType, nullable: Bool = false) {
            self.name = name
            self.type = type
            self.nullable = nullable
        }
    }

    /// A secondary index, optionally unique, optionally partial: only rows whose `whereColumn`
    /// equals `whereValue`.
    public struct Index: Sendable {
        public let name: String
        public let columns: [String]
        public let unique: Bool
        public let whereColumn: String?
        public let whereValue: String?
        public init(_ name: String, on columns: [String], unique: Bool = false, where column: String? = nil,
                    equals value: String? = nil) {
            self.name = name
            self.columns = columns
            self.unique = unique
            self.whereColumn = column
            self.whereValue = value
        }
    }

    public let name: String
    public let columns: [Column]
    /// The columns of the primary key; rows are compared and ordered by it.
    public let primaryKey: [String]
    public let indexes: [Index]
    /// Positions of the primary key's columns in `columns`.
    public let keyPositions: [Int]

    public init(_ name: String, columns: [Column], primaryKey: [String], indexes: [Index] = []) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.indexes = indexes
        self.keyPositions = primaryKey.map { key in columns.firstIndex { $0.name == key }! }
    }

    public var columnNames: [String] { columns.map(\.name) }
    public var description: String { name }

    /// The position of a column, for reading a row by name.
    public func position(of column: String) -> Int {
        guard let i = columns.firstIndex(where: { $0.name == column }) else {
            preconditionFailure("\(name) has no column \(column)")
        }
        return i
    }
}

/// A row of a projection table: its values in the table's column order.
public typealias StoredRow = [StoredValue]

/// What a projection rule asks a backend to do with one event. Keys are primary-key values in the
/// order `TableSchema.primaryKey` declares.
public enum RowChange: Sendable {
    /// A new row; its key must not exist yet.
    case insert(TableSchema, StoredRow)
    /// The whole row, replacing any row with the same key.
    case upsert(TableSchema, StoredRow)
    /// Set some columns of the row with this key (nothing when there is none).
    case update(TableSchema, key: [StoredValue], set: [(column: String, value: StoredValue)])
    /// Add one to an integer column of the row with this key (nothing when there is none).
    case increment(TableSchema, key: [StoredValue], column: String)
    /// Remove every row whose `column` equals `value`.
    case delete(TableSchema, whereColumn: String, equals: StoredValue)
}

/// How a rule reads the current row when it needs it (a fold, an email to copy).
public protocol RowReader {
    func row(_ table: TableSchema, key: [StoredValue]) throws -> StoredRow?
}

/// What a backend gives the projection runner: read a row, apply a change.
public protocol RowWriter: RowReader {
    func apply(_ change: RowChange) throws
}
