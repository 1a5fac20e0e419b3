import ArgumentParser
import Foundation
import QuireCore
import QuireService
import QuireStorage

/// Where the log's signing key is and how a checkpoint is checked: `--signing-key` /
/// `$QUIRE_SIGNING_KEY` (the private key file, kept outside the database), or only the public
/// `--verifier-key` for whoever checks but does not sign.
struct KeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The log's signing key file (default: $QUIRE_SIGNING_KEY).", valueName: "file"))
    var signingKey: String?

    @Option(name: .long, help: ArgumentHelp("The log's public verifier key (name+keyhash+base64), or a file holding it; enough to check checkpoints.", valueName: "key"))
    var verifierKey: String?

    @Flag(name: .long, help: "Neither read nor update the checkpoint this client kept for the log ($XDG_STATE_HOME/quire/).")
    var noState = false

    var signingKeyPath: String? {
        if let signingKey, !signingKey.isEmpty { return signingKey }
        if let env = ProcessInfo.processInfo.environment["QUIRE_SIGNING_KEY"], !env.isEmpty { return env }
        return nil
    }

    /// The signing key; a usage error saying how to make one when none is named.
    func signer() throws(QuireError) -> SigningKey {
        guard let path = signingKeyPath else {
            throw .usage("This needs the log's signing key: --signing-key FILE or QUIRE_SIGNING_KEY=FILE (make one with quire key generate -o FILE).")
        }
        return try SigningKey(contentsOf: path)
    }

    /// The key checkpoints are checked with: the verifier key given, else the signing key's public half.
    func verifier() throws(QuireError) -> VerifierKey {
        if let verifierKey { return try Self.verifierKey(verifierKey) }
        guard signingKeyPath != nil else {
            throw .usage("Checking a checkpoint needs the log's key: --verifier-key KEY, or --signing-key FILE / QUIRE_SIGNING_KEY.")
        }
        return try signer().verifier
    }

    /// A verifier key given on the command line, or the file holding it.
    static func verifierKey(_ text: String) throws(QuireError) -> VerifierKey {
        if FileManager.default.fileExists(atPath: text) {
            return try VerifierKey(String(decoding: try Files.read(text), as: UTF8.self))
        }
        return try VerifierKey(text)
    }

    /// Reads a checkpoint file and checks its signature.
    func checkpoint(at path: String) throws(QuireError) -> SignedCheckpoint {
        let text = String(decoding: try Files.read(path), as: UTF8.self)
        do {
            return try SignedCheckpoint(text, verifiedBy: try verifier())
        } catch where error.code == .invalidInput {
            throw .invalidInput("\(path): \(error.message)")
        }
    }
}

/// `quire key generate`: a new signing key for the log.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Make the Ed25519 key that signs the log's checkpoints.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new private signing key file (mode 0600) and print its public verifier key.",
            discussion: """
                The key never goes into the database: whoever holds only the database file cannot sign a rewritten \
                history. Give the printed verifier key (name+keyhash+base64, the C2SP signed-note form) to auditors.
                """)
        @Option(name: .shortAndLong, help: ArgumentHelp("The key file to create (it must not exist).", valueName: "file")) var output: String
        @Option(help: ArgumentHelp("The log's name: the checkpoints' origin line (default quire.local/<random>).", valueName: "name"))
        var name: String?
        @Flag(help: "A witness's key (cosignature/v1, C2SP tlog-cosignature) instead of a log's.") var witness = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let name = name ?? "quire.local/" + (witness ? "witness-" : "") + UUID().uuidString.prefix(8).lowercased()
            let key = try SigningKey(generatingFor: name, kind: witness ? .cosigner : .signer)
            try KeyFile.create(output, contents: key.fileText)
            if json {
                Console.json(["name": name, "file": output, "verifier_key": key.verifier.description])
            } else {
                Console.out(key.verifier.description)
            }
        }
    }
}

enum KeyFile {
    /// Creates `path` readable by its owner alone, refusing to replace an existing file.
    static func create(_ path: String, contents: String) throws(QuireError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw errno == EEXIST ? .invalidInput("\(path) exists already; a key file is never overwritten.")
                                  : .invalidInput("Cannot create \(path): \(String(cString: strerror(errno))).")
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fchmod(fd, 0o600) == 0 else {
            throw .internal("Cannot write \(path): \(String(cString: strerror(errno))).")
        }
    }
}

