import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare HTTP/1.1 exchange over a loopback socket, for requests no HTTP client would send (a
/// Content-Length that the body never fills).
enum RawHTTP {
    static func exchange(port: Int, send text: String, timeoutSeconds: Int = 10) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchangeNow(port: port, send: text, timeoutSeconds: timeoutSeconds) })
            }
        }
    }

    struct SocketError: Error { var what: String }

    static func exchangeNow(port: Int, send text: String, timeoutSeconds: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(what: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketError(what: "connect") }
        let bytes = Array(text.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw SocketError(what: "write") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }  // closed, or timed out
            received += buffer[0..<n]
            let text = String(decoding: received, as: UTF8.self)
            // Enough once the head and a JSON body have arrived.
            if let end = text.range(of: "\r\n\r\n"), text[end.upperBound...].contains("}}") { break }
        }
        return String(decoding: received, as: UTF8.self)
    }
}
