import FedSpec

/// Why a plan could not be made, pointing into the spec where that helps.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var mark: SourceMark?
    public var path: String
    public var message: String

    public init(mark: SourceMark? = nil, path: String = "", message: String) {
        self.mark = mark
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }

    /// As a positioned diagnostic of `file`.
    public func diagnostic(file: String) -> Diagnostic {
        Diagnostic(.error, file: file, mark: mark, path: path, message: message)
    }
}