/// `quire checkpoint`: the log's current signed checkpoint.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the log's current signed checkpoint (C2SP tlog-checkpoint: origin, size, root hash, signature).",
        discussion: """
            Keep it: later, `quire verify --checkpoint FILE` proves the log is still an append-only extension of it. \
            This client also keeps the last checkpoint it saw for the log and refuses (exit 1) one that does not \
            extend it (--no-state to skip).
            """)
    @OptionGroup var options: GlobalOptions
    @OptionGroup var keys: KeyOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Also write the note to this file.", valueName: "file")) var output: String?
    @Option(help: ArgumentHelp("Sign the log as it stood at this many events (default: now).", valueName: "events")) var size: Int64?

    func run() throws {
        let key = try keys.signer()
        let service = try options.openService()
        let view = try service.checkpoint(signedBy: key, size: size)
        if !keys.noState && size == nil {
            try ClientState.check(service, against: TreeHead(origin: view.origin, size: view.size, root: Data(hex: view.rootHex)!),
                                  key: key.verifier)
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(view.note.utf8)) else {
                throw QuireError.invalidInput("Cannot write \(output).")
            }
        }
        if options.json { Console.json(view) } else { FileHandle.standardOutput.write(Data(view.note.utf8)) }
    }
}

/// `quire prove`: one event and its inclusion proof.
struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an event's inclusion proof (RFC 9162) against the current log or a checkpoint, and check it.",
        discussion: "The proof is hashes only; --event prints the event too, for a system admin (--as), as export would.")
    @OptionGroup var options: GlobalOptions
    @OptionGroup var keys: KeyOptions
    @Argument(help: "The event's position (1 is the first event).") var position: Int64
    @Option(help: ArgumentHelp("Prove against this signed checkpoint (its size and root).", valueName: "file")) var checkpoint: String?
    @Flag(help: "Print the event itself too (system admins).") var event = false

    func run() throws {
        let service = try options.openService()
        let signed = try checkpoint.map { path throws(QuireError) in try keys.checkpoint(at: path) }
        let proof = try service.inclusionProof(position: position, size: signed?.head.size, as: event ? options.actorName : .none)
        var view = proof
        let root = signed?.head.root ?? Data(hex: proof.root)!
        let verified = MerkleTree.verifyInclusion(leafHash: Data(hex: proof.leafHash)!, index: proof.leafIndex, size: proof.size,
                                                  proof: proof.proof.map { Data(hex: $0)! }, root: root)
        view.checkpoint = checkpoint
        if options.json {
            Console.json(view)
        } else {
            Console.out("Event \(proof.position) of \(proof.size): hash \(proof.eventHash)")
            Console.out("leaf index \(proof.leafIndex), leaf hash \(proof.leafHash)")
            Console.out("audit path (leaf to root):")
            for p in proof.proof { Console.out("  \(p)") }
            Console.out("root \(root.hex)")
            if let event = proof.event { Console.json(event) }
        }
        guard verified else {
            throw QuireError(.internal, signed == nil
                ? "The proof does not verify against the log's own root: the stored Merkle tree is damaged (quire verify)."
                : "Event \(position) is not in the log that \(checkpoint!) signed: the log was rewritten at or before position \(position).")
        }
        if !options.json {
            Console.out(signed == nil ? "Verified against the log's current root."
                                      : "Verified against the checkpoint \(checkpoint!) (\(signed!.head.origin), size \(signed!.head.size)).")
        }
    }
}

/// `quire witness`: a witness's cosignature on a log's checkpoint.
struct Witness: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cosign a log's checkpoint as a witness (C2SP tlog-cosignature/v1), after proving it extends the last one this witness cosigned.",
        discussion: """
            Run it on another machine with a key of its own (quire key generate --witness): then even whoever holds the \
            log's signing key cannot show two different histories without a witness noticing. The consistency proof comes \
            from --db; the last cosigned checkpoint is kept under $XDG_STATE_HOME/quire/.
            """)
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The log's signed checkpoint (from quire checkpoint or GET /v1/checkpoint).") var checkpoint: String
    @Option(help: ArgumentHelp("The witness's own key file.", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("The log's verifier key, or a file holding it.", valueName: "key")) var logKey: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the cosigned note here instead of stdout.", valueName: "file")) var output: String?

    func run() throws {
        let witness = try SigningKey(contentsOf: key)
        guard witness.kind == .cosigner else {
            throw QuireError.usage("\(key) is a log's key, not a witness's: make one with quire key generate --witness.")
        }
        let text = String(decoding: try Files.read(checkpoint), as: UTF8.self)
        let signed = try SignedCheckpoint(text, verifiedBy: try KeyOptions.verifierKey(logKey))
        try ClientState.check(try options.openService(), against: signed.head, key: witness.verifier)
        var note = signed.note
        note.signatures.removeAll { $0.name == witness.name && $0.keyHash == witness.verifier.keyHash }
        note.signatures.append(try witness.sign(note.text))
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(note.description.utf8)) else {
                throw QuireError.invalidInput("Cannot write \(output).")
            }
        } else {
            FileHandle.standardOutput.write(Data(note.description.utf8))
        }
    }
}

