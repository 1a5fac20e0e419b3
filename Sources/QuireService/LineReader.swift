import Foundation
import QuireCore

/// Reads a file handle line by line as bytes, without loading it whole: `submit` answers each
/// line as soon as it has committed, also when the lines arrive slowly through a pipe, and
/// `import` reads a log of any size in constant memory.
///
/// A failed read(2) ends the lines like the end of the input does, and says so in `failure`:
/// the caller checks it after the loop, so a directory, an I/O error or a revoked descriptor is
/// reported instead of passing for a short file. A class, so the `for` loop's iterator is the
/// reader whose `failure` the caller reads.
public final class LineReader: Sequence, IteratorProtocol {
    let handle: FileHandle
    /// What the input is called in the error: a path, or "standard input".
    let name: String
    /// Why reading stopped before the end of the input, if it did.
    public private(set) var failure: QuireError?
    /// Bytes read so far, for the error message.
    var offset = 0
    var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts: taking a line moves it instead of shifting bytes.
    var start = 0
    /// Where the search for the next newline resumes: bytes before it were searched already, so
    /// a long line costs linear time, not quadratic.
    var scanned = 0
    var finished = false

    /// Reads at most this much at a time, so a large file never sits in memory whole.
    public static let chunk = 1 << 20
    /// This reader's read size: `chunk`, or smaller so a test or the fuzzer splits lines across reads.
    let chunkSize: Int

    public init(_ handle: FileHandle, name: String = "standard input", chunkSize: Int = LineReader.chunk) {
        self.handle = handle
        self.name = name
        self.chunkSize = Swift.max(1, chunkSize)
    }

    public func next() -> [UInt8]? {
        while true {
            if let line = takeLine() { return line }
            if finished { return takeRest() }
            readChunk()
        }
    }

    /// The next line if it is already here: complete in what was read, or readable now without
    /// waiting (bytes a writer already put in the pipe, or more of a file). `nil` when getting one
    /// would mean waiting for input. `submit`'s group commit takes the lines waiting when a
    /// transaction starts this way, and never waits for more.
    public func nextIfReady() -> [UInt8]? {
        while true {
            if let line = takeLine() { return line }
            if finished { return takeRest() }
            var ready = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 0) > 0 else { return nil }
            readChunk()
        }
    }

    /// A complete line from the buffer, if there is one.
    private func takeLine() -> [UInt8]? {
        guard let newline = buffer[Swift.max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = buffer.count
            return nil
        }
        let line = Array(buffer[start..<newline])
        start = newline + 1
        scanned = start
        return line
    }

    /// At the end of the input: the last line, when it has no newline.
    private func takeRest() -> [UInt8]? {
        guard start < buffer.count else { return nil }
        defer { buffer.removeAll(); start = 0; scanned = 0 }
        return Array(buffer[start...])
    }

    private func readChunk() {
        // Drop what was consumed before reading more.
        if start > 0 {
            buffer.removeSubrange(..<start)
            scanned -= start
            start = 0
        }
        // One read(2): it returns as soon as a pipe has something (so `submit` answers each line
        // as it arrives) and at most a chunk of a file.
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, chunkSize) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                if count < 0 { failure = Self.readError(errno, name: name, offset: offset) }
                finished = true
            }
            return
        }
    }

    /// A directory is the user's mistake (65); any other failed read is the machine's (1).
    static func readError(_ code: Int32, name: String, offset: Int) -> QuireError {
        let reason = String(cString: strerror(code))
        if code == EISDIR { return .invalidInput("\(name) is a directory, not a file of lines.") }
        return .internal("Reading \(name) failed after \(offset) bytes: \(reason).")
    }
}
