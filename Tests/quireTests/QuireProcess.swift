import Foundation
import QuireTestSupport
import Testing

/// What one run of the `quire` binary left behind: its exit status and both output streams.
struct QuireRun: CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String

    /// The non-empty lines of stderr.
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init) }

    /// stdout parsed as JSON (an object, an array…); `nil` when it is not JSON.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }

    /// One JSON object per non-empty stdout line (`submit`).
    var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": String(line)]
        }
    }

    var description: String {
        "quire \(arguments.joined(separator: " ")) → exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
}

/// Where the built `quire` executable is: next to the running test bundle (`swift build
/// --build-tests` puts both in the same `.build/<triple>/debug`), else `.build/debug/quire` of
/// this checkout.
enum QuireBinary {
    static let url: URL = {
        var candidates: [URL] = []
        for start in [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
            var dir = start
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent("quire"))
                dir.deleteLastPathComponent()
            }
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/quire"))
        let fm = FileManager.default
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
               fm.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        return candidates.last!
    }()

    struct Missing: Error, CustomStringConvertible {
        var description: String { "No built quire at \(QuireBinary.url.path); run `swift build --build-tests` first." }
    }

    /// The binary's URL, or an error saying how to build it.
    static func require() throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw Missing() }
        return url
    }

    /// The checkout this test file belongs to.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// One test's own directory and database, and a way to run `quire` on them.
///
/// Every run gets `QUIRE_DB` set to this sandbox's database and never inherits `QUIRE_USER` (or
/// any other `QUIRE_` variable) from the environment running the tests.
final class Sandbox: @unchecked Sendable {
    // @unchecked: `runs` is only touched under `lock`; everything else is immutable.
    let directory: URL
    let database: String
    private let lock = NSLock()
    private var runs = 0

    /// `database`: a PostgreSQL URL instead of the sandbox's own SQLite file.
    init(database: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quire-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.database = database ?? PostgresTestServer.database(orSQLiteFile: directory.appendingPathComponent("quire.sqlite").path)
        // A child that dies while we still write to its stdin must fail the test, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit {
        if ProcessInfo.processInfo.environment["QUIRE_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Writes a file into the sandbox and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
        return url.path
    }

    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QUIRE_") }
        env["QUIRE_DB"] = database
        for (key, value) in extra { env[key] = value }
        return env
    }

    private func nextRun() -> Int {
        lock.lock()
        defer { lock.unlock() }
        runs += 1
        return runs
    }