/// `quire consistency`: the proof that one size of the log extends another.
struct Consistency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the consistency proof (RFC 9162) from the log at FROM events to the log at --to (default: now).",
        discussion: "Give it with two checkpoints to events/proofs/verify-proof.py consistency.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The older size (an old checkpoint's second line).") var from: Int64
    @Option(help: ArgumentHelp("The newer size (default: the whole log).", valueName: "size")) var to: Int64?

    func run() throws {
        let proof = try options.openService().consistencyProof(from: from, to: to)
        if options.json {
            Console.json(proof)
        } else {
            Console.out("From \(proof.from) events (root \(proof.fromRoot)) to \(proof.to) (root \(proof.toRoot)):")
            for p in proof.proof { Console.out("  \(p)") }
        }
    }
}

/// The checkpoint checks `verify` runs when it is given checkpoints or a kept state.
struct CheckpointVerification: ParsableArguments {
    @Option(name: .customLong("checkpoint"),
            help: ArgumentHelp("Prove the log is an append-only extension of this signed checkpoint (repeatable).", valueName: "file"))
    var checkpoints: [String] = []
    @OptionGroup var keys: KeyOptions
    @Option(name: .customLong("witness-key"),
            help: ArgumentHelp("A witness's verifier key (or a file holding it) whose cosignature each --checkpoint must carry (repeatable).", valueName: "key"))
    var witnessKeys: [String] = []
    @Option(help: ArgumentHelp("How many of the --witness-key witnesses must have cosigned each checkpoint (default: all of them).", valueName: "n"))
    var minWitnesses: Int?

    /// Reads the checkpoints given, each signed by the log and cosigned by enough witnesses.
    func givenHeads() throws(QuireError) -> [TreeHead] {
        let witnesses = try witnessKeys.map { text throws(QuireError) in try KeyOptions.verifierKey(text) }
        let needed = minWitnesses ?? witnesses.count
        guard needed <= witnesses.count else { throw .usage("--min-witnesses \(needed) needs as many --witness-key options.") }
        return try checkpoints.map { path throws(QuireError) in
            let signed = try keys.checkpoint(at: path)
            let cosigned = witnesses.filter { signed.note.isSigned(by: $0) }.count
            guard cosigned >= needed else {
                throw QuireError(.internal, "\(path) carries \(cosigned) of the \(needed) witness cosignatures required: no witness vouches that it saw this log.")
            }
            return signed.head
        }
    }

    @Option(name: .customLong("from-export"),
            help: ArgumentHelp("Check an export file instead of the database: its chain, and its tree against each --checkpoint.", valueName: "file"))
    var fromExport: String?

    /// `verify --from-export`: offline, from an export; prints what it found and returns whether all holds.
    func runOffline(json: Bool) throws(QuireError) -> Bool {
        guard let fromExport else { return true }
        guard !checkpoints.isEmpty else { throw .usage("verify --from-export needs at least one --checkpoint FILE to compare with.") }
        let heads = try givenHeads()
        guard let input = FileHandle(forReadingAtPath: fromExport) else { throw .invalidInput("There is no readable file \(fromExport).") }
        let result = try QuireService.verifyExport(lines: LineReader(input), against: heads)
        if json {
            Console.json(result)
        } else {
            if let fault = result.chainFault {
                Console.out("Chain BROKEN at position \(fault.position): \(fault.reason).")
            } else {
                Console.out("Chain intact: \(result.events) event\(result.events == 1 ? "" : "s") of \(fromExport) verified.")
            }
            for check in result.checkpoints { Console.out(check.sentence) }
        }
        return result.ok
    }

    /// Checks the log against the checkpoints given and those this client kept; keeps the log's
    /// current tree head when all hold.
    func run(_ service: QuireService) throws(QuireError) -> (ok: Bool, checks: [CheckpointCheck]) {
        let wantsState = !keys.noState && (keys.signingKeyPath != nil || keys.verifierKey != nil)
        guard !checkpoints.isEmpty || wantsState else { return (true, []) }
        let key = try keys.verifier()
        var heads = try givenHeads()
        let kept = wantsState ? ClientState.load(origin: key.name, key: key) : nil
        for head in kept?.heads ?? [] where !heads.contains(head) { heads.append(head) }
        let checks = try service.verify(against: heads)
        let ok = checks.allSatisfy(\.ok)
        if ok && wantsState, let head = try? service.treeHead(origin: key.name) {
            ClientState.save(ClientState(origin: key.name, key: key, adding: head, to: kept))
        }
        return (ok, checks)
    }
}

extension CheckpointCheck {
    /// The sentence `verify` prints.
    var sentence: String {
        if ok { return "Checkpoint of size \(size) holds: the log is an append-only extension of it." }
        let at = firstDifference.map { "position \($0) differs" }
            ?? differsBetween.map { "the first difference is between positions \($0[0]) and \($0[1])" }
        return "Checkpoint of size \(size) FAILS: \(reason ?? "")\(at.map { "; " + $0 } ?? "")."
    }
}

/// `verify --json` with the checkpoint checks added as `checkpoints`.
struct VerifyOutput: Encodable {
    var report: VerifyReport
    var checkpoints: [CheckpointCheck]
    enum CodingKeys: String, CodingKey { case checkpoints }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(checkpoints, forKey: .checkpoints)
    }
}
