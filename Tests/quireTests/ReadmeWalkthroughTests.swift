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

    /// A README section's first `sh` block: its commands with the `#   ` lines that follow each.
    static func steps(section heading: String = "## Walkthrough: two admins at once") throws -> [Step] {
        let readme = try String(contentsOf: QuireBinary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: heading + "\n").dropFirst().first)
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

    /// Runs a section's block as written, from the root of the checkout, in `box`: `export`
    /// lines set the environment (`QUIRE_DB` points into the sandbox), `sleep N` waits, every
    /// other line is a `quire` command that must succeed — or fail, when a `#   error:` line
    /// follows it — and print each `#   ` line after it (`…` stands for the rest of an id).
    /// `placeholders[i]` stands for the id the i-th successful `session create` printed: its
    /// first 8 characters, or, written out with a dash after them, the whole id.
    static func run(_ steps: [Step], placeholders: [String], in box: Sandbox) throws -> [String] {
        var env = box.environment([:])
        var ids: [String] = []
        func substitute(_ word: String) -> String {
            for (i, placeholder) in placeholders.enumerated() where i < ids.count {
                if word == placeholder { return String(ids[i].prefix(8)) }
                if word.hasPrefix(placeholder + "-") { return ids[i] }
            }
            return word
        }
        for step in steps {
            var words = step.line.split(separator: " ").map(String.init)
            if words.first == "export" {
                let assignment = words[1].split(separator: "=", maxSplits: 1).map(String.init)
                // The walkthrough's database goes into the sandbox, not into the checkout.
                env[assignment[0]] = assignment[0] == "QUIRE_DB" ? box.database : assignment[1]
                continue
            }
            if words.first == "sleep", let seconds = Double(words[1]) {
                Thread.sleep(forTimeInterval: seconds)
                continue
            }
            var stepEnv = env
            while let first = words.first, first.contains("="), first != "quire" {
                let assignment = first.split(separator: "=", maxSplits: 1).map(String.init)
                stepEnv[assignment[0]] = assignment[1]
                words.removeFirst()
            }
            try #require(words.first == "quire", "not a quire command: \(step.line)")
            let arguments = words.dropFirst().map(substitute)

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

            if arguments.starts(with: ["session", "create"]), process.terminationStatus == 0,
               let id = printed.split(separator: " ").dropFirst(2).first {
                ids.append(String(id))
            }
            let refused = step.expected.contains { $0.hasPrefix("error: ") }
            #expect(refused ? process.terminationStatus != 0 : process.terminationStatus == 0, "\(report)")
            for expected in step.expected {
                var text = expected
                for (i, placeholder) in placeholders.enumerated() where i < ids.count {
                    text = text.replacingOccurrences(of: placeholder, with: String(ids[i].prefix(8)))
                }
                var rest = Substring(printed)
                for piece in text.components(separatedBy: "…") where !piece.isEmpty {
                    guard let found = rest.range(of: piece) else {
                        Issue.record("the README says\n  \(expected)\nbut it printed:\n\(report)")
                        break
                    }
                    rest = rest[found.upperBound...]
                }
            }
        }
        return ids
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: QuireBinary.packageRoot.appendingPathComponent("events/samples").path)))
    func theWalkthroughPrintsWhatTheReadmeSays() throws {
        let box = try Sandbox()
        let steps = try Self.steps()
        #expect(steps.count >= 12, "\(steps.map(\.line))")
        let ids = try Self.run(steps, placeholders: ["9a5ec0fd"], in: box)
        #expect(!ids.isEmpty, "Alice's session create printed no id")
    }
}

/// The README's "Handing work over and cleaning up" (issue 17's done-when): share, transfer, expire
/// by the sweep and reopen, clean up the legacy rows, read it all back — `verify` passing after
/// each step. On PostgreSQL too, under `QUIRE_TEST_BACKEND=postgres` (`.ci/run`).
@Suite struct ReadmeHandoverTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: QuireBinary.packageRoot.appendingPathComponent("events/samples").path)))
    func theHandoverWalkthroughPrintsWhatTheReadmeSays() throws {
        let box = try Sandbox()
        let steps = try ReadmeWalkthroughTests.steps(section: "## Handing work over and cleaning up")
        #expect(steps.filter { $0.line == "quire verify" }.count == 4, "verify after each step")
        let ids = try ReadmeWalkthroughTests.run(steps, placeholders: ["9a5ec0fd", "7c41d2e0", "5e2b9c11"], in: box)
        #expect(ids.count == 3, "three imports")
    }
}
