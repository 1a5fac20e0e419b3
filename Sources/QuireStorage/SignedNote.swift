import Crypto
import Foundation
import QuireCore

/// A C2SP `signed-note` signer's public half, written `name+keyhash+base64(0x01 ‖ public key)`:
/// what an auditor is given to check checkpoints with (the form Go's `golang.org/x/mod/sumdb/note`
/// and every tlog tool read).
///
///     quire.example/log+9f4a01c2+AbCd…
public struct VerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// The signed-note key type: 0x01 for an Ed25519 note signer (a log), 0x04 for an Ed25519
    /// `cosignature/v1` cosigner (a witness, C2SP tlog-cosignature).
    public enum Kind: UInt8, Sendable { case signer = 0x01, cosigner = 0x04 }

    public let name: String
    public let kind: Kind
    /// The first 4 bytes of `SHA-256(name ‖ 0x0A ‖ kind ‖ key)`, big-endian: names the key on a
    /// signature line.
    public let keyHash: UInt32
    public let publicKey: Data

    public init(name: String, publicKey: Data, kind: Kind = .signer) {
        self.name = name
        self.kind = kind
        self.publicKey = publicKey
        self.keyHash = Self.keyHash(name: name, publicKey: publicKey, kind: kind)
    }

    /// Reads the `name+keyhash+base64` form; the key hash must match the name and key.
    public init(_ text: String) throws(QuireError) {
        // The base64 may hold "+"; the name never does.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, SignedNote.isValidName(String(parts[0])), parts[1].count == 8,
              let hash = UInt32(parts[1], radix: 16), let raw = Data(base64Encoded: String(parts[2])),
              raw.count == 33, let kind = Kind(rawValue: raw[raw.startIndex])
        else { throw .invalidInput("That is not a verifier key: expected name+keyhash+base64 (an Ed25519 signed-note key).") }
        self.init(name: String(parts[0]), publicKey: raw.dropFirst(), kind: kind)
        guard keyHash == hash else { throw .invalidInput("The verifier key's hash does not match its name and key.") }
    }

    public var description: String {
        "\(name)+\(SignedNote.hex8(keyHash))+\((Data([kind.rawValue]) + publicKey).base64EncodedString())"
    }

    static func keyHash(name: String, publicKey: Data, kind: Kind) -> UInt32 {
        let digest = Array(SHA256.hash(data: Data(name.utf8) + Data([0x0A, kind.rawValue]) + publicKey))
        return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Whether `signature` (64 bytes) is this key's over `message`.
    public func verifies(_ signature: Data, over message: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Whether a signature line's bytes (after the key hash) are this key's over a note's `text`:
    /// the signature itself for a signer; for a cosigner an 8-byte big-endian POSIX time and the
    /// signature over `cosignature/v1\ntime <t>\n` and the text.
    public func verifies(line signature: Data, text: String) -> Bool {
        switch kind {
        case .signer:
            return verifies(signature, over: Data(text.utf8))
        case .cosigner:
            guard signature.count == 72 else { return false }
            let time = signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return verifies(signature.dropFirst(8), over: Data(SignedNote.cosignedMessage(text, time: time).utf8))
        }
    }
}

/// An Ed25519 signing key of a signed-note signer, kept in a file of its own, never in the
/// database. The file holds one line in Go's `note` private-key form,
/// `PRIVATE+KEY+name+keyhash+base64(0x01 ‖ seed)`.
public struct SigningKey: Sendable {
    public let name: String
    public let kind: VerifierKey.Kind
    let key: Curve25519.Signing.PrivateKey

    /// A new random key for the signer (or, `.cosigner`, the witness) `name`.
    public init(generatingFor name: String, kind: VerifierKey.Kind = .signer) throws(QuireError) {
        guard SignedNote.isValidName(name) else {
            throw .usage("A key name is one word of printable characters without + (for example quire.example/exams).")
        }
        self.name = name
        self.kind = kind
        self.key = Curve25519.Signing.PrivateKey()
    }

    /// Reads a key file's text.
    public init(fileText text: String) throws(QuireError) {
        let invalid = QuireError.invalidInput("That is not a quire signing key file: expected one line PRIVATE+KEY+name+keyhash+base64.")
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY", SignedNote.isValidName(String(parts[2])),
              let hash = UInt32(parts[3], radix: 16), let raw = Data(base64Encoded: String(parts[4])),
              raw.count == 33, let kind = VerifierKey.Kind(rawValue: raw[raw.startIndex]),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw.dropFirst())
        else { throw invalid }
        self.name = String(parts[2])
        self.kind = kind
        self.key = key
        guard verifier.keyHash == hash else { throw invalid }
    }

    /// Reads the key file at `path`.
    public init(contentsOf path: String) throws(QuireError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidInput("Cannot read the signing key file \(path).")
        }
        try self.init(fileText: String(decoding: data, as: UTF8.self))
    }

    public var fileText: String {
        "PRIVATE+KEY+\(name)+\(SignedNote.hex8(verifier.keyHash))+\((Data([kind.rawValue]) + key.rawRepresentation).base64EncodedString())\n"
    }

    public var verifier: VerifierKey { VerifierKey(name: name, publicKey: key.publicKey.rawRepresentation, kind: kind) }

    /// The signature line for a note's `text`: a signer's signature over it, or a cosigner's
    /// `cosignature/v1` at `time` (POSIX seconds, default now).
    public func sign(_ text: String, time: UInt64? = nil) throws(QuireError) -> SignedNote.Signature {
        do {
            switch kind {
            case .signer:
                return SignedNote.Signature(name: name, keyHash: verifier.keyHash, signature: try key.signature(for: Data(text.utf8)))
            case .cosigner:
                let time = time ?? UInt64(Date().timeIntervalSince1970)
                let signature = try key.signature(for: Data(SignedNote.cosignedMessage(text, time: time).utf8))
                return SignedNote.Signature(name: name, keyHash: verifier.keyHash,
                                            signature: withUnsafeBytes(of: time.bigEndian) { Data($0) } + signature)
            }
        } catch {
            throw .internal("Cannot sign the checkpoint: \(error).")
        }
    }
}

