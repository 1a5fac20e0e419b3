import Foundation

/// Reads a file handle line by line as bytes, without loading it whole: `submit` answers each
/// line as soon as it has committed, also when the lines arrive slowly through a pipe, and
/// `import` reads a log of any size in constant memory.
public struct LineReader: Sequence, IteratorProtocol {
    let handle: FileHandle
    var buffer: [UInt8] = []
    var finished = false

    public init(_ handle: FileHandle) { self.handle = handle }

    public mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            if finished {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return buffer
            }
            let chunk = handle.availableData
            if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
