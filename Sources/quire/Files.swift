import Foundation
import QuireCore

/// Reading input files with one-sentence errors.
enum Files {
    static func read(_ path: String) throws(QuireError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .invalidInput("There is no file \(path).")
        }
        guard !isDirectory.boolValue else { throw .invalidInput("\(path) is a directory, not a file.") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidInput("\(path) cannot be read.") }
        return data
    }
}
