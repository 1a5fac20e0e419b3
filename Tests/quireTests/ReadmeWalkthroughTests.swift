import Foundation
import Testing

/// The README's walkthrough, run as written from the root of the checkout (issue 12 items 4 and
/// 7): every command in its block, with the environment it sets, and every `#   ` line under a
/// command checked against what that command printed. The one liberty: `QUIRE_DB` points into a
/// temporary directory, not at `school.sqlite` in the checkout, and the placeholder `9a5ec0fd`
/// becomes the first 8 characters of the id Alice's `session create` printed.
@Suite struct ReadmeWalkthroughTests {
    struct Step {
        var line: String
        var expected: [String] = []
    }

    /// The walkthrough's commands with the `#   ` lines that follow each.
    static func steps() throws -> [Step] {
        let readme = try String(contentsOf: QuireBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Walkthrough: two admins at once").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```sh\n").dropFirst().first?.components(separatedBy: "```").first)
        var steps: [Step] = []
        var pending = ""
        for raw in block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if raw.hasPrefix("#   ") {
                steps[steps.count - 1].expected.append(String(raw.dropFirst(4)))
                continue
            }
            if raw.hasPrefix("#") || raw.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            var line = raw
            if let comment = line.range(of: "  # ") { line = String(line[..<comment.lowerBound]) }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            steps.append(Step(line: pending + line))
            pending = ""
        }
        return steps
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: QuireBinary.packageRoot.appendingPathComponent("events/samples").path)))
    func theWalkthroughPrintsWhatTheReadmeSays() throws {
        let box = try Sandbox()
        var env = box.environment([:])
        let steps = try Self.steps()
        #expect(steps.count >= 12, "\(steps.map(\.line))")
        var prefix: String?
        for step in steps {
            var words = step.line.split(separator: " ").map(String.init)
            if words.first == "export" {
                let assignment = words[1].split(separator: "=", maxSplits: 1).map(String.init)
                // The walkthrough's database goes into the sandbox, not into the checkout.
                env[assignment[0]] = assignment[0] == "QUIRE_DB" ? box.database : assignment[1]
                continue
            }
            var stepEnv = env
            while let first = words.first, first.contains("="), first != "quire" {
                let assignment = first.split(separator: "=", maxSplits: 1).map(String.init)
                stepEnv[assignment[0]] = assignment[1]
                words.removeFirst()
            }
            try #require(words.first == "quire", "not a quire command: \(step.line)")
            let arguments = words.dropFirst().map { $0 == "9a5ec0fd" ? (prefix ?? $0) : $0 }

            let out = box.directory.appendingPathComponent("readme.out"), err = box.directory.appendingPathComponent("readme.err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            let process = Process()
            process.executableURL = try QuireBinary.require()
            process.arguments = Array(arguments)
            process.environment = stepEnv
            process.currentDirectoryURL = QuireBinary.packageRoot  // "from the root of the checkout"
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let printed = (try String(contentsOf: out, encoding: .utf8)) + (try String(contentsOf: err, encoding: .utf8))
            let report = "\(step.line) → exit \(process.terminationStatus)\n\(printed)"

            if prefix == nil, arguments.starts(with: ["session", "create"]), stepEnv["QUIRE_USER"]?.hasPrefix("alice") == true,
               let id = printed.split(separator: " ").dropFirst(2).first {
                prefix = String(id.prefix(8))
            }
            let refused = step.expected.contains { $0.hasPrefix("error: ") }
            #expect(refused ? process.terminationStatus != 0 : process.terminationStatus == 0, "\(report)")
            for expected in step.expected {
                // `…` stands for the rest of an id; the placeholder prefix for the real one.
                let pieces = expected.replacingOccurrences(of: "9a5ec0fd", with: prefix ?? "9a5ec0fd").components(separatedBy: "…")
                var rest = Substring(printed)
                for piece in pieces where !piece.isEmpty {
                    guard let found = rest.range(of: piece) else {
                        Issue.record("the README says\n  \(expected)\nbut it printed:\n\(report)")
                        break
                    }
                    rest = rest[found.upperBound...]
                }
            }
        }
        #expect(prefix != nil, "Alice's session create printed no id")
    }
}
