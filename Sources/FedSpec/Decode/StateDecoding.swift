import Foundation

extension SpecDecoder {
    /// `state: { backend: postgres, url: ${env:NAME} }` or `state: { backend: sqlite, path: FILE }`.
    func decodeState(_ f: Field) -> StateSpec? {
        guard let m = f.mapping(["backend", "url", "path"]) else { return nil }
        guard let bf = m.required("backend"), let name = bf.text() else { return nil }
        guard let backend = StateSpec.Backend(rawValue: name) else {
            bf.error("unknown state backend \(bf.got); use sqlite or postgres")
            return nil
        }
        var spec = StateSpec(backend: backend, urlVariable: nil, path: nil, mark: f.mark)
        switch backend {
        case .postgres:
            if let pf = m["path"] { pf.error("a postgres state has no path; it is the database at url") }
            guard var uf = m.required("url") else { return nil }
            uf.sensitive = true  // a pasted URL may hold a password: never echo it
            guard let u = uf.text() else { return nil }
            let inner = u.hasPrefix("${env:") && u.hasSuffix("}") ? String(u.dropFirst(6).dropLast()) : nil
            guard let inner, Self.matches(Self.envNamePattern, inner) else {
                uf.error("reference the connection URL from the environment, e.g. url: ${env:FEDPLANE_PG_URL}; it carries a password, so it is never written in the spec")
                return nil
            }
            spec.urlVariable = inner
        case .sqlite:
            if let uf = m["url"] { uf.error("a sqlite state has no url; give path: FILE (or leave state out for .fedplane/<name>.db)") }
            spec.path = m["path"].flatMap { $0.text() }
        }
        return spec
    }
}
