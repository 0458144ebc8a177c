/// Why a document could not become a node tree. Carries a position; the file name is added by the caller.
public struct YAMLError: Error, Sendable, Equatable {
    public var mark: SourceMark?
    public var message: String
}
