extension SpecDecoder {
    static let defaultBandwidth = Bandwidth(bitsPerSecond: 100e6)
    static let defaultMinResources = Resources(vcpu: 1, memoryGiB: 1, diskGiB: 1)

    /// Participants best-effort: a field that fails leaves a placeholder (empty name, defaults)
    /// and its error, so the other participants and the cross-checks are still reported.
    func decodeParticipants(_ f: Field) -> [ParticipantSpec] {
        guard let items = f.sequence() else { return [] }
        if items.isEmpty { f.error("list at least one participant") }
        return items.compactMap(decodeParticipant)
    }

    private func decodeParticipant(_ f: Field) -> ParticipantSpec? {
        guard let m = f.mapping(["name", "cloud", "location", "bandwidth", "data", "minResources", "vms", "networks"]) else { return nil }
        let name = m.required("name").flatMap(name) ?? ""
        let cf = m.required("cloud")
        let lf = m.required("location")
        let bandwidth = m["bandwidth"].flatMap { bf -> Bandwidth? in
            guard let b = bf.unit(Bandwidth.parse) else { return nil }
            if b.bitsPerSecond <= 0 { bf.error("expected a positive bandwidth, got \(bf.got)"); return nil }
            return b
        }
        return ParticipantSpec(
            name: name, cloud: cf?.text() ?? "", location: lf.flatMap(decodeLocation) ?? "",
            bandwidth: bandwidth ?? Self.defaultBandwidth,
            data: m["data"].flatMap(decodeData) ?? DataSpec(path: nil, samples: nil),
            minResources: m["minResources"].flatMap { decodeResources($0) } ?? Self.defaultMinResources,
            vms: m.required("vms").map(decodeVMs) ?? [],
            networks: m["networks"].map(networks) ?? [],
            mark: f.mark, cloudMark: cf?.mark ?? f.mark, locationMark: lf?.mark ?? f.mark)
    }

    /// `cloud/region`, e.g. `aws/us-east-1`: the catalog region the participant is near.
    private func decodeLocation(_ f: Field) -> String? {
        guard let s = f.text() else { return nil }
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            f.error("expected a catalog region as cloud/region (e.g. aws/us-east-1), got \(f.got)")
            return nil
        }
        return s
    }

    private func decodeData(_ f: Field) -> DataSpec? {
        guard let m = f.mapping(["path", "samples", "label"]) else { return nil }
        return DataSpec(path: m["path"]?.text(), samples: m["samples"]?.int(atLeast: 1), label: m["label"]?.text())
    }

    func decodeResources(_ f: Field) -> Resources? {
        guard let m = f.mapping(["vcpu", "memoryGiB", "diskGiB"]) else { return nil }
        return resources(from: m, required: false)
    }

    /// Reads vcpu/memoryGiB/diskGiB; `required` when they describe a real machine.
    private func resources(from m: MappingReader, required: Bool) -> Resources? {
        func field(_ key: String) -> Field? { required ? m.required(key) : m[key] }
        let d = Self.defaultMinResources
        let vcpu = field("vcpu").map { $0.int(atLeast: 1) } ?? d.vcpu
        let mem = field("memoryGiB").map { $0.double(positive: true) } ?? d.memoryGiB
        let disk = field("diskGiB").map { $0.double(positive: true) } ?? d.diskGiB
        guard let vcpu, let mem, let disk else { return nil }
        return Resources(vcpu: vcpu, memoryGiB: mem, diskGiB: disk)
    }

    private func decodeVMs(_ f: Field) -> [VMSpec] {
        guard let items = f.sequence() else { return [] }
        if items.isEmpty { f.error("list at least one VM this participant can train on") }
        return items.compactMap { item -> VMSpec? in
            guard let m = item.mapping(["id", "vcpu", "memoryGiB", "diskGiB", "state", "host", "port", "user", "workdir"]) else { return nil }
            let id = m.required("id").flatMap(name) ?? ""
            let res = resources(from: m, required: true) ?? Self.defaultMinResources
            let state = m["state"].flatMap { $0.oneOf(VMState.self) } ?? .active
            var port: Int?
            if let pf = m["port"], let p = pf.int(atLeast: 1) {
                if p > 65535 { pf.error("expected a TCP port (1–65535), got \(pf.got)") } else { port = p }
            }
            return VMSpec(id: id, resources: res, state: state, host: m["host"]?.text(), port: port, user: m["user"]?.text(),
                          workdir: m["workdir"]?.text(), mark: item.mark)
        }
    }
}
