import Foundation

/// Reads a file handle line by line as bytes, without loading it whole: `submit` answers each
/// line as soon as it has committed, also when the lines arrive slowly through a pipe, and
/// `import` reads a log of any size in constant memory.
public struct LineReader: Sequence, IteratorProtocol {
    let handle: FileHandle
    var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts: taking a line moves it instead of shifting bytes.
    var start = 0
    /// Where the search for the next newline resumes: bytes before it were searched already, so
    /// a long line costs linear time, not quadratic.
    var scanned = 0
    var finished = false

    /// Reads at most this much at a time, so a large file never sits in memory whole.
    static let chunk = 1 << 20

    public init(_ handle: FileHandle) { self.handle = handle }

    public mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer[Swift.max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                scanned = start
                return line
            }
            scanned = buffer.count
            if finished {
                guard start < buffer.count else { return nil }
                defer { buffer.removeAll(); start = 0; scanned = 0 }
                return Array(buffer[start...])
            }
            // Drop what was consumed before reading more.
            if start > 0 {
                buffer.removeSubrange(..<start)
                scanned -= start
                start = 0
            }
            // One read(2): it returns as soon as a pipe has something (so `submit` answers each line
            // as it arrives) and at most a chunk of a file.
            var chunk = [UInt8](repeating: 0, count: Self.chunk)
            let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, Self.chunk) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                finished = true
            }
        }
    }
}