    /// Runs `quire ARGS… [--as USER]` to completion. Output goes through files, so a chatty
    /// command can never block on a full pipe.
    func run(_ arguments: [String], as user: String? = nil, stdin: String? = nil, env: [String: String] = [:]) throws -> QuireRun {
        let n = nextRun()
        let args = arguments + (user.map { ["--as", $0] } ?? [])
        let out = directory.appendingPathComponent(".run-\(n).out"), err = directory.appendingPathComponent(".run-\(n).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try QuireBinary.require()
        process.arguments = args
        process.environment = environment(env)
        process.currentDirectoryURL = directory
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        if let stdin {
            let input = directory.appendingPathComponent(".run-\(n).in")
            try Data(stdin.utf8).write(to: input)
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return QuireRun(arguments: args, status: process.terminationStatus,
                        stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                        stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    func run(_ arguments: String..., as user: String? = nil, stdin: String? = nil, env: [String: String] = [:]) throws -> QuireRun {
        try run(arguments, as: user, stdin: stdin, env: env)
    }

    /// Runs a command that must succeed; a failure is recorded at the caller's line.
    @discardableResult
    func ok(_ arguments: [String], as user: String? = nil, stdin: String? = nil, env: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) throws -> QuireRun {
        let result = try run(arguments, as: user, stdin: stdin, env: env)
        if result.status != 0 { Issue.record("expected exit 0:\n\(result)", sourceLocation: sourceLocation) }
        return result
    }

    @discardableResult
    func ok(_ arguments: String..., as user: String? = nil, stdin: String? = nil, env: [String: String] = [:],
            sourceLocation: SourceLocation = #_sourceLocation) throws -> QuireRun {
        try ok(arguments, as: user, stdin: stdin, env: env, sourceLocation: sourceLocation)
    }

    /// Starts `quire ARGS…` with pipes on stdin and stdout, for a conversation line by line.
    func start(_ arguments: [String], as user: String? = nil) throws -> RunningQuire {
        let n = nextRun()
        let args = arguments + (user.map { ["--as", $0] } ?? [])
        let err = directory.appendingPathComponent(".run-\(n).err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try QuireBinary.require()
        process.arguments = args
        process.environment = environment([:])
        process.currentDirectoryURL = directory
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return RunningQuire(process: process, input: input.fileHandleForWriting, output: output.fileHandleForReading,
                            errorFile: err, arguments: args)
    }

    // MARK: - Setting up

    static let ops = "ops@x.test"

    /// `quire init --admin ops@x.test`, then each admin with `user add … --as ops@x.test`.
    /// Returns every user's id by email.
    @discardableResult
    func setUp(admins: [String] = ["a@x.test", "b@x.test"], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: String] {
        try ok("init", "--admin", Self.ops, sourceLocation: sourceLocation)
        for admin in admins {
            try ok("user", "add", admin, as: Self.ops, sourceLocation: sourceLocation)
        }
        let users = try ok("user", "list", "--json", as: Self.ops, sourceLocation: sourceLocation).array
        return Dictionary(uniqueKeysWithValues: users.compactMap { u in
            (u["email"] as? String).flatMap { email in (u["id"] as? String).map { (email, $0) } }
        })
    }

    /// The whole log as the system admin's audit shows it (newest first).
    func auditRows(denied: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try ok(["audit", "--json", "--limit", "100000"] + (denied ? ["--denied"] : []), as: Self.ops, sourceLocation: sourceLocation).array
    }

    /// How many events the log holds.
    func eventCount(sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        try auditRows(sourceLocation: sourceLocation).count
    }

    /// `quire session create --file PATH --json` that must succeed; returns the new session's id.
    @discardableResult
    func createSession(_ path: String, as user: String, extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(["session", "create", "--file", path, "--json"] + extra, as: user)
        if result.status != 0 { Issue.record("expected exit 0:\n\(result)", sourceLocation: sourceLocation) }
        guard let id = result.object["id"] as? String else {
            Issue.record("no session id in:\n\(result)", sourceLocation: sourceLocation)
            return "missing"
        }
        return id
    }

    /// The user's `session list --json`.
    func sessions(as user: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        try ok("session", "list", "--json", as: user, sourceLocation: sourceLocation).array
    }
}

/// A `quire` process talked to through pipes.
final class RunningQuire: @unchecked Sendable {
    // @unchecked: each instance is driven by one thread at a time (the one that owns the conversation).
    let process: Process
    let input: FileHandle
    let output: FileHandle
    let errorFile: URL
    let arguments: [String]
    private var buffer: [UInt8] = []

    init(process: Process, input: FileHandle, output: FileHandle, errorFile: URL, arguments: [String]) {
        self.process = process
        self.input = input
        self.output = output
        self.errorFile = errorFile
        self.arguments = arguments
    }

    func send(_ lines: [String]) throws {
        try input.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// The next line of stdout, or `nil` at end of file.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let chunk = output.availableData
            if chunk.isEmpty {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            buffer.append(contentsOf: chunk)
        }
    }

    func readJSONLine() -> [String: Any]? {
        guard let line = readLine() else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": line]
    }

    /// Closes stdin, reads what is left of stdout and waits for the exit status.
    func finish() throws -> (status: Int32, rest: [String], stderr: String) {
        try input.close()
        var rest: [String] = []
        while let line = readLine() { rest.append(line) }
        process.waitUntilExit()
        return (process.terminationStatus, rest, String(decoding: (try? Data(contentsOf: errorFile)) ?? Data(), as: UTF8.self))
    }
}

/// A small paper file: a JSON object with a `paper` description and `questions` questions.
func paperJSON(code: String, subject: String = "Mathematics", year: Int = 2023, questions: Int = 3, note: String = "") -> String {
    let qs = (1...max(questions, 1)).prefix(questions).map { #"{"number": \#($0), "text": "Question \#($0) \#(note)"}"# }
    return """
        {
          "paper": {"code": "\(code)", "subject": "\(subject)", "year": \(year)},
          "questions": [\(qs.joined(separator: ", "))]
        }
        """
}