/// A C2SP `signed-note`: a text ending in a newline, a blank line, then one line per signature,
/// `— name base64(keyhash ‖ signature)` (an em dash and a space first).
public struct SignedNote: Sendable, Equatable {
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyHash: UInt32
        public let signature: Data

        public var line: String {
            var hash = withUnsafeBytes(of: keyHash.bigEndian) { Data($0) }
            hash.append(signature)
            return "\u{2014} \(name) \(hash.base64EncodedString())"
        }
    }

    /// The signed text, every line ending in `\n`.
    public let text: String
    public var signatures: [Signature]

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Reads a note; `text` and its signatures, unverified.
    public init(_ note: String) throws(QuireError) {
        let invalid = QuireError.invalidInput("That is not a signed note: expected a text, a blank line and signature lines.")
        guard let split = note.range(of: "\n\n", options: .backwards) else { throw invalid }
        // The signature block is the last blank line's; the text keeps its final newline.
        let text = String(note[..<split.lowerBound]) + "\n"
        var signatures: [Signature] = []
        for line in note[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "\u{2014}", let raw = Data(base64Encoded: String(parts[2])), raw.count > 4
            else { throw invalid }
            let hash = raw.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(Signature(name: String(parts[1]), keyHash: hash, signature: Data(raw.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw invalid }
        self.init(text: text, signatures: signatures)
    }

    /// The note as written: text, blank line, one signature per line.
    public var description: String {
        text + "\n" + signatures.map { $0.line + "\n" }.joined()
    }

    /// Whether one of the signatures is `key`'s and is valid over the text.
    public func isSigned(by key: VerifierKey) -> Bool {
        signatures.contains { $0.name == key.name && $0.keyHash == key.keyHash && key.verifies(line: $0.signature, text: text) }
    }

    /// What a `cosignature/v1` signs (C2SP tlog-cosignature): a header line, the time line and
    /// the checkpoint text.
    static func cosignedMessage(_ text: String, time: UInt64) -> String {
        "cosignature/v1\ntime \(time)\n" + text
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "+" }
    }

    static func hex8(_ n: UInt32) -> String {
        let s = String(n, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}

/// A C2SP `tlog-checkpoint` body: the log's origin, its size and its root hash, one per line.
///
///     quire.example/exams
///     1204
///     kzT2…base64…=
public struct TreeHead: Sendable, Equatable {
    public let origin: String
    public let size: Int64
    public let root: Data

    public init(origin: String, size: Int64, root: Data) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    public var text: String { "\(origin)\n\(size)\n\(root.base64EncodedString())\n" }

    /// Reads a checkpoint body (extension lines after the third are allowed and ignored).
    public init(text: String) throws(QuireError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, !lines[0].isEmpty, let size = Int64(lines[1]), size >= 0, String(size) == lines[1],
              let root = Data(base64Encoded: String(lines[2])), root.count == 32
        else { throw .invalidInput("That is not a checkpoint: expected an origin, a tree size and a base64 root hash.") }
        self.init(origin: String(lines[0]), size: size, root: root)
    }

    /// This tree head signed by `key` as a signed note.
    public func signed(by key: SigningKey) throws(QuireError) -> SignedNote {
        SignedNote(text: text, signatures: [try key.sign(text)])
    }
}

/// A checkpoint as read from a note, with the tree head its text holds.
public struct SignedCheckpoint: Sendable, Equatable {
    public let note: SignedNote
    public let head: TreeHead

    public init(_ note: SignedNote) throws(QuireError) {
        self.note = note
        self.head = try TreeHead(text: note.text)
    }

    /// Reads a checkpoint note and checks that `key` signed it for its own origin.
    public init(_ text: String, verifiedBy key: VerifierKey) throws(QuireError) {
        try self.init(SignedNote(text))
        guard note.isSigned(by: key) else {
            throw .invalidInput("The checkpoint is not signed by \(key.name): its signature does not verify with the log's key.")
        }
        guard head.origin == key.name else {
            throw .invalidInput("The checkpoint is for \(head.origin), not for \(key.name).")
        }
    }
}
