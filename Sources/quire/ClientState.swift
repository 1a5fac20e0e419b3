import Foundation
import QuireCore
import QuireService
import QuireStorage

/// The checkpoints this client has verified for one log, kept under `$XDG_STATE_HOME/quire/`
/// (else `~/.local/state/quire/`) in a file named by the log's origin and key hash, like immudb's
/// `.state-<server>`. Every new checkpoint must extend the newest kept one; a log rewritten
/// behind the client's back is refused. Several sizes are kept so that a rewrite is located
/// between two of them.
struct ClientState: Codable {
    struct Entry: Codable, Equatable {
        var size: Int64
        var root: String  // base64, as on a checkpoint
    }

    var origin: String
    var verifierKey: String
    var checkpoints: [Entry]

    enum CodingKeys: String, CodingKey { case origin, verifierKey = "verifier_key", checkpoints }

    /// How many sizes are kept.
    static let limit = 64

    init(origin: String, key: VerifierKey, adding head: TreeHead, to kept: ClientState?) {
        self.origin = origin
        self.verifierKey = key.description
        var entries = (kept?.checkpoints ?? []).filter { $0.size != head.size }
        entries.append(Entry(size: head.size, root: head.root.base64EncodedString()))
        entries.sort { $0.size < $1.size }
        checkpoints = Array(entries.suffix(Self.limit))
    }

    var heads: [TreeHead] {
        checkpoints.compactMap { e in Data(base64Encoded: e.root).map { TreeHead(origin: origin, size: e.size, root: $0) } }
    }

    static var directory: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: env["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".local/state")
        return base.appendingPathComponent("quire")
    }

    static func file(origin: String, key: VerifierKey) -> URL {
        let safe = String(origin.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" ? Character($0) : "_" })
        return directory.appendingPathComponent("state-\(safe)-\(String(format: "%08x", key.keyHash)).json")
    }

    static func load(origin: String, key: VerifierKey) -> ClientState? {
        guard let data = FileManager.default.contents(atPath: file(origin: origin, key: key).path) else { return nil }
        return try? JSONDecoder().decode(ClientState.self, from: data)
    }

    /// Saves the state; a client that cannot write its state warns and goes on.
    static func save(_ state: ClientState) {
        guard let key = try? VerifierKey(state.verifierKey) else { return }
        let url = file(origin: state.origin, key: key)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let data = try JSONEncoder().encode(state)
            try data.write(to: url, options: .atomic)
        } catch {
            Console.warning("Could not keep the checkpoint in \(url.path): \(error.localizedDescription)")
        }
    }

    /// Checks `head` (the log as the service shows it now) against the newest checkpoint kept for
    /// the log with a consistency proof, then keeps it. Throws, naming the state file, when the log
    /// is not an extension of what this client saw before.
    static func check(_ service: QuireService, against head: TreeHead, key: VerifierKey) throws(QuireError) {
        let kept = load(origin: head.origin, key: key)
        if let last = kept?.heads.last {
            let path = file(origin: head.origin, key: key).path
            let refused = { (why: String) in
                QuireError(.internal, "This log is not an extension of the one this client saw before (\(last.size) events, kept in \(path)): \(why). Someone rewrote it; keep that file as evidence.")
            }
            if head.size < last.size { throw refused("it now has only \(head.size) events") }
            let proof = try service.consistencyProof(from: last.size, to: head.size)
            guard MerkleTree.verifyConsistency(old: last.size, new: head.size, oldRoot: last.root, newRoot: head.root,
                                               proof: proof.proof.compactMap { Data(hex: $0) })
            else { throw refused("its first \(last.size) events are not the ones seen then") }
        }
        save(ClientState(origin: head.origin, key: key, adding: head, to: kept))
    }
}
