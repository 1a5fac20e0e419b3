import Foundation

/// `LineReader` (what `submit` and `import` read through) against splitting the bytes at
/// every `\n`: the same lines, the last one without its newline, no empty line invented at the
/// end, and no read error, whatever the read size. The one-byte input 0xFF instead reads a
/// directory: that must end in a reported failure and no lines.
@Sendable func fuzzLineReader(_ input: UnsafeBufferPointer<UInt8>) {
    if input.count == 1, input[0] == 0xFF {
        let fd = open("/", O_RDONLY)
        guard fd >= 0 else { return }
        let reader = LineReader(FileHandle(fileDescriptor: fd, closeOnDealloc: true), name: "/")
        var count = 0
        for _ in reader { count += 1 }
        guard count == 0, reader.failure?.code == .invalidInput else { disagree("a directory read as lines", input) }
        return
    }
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return }
    var written = 0
    while written < input.count {
        let n = write(fds[1], input.baseAddress! + written, input.count - written)
        guard n > 0 else { break }
        written += n
    }
    close(fds[1])
    // Small reads, of a size the input picks, so lines and newlines fall across read boundaries.
    let reader = LineReader(FileHandle(fileDescriptor: fds[0], closeOnDealloc: true), chunkSize: 1 + input.count % 61)
    var lines: [[UInt8]] = []
    for line in reader { lines.append(line) }
    var expected = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
    if expected.last == [] { expected.removeLast() }
    guard reader.failure == nil else { disagree("a pipe read failed", input) }
    guard lines == expected else { disagree("LineReader gave \(lines.count) lines, not \(expected.count)", input) }
}
