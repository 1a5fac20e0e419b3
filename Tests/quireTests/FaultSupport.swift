import Foundation
import Testing

/// What a bounded run of `quire` left behind: like `QuireRun`, plus whether it had to be killed
/// and whether it died of a signal.
struct BoundedRun: CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var signalled: Bool
    var timedOut: Bool
    var stdout: Data
    var stderr: String

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }
    var jsonLines: [[String: Any]] {
        stdout.split(separator: UInt8(ascii: "\n")).map { line in
            (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] ?? ["unparsable": String(decoding: line, as: UTF8.self)]
        }
    }

    var description: String {
        let args = arguments.map { $0.count > 200 ? String($0.prefix(200)) + "…(\($0.utf8.count) bytes)" : $0 }
        let out = stdoutText
        return "quire \(args.joined(separator: " ")) → \(timedOut ? "TIMED OUT" : signalled ? "signal \(status)" : "exit \(status)")\n"
            + "--- stdout\n\(out.count > 2000 ? String(out.prefix(2000)) + "…" : out)--- stderr\n\(stderr.prefix(2000))"
    }
}

/// The exit codes quire documents (README, "Exit codes"); 1 only for storage faults and `verify`.
let documentedExitCodes: Set<Int32> = [0, 64, 65, 66, 67, 75, 77]

extension Sandbox {
    /// Runs `quire ARGS…` with raw bytes on stdin, killing it after `timeout` seconds.
    func runBounded(_ arguments: [String], as user: String? = nil, stdin: Data? = nil, env: [String: String] = [:],
                    timeout: TimeInterval = 30) throws -> BoundedRun {
        let args = arguments + (user.map { ["--as", $0] } ?? [])
        let tag = UUID().uuidString
        let out = directory.appendingPathComponent(".bounded-\(tag).out"), err = directory.appendingPathComponent(".bounded-\(tag).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        let process = Process()
        process.executableURL = try QuireBinary.require()
        process.arguments = args
        process.environment = environment(env)
        process.currentDirectoryURL = directory
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        var input: URL?
        if let stdin {
            let url = directory.appendingPathComponent(".bounded-\(tag).in")
            try stdin.write(to: url)
            process.standardInput = try FileHandle(forReadingFrom: url)
            input = url
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { if let input { try? FileManager.default.removeItem(at: input) } }
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        try outHandle.close()
        try errHandle.close()
        return BoundedRun(arguments: args, status: process.terminationStatus,
                          signalled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
                          stdout: try Data(contentsOf: out), stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// Runs `sqlite3 DB SQL` on this sandbox's database (or `database`): the auditor's view.
    @discardableResult
    func sqlite(_ sql: String, database: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SQLiteShell.path ?? "/usr/bin/sqlite3")
        process.arguments = ["-batch", database ?? self.database]
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data((sql + "\n").utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// `SELECT …` through the sqlite3 shell that must succeed; the output's trimmed text.
    func sqliteValue(_ sql: String, database: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try sqlite(sql, database: database)
        if r.status != 0 || !r.err.isEmpty { Issue.record("sqlite3 failed: \(r.err)", sourceLocation: sourceLocation) }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How many events the log holds, read with the sqlite3 shell (fast: no quire process).
    func countEvents(database: String? = nil) throws -> Int {
        Int(try sqliteValue("SELECT count(*) FROM events;", database: database)) ?? -1
    }
}

/// Where the `sqlite3` shell is, if this machine has one.
enum SQLiteShell {
    static let path: String? = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static var available: Bool { path != nil }
}

/// Whether this process runs as root (file permissions then do not stop writes).
var runningAsRoot: Bool { geteuid() == 0 }
