import Foundation

/// A form post's fields: `application/x-www-form-urlencoded`, or `multipart/form-data` (the
/// paper upload), whose file parts keep their bytes and file name.
struct FormData {
    var fields: [String: String] = [:]
    var files: [String: (fileName: String, data: Data)] = [:]

    subscript(name: String) -> String? { fields[name] }

    static func parse(_ body: Data, contentType: String?) throws -> FormData {
        let type = contentType?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") {
            guard let boundary = parameter("boundary", of: contentType ?? "") else {
                throw APIError.badRequest("A multipart form must name its boundary.")
            }
            return try multipart(body, boundary: boundary)
        }
        return urlEncoded(body)
    }

    static func urlEncoded(_ body: Data) -> FormData {
        var form = FormData()
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            form.fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return form
    }

    /// `boundary=…` (quoted or not) from a Content-Type.
    static func parameter(_ name: String, of header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = kv[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// RFC 7578: parts separated by `--boundary`, each with headers, a blank line and its bytes.
    static func multipart(_ body: Data, boundary: String) throws -> FormData {
        var form = FormData()
        let delimiter = Data("--\(boundary)".utf8)
        let crlf = Data("\r\n".utf8), blank = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw APIError.badRequest("The multipart form has no part.")
        }
        while cursor < body.endIndex {
            // After a delimiter: "--" ends the form, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: crlf) else { throw APIError.badRequest("The multipart form is malformed.") }
            let headStart = cursor + 2
            guard let headEnd = body.range(of: blank, in: headStart..<body.endIndex) else {
                throw APIError.badRequest("A part of the multipart form has no end to its headers.")
            }
            let head = String(decoding: body[headStart..<headEnd.lowerBound], as: UTF8.self)
            let contentStart = headEnd.upperBound
            guard let next = body.range(of: crlf + delimiter, in: contentStart..<body.endIndex) else {
                throw APIError.badRequest("The multipart form ends in the middle of a part.")
            }
            let content = body[contentStart..<next.lowerBound]
            var name: String?, fileName: String?
            for line in head.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = parameter("name", of: line)
                fileName = parameter("filename", of: line)
            }
            if let name {
                if let fileName {
                    form.files[name] = (fileName, Data(content))
                } else {
                    form.fields[name] = String(decoding: content, as: UTF8.self)
                }
            }
            cursor = next.upperBound
        }
        return form
    }
}
