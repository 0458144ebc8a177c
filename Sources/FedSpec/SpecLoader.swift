import Foundation

/// What loading a spec produced: the spec when it has no errors, and every diagnostic.
public struct SpecLoadResult: Sendable {
    public var spec: Spec?
    public var diagnostics: Diagnostics
}

/// The one entry point from a file to a validated `Spec`.
public struct SpecLoader: Sendable {
    public var credentialCheck: CredentialCheck
    public var environment: [String: String]
    /// Catalog regions (`aws/us-east-1`) that locations may name; nil skips the check.
    public var knownRegions: Set<String>?
    public var limits: YAMLParser.Limits

    public init(credentialCheck: CredentialCheck = .warn,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                knownRegions: Set<String>? = nil,
                limits: YAMLParser.Limits = .init()) {
        self.credentialCheck = credentialCheck
        self.environment = environment
        self.knownRegions = knownRegions
        self.limits = limits
    }

    public func load(path: String) -> SpecLoadResult {
        let url = URL(fileURLWithPath: path)
        // Type and size are checked before reading: a FIFO, a device or a huge file is refused
        // without blocking or loading it.
        let bytes: [UInt8]
        do {
            bytes = try ReferencedFile.read(path, kind: .spec, limit: limits.maxBytes)
        } catch {
            if error.reason == "no such file" { return failure(path, "no such file") }
            if error.reason.hasPrefix("is a directory") { return failure(path, "is a directory, not a spec file") }
            return failure(path, error.reason)
        }
        return load(bytes: bytes, file: path, directory: url.deletingLastPathComponent())
    }

    public func load(bytes: [UInt8], file: String, directory: URL? = nil) -> SpecLoadResult {
        let ctx = DecodeContext(file: file)
        let (root, yamlErrors) = YAMLParser(limits: limits).parse(bytes)
        for e in yamlErrors { ctx.diagnostics.append(Diagnostic(.error, file: file, mark: e.mark, path: "", message: e.message)) }
        guard let root else { return SpecLoadResult(spec: nil, diagnostics: ctx.diagnostics) }
        SecretScan.run(root, ctx: ctx)
        let decoded = SpecDecoder(ctx: ctx).decode(root)
        if let spec = decoded {
            SpecValidator(spec: spec, ctx: ctx, knownRegions: knownRegions).run()
            let dir = directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            CredentialReferenceCheck(spec: spec, ctx: ctx, mode: credentialCheck, environment: environment,
                                     specDirectory: dir).run()
            FlowerAppReferenceCheck(spec: spec, ctx: ctx, specDirectory: dir).run()
        }
        let spec = ctx.diagnostics.hasErrors ? nil : decoded
        return SpecLoadResult(spec: spec, diagnostics: ctx.diagnostics)
    }

    private func failure(_ path: String, _ message: String) -> SpecLoadResult {
        SpecLoadResult(spec: nil, diagnostics: Diagnostics([Diagnostic(.error, file: path, mark: nil, path: "", message: message)]))
    }
}
