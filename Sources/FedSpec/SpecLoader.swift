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
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return failure(path, "no such file")
        }
        if isDir.boolValue { return failure(path, "is a directory, not a spec file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxBytes {
            return failure(path, "the file is \(ByteCountText.describe(size)); a spec may be at most \(ByteCountText.describe(limits.maxBytes))")
        }
        // Read at most one byte past the limit: a huge file is refused without loading it all.
        guard let handle = try? FileHandle(forReadingFrom: url) else { return failure(path, "cannot be read (permission denied?)") }
        defer { try? handle.close() }
        let data = ((try? handle.read(upToCount: limits.maxBytes + 1)) ?? nil) ?? Data()
        return load(bytes: [UInt8](data), file: path, directory: url.deletingLastPathComponent())
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
        }
        let spec = ctx.diagnostics.hasErrors ? nil : decoded
        return SpecLoadResult(spec: spec, diagnostics: ctx.diagnostics)
    }

    private func failure(_ path: String, _ message: String) -> SpecLoadResult {
        SpecLoadResult(spec: nil, diagnostics: Diagnostics([Diagnostic(.error, file: path, mark: nil, path: "", message: message)]))
    }
}
