import FedCloud
import FedDigest
import Foundation

extension AWSProvider {
    /// Key pair, security group, then the instance; each found by name or tag before it is made.
    func createAggregator(_ request: ResourceRequest) throws(ProviderError) -> ObservedResource {
        let address = request.address
        let region = request.inputs["region"]?.stringValue ?? settings.region
        guard let instanceType = request.inputs["instanceType"]?.stringValue else {
            throw ProviderError(provider: "aws", address: address, operation: "plan", message: "no instanceType in the request", retryable: false)
        }
        let firewall = Firewall(request, settings: settings)
        guard !firewall.clients.isEmpty else {
            throw ProviderError(provider: instance, address: address, operation: "plan",
                                message: "no participant declares networks: the aggregator's firewall would admit none of them (give participants[].networks: [CIDR, …], where each one's traffic comes from)", retryable: false)
        }
        let ec2 = try ec2(address, region: region)
        var step = "DescribeInstances"
        do {
            if let existing = try find(ec2, address: address) {
                // Adopted (a retried or interrupted create, or an update): its firewall is
                // brought to the spec's networks too.
                step = "security group"
                _ = try ensureSecurityGroup(ec2, address: address, firewall: firewall)
                step = "DescribeInstances"
                return observe(try waitRunning(ec2, existing, address: address), region: region, address: address)
            }
            step = "key pair"
            let keyName = try ensureKeyPair(ec2, address: address)
            step = "security group"
            let groupID = try ensureSecurityGroup(ec2, address: address, firewall: firewall)
            step = "image"
            let image = try imageID(ec2)
            step = "RunInstances"
            // Same lineage, address and inputs: same token, so AWS itself refuses a second
            // instance for a retried call; the lookup by tag covers emulators that ignore it.
            let token = SHA256.hex("\(settings.lineage() ?? settings.federation)|\(address)|\(request.inputs.canonical)").prefix(32)
            let params: [(String, String)] = [
                ("ImageId", image), ("InstanceType", instanceType), ("MinCount", "1"), ("MaxCount", "1"),
                ("KeyName", keyName), ("SecurityGroupId.1", groupID), ("ClientToken", String(token)),
            ] + EC2.tagSpecification(1, resourceType: "instance", tags: tags(address))
            let xml = try ec2.call("RunInstances", params, beforeRetry: { _ throws(AWSAPIError) -> XMLNode? in
                // The failed attempt may have launched the instance (a dropped answer): adopt it.
                guard let found = try find(ec2, address: address) else { return nil }
                return XMLNode(name: "adopted", children: [XMLNode(name: "instanceId", children: [], text: found.id)], text: "")
            })
            let id = xml.name == "adopted" ? xml.field("instanceId") : xml.items("instancesSet").first?.field("instanceId")
            guard let id else {
                throw AWSAPIError(kind: .malformed, service: "ec2", action: "RunInstances", endpoint: ec2.client.endpoint(for: "ec2").description,
                                  status: 200, code: "Malformed", message: "no instanceId in the answer", requestID: xml.value("requestId"), retryable: false)
            }
            step = "DescribeInstances"
            guard let launched = try ec2.describeInstance(id: id) else {
                throw AWSAPIError(kind: .api, service: "ec2", action: "DescribeInstances", endpoint: ec2.client.endpoint(for: "ec2").description,
                                  status: 200, code: "NotFound", message: "instance \(id) launched but not found", requestID: nil, retryable: true)
            }
            return observe(try waitRunning(ec2, launched, address: address), region: region, address: address)
        } catch let e as AWSAPIError {
            throw fail(address, step, e)
        } catch {
            throw ProviderError(provider: "aws", address: address, operation: step, message: "\(error)", retryable: false)
        }
    }

    /// Bounded polling until `running`.
    func waitRunning(_ ec2: EC2, _ instance: EC2Instance, address: String) throws(AWSAPIError) -> EC2Instance {
        var current = instance
        var polls = 0
        while current.state != "running" {
            guard current.state == "pending", polls < settings.pollAttempts else {
                throw AWSAPIError(kind: .api, service: "ec2", action: "DescribeInstances", endpoint: ec2.client.endpoint(for: "ec2").description,
                                  status: 200, code: "InstanceNotRunning",
                                  message: "instance \(current.id) is \(current.state) after \(polls) polls, not running", requestID: nil, retryable: false)
            }
            Thread.sleep(forTimeInterval: settings.pollInterval)
            polls += 1
            current = try ec2.describeInstance(id: current.id) ?? current
        }
        return current
    }

    /// A key generated here with ssh-keygen (the private half never leaves this machine, 0600
    /// beside the state) and imported under the resource's name.
    func ensureKeyPair(_ ec2: EC2, address: String) throws(AWSAPIError) -> String {
        let keyName = name(address)
        let file = keyFile(address)
        let existing = try ec2.call("DescribeKeyPairs", EC2.filters([("key-name", [keyName])])).items("keySet")
        if !existing.isEmpty {
            if FileManager.default.fileExists(atPath: file.path) { return keyName }
            // Imported by a run whose private key is gone: useless, replace it.
            _ = try ec2.call("DeleteKeyPair", [("KeyName", keyName)])
        }
        let publicKey: String
        do { publicKey = try generateKey(file) } catch {
            throw AWSAPIError(kind: .malformed, service: "ec2", action: "ImportKeyPair", endpoint: "ssh-keygen", status: nil, code: "KeyGeneration",
                              message: "\(error)", requestID: nil, retryable: false)
        }
        _ = try ec2.call("ImportKeyPair", [("KeyName", keyName), ("PublicKeyMaterial", Data(publicKey.utf8).base64EncodedString())]
                         + EC2.tagSpecification(1, resourceType: "key-pair", tags: tags(address)))
        return keyName
    }

    struct KeyGenerationError: Error, CustomStringConvertible { var description: String }

    func generateKey(_ file: URL) throws -> String {
        try FileManager.default.createDirectory(at: settings.keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? FileManager.default.removeItem(at: file)
        try? FileManager.default.removeItem(atPath: file.path + ".pub")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fedplane \(settings.federation)", "-f", file.path]
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw KeyGenerationError(description: "ssh-keygen failed: \(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        return try String(contentsOfFile: file.path + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Who may reach an aggregator VM: its port from its clients' networks (the participants it
    /// serves, the regional aggregators that post to it) and from the operator's, whose fedplane
    /// drives each round; SSH from the operator's only. The request's inputs say it (the plan
    /// computes them per aggregator); the cloud's settings are the fallback for a request
    /// without them.
    struct Firewall {
        var clients: [String]
        var operators: [String]

        init(_ request: ResourceRequest, settings: Settings) {
            func cidrs(_ key: String) -> [String]? {
                guard case .array(let items)? = request.inputs[key] else { return nil }
                return items.compactMap(\.stringValue)
            }
            clients = cidrs("participantNetworks") ?? settings.participantCIDRs
            operators = cidrs("operatorNetworks") ?? settings.operatorCIDRs
        }

        func rules(port: Int) -> [Int: Set<String>] {
            [port: Set(clients).union(operators), 22: Set(operators)]
        }
    }

    /// The group that opens the aggregator's port and SSH as `firewall` says; nothing else. An
    /// existing group is brought to exactly these rules (networks changed in the spec are an
    /// update in place, not a new VM).
    func ensureSecurityGroup(_ ec2: EC2, address: String, firewall: Firewall) throws(AWSAPIError) -> String {
        let groupName = name(address)
        let id: String
        var current: [Int: Set<String>] = [:]
        if let group = try ec2.call("DescribeSecurityGroups", EC2.filters([("group-name", [groupName])])).items("securityGroupInfo").first,
           let existing = group.field("groupId") {
            id = existing
            for permission in group.items("ipPermissions") where permission.field("ipProtocol") == "tcp" {
                guard let from = permission.field("fromPort").flatMap(Int.init), permission.field("toPort").flatMap(Int.init) == from else { continue }
                for range in permission.items("ipRanges") { if let c = range.field("cidrIp") { current[from, default: []].insert(c) } }
                for range in permission.items("ipv6Ranges") { if let c = range.field("cidrIpv6") { current[from, default: []].insert(c) } }
            }
        } else {
            let created = try ec2.call("CreateSecurityGroup", [("GroupName", groupName),
                                                              ("GroupDescription", "fedplane aggregator of \(settings.federation)")]
                                       + EC2.tagSpecification(1, resourceType: "security-group", tags: tags(address)))
            guard let made = created.value("groupId") else {
                throw AWSAPIError(kind: .malformed, service: "ec2", action: "CreateSecurityGroup", endpoint: ec2.client.endpoint(for: "ec2").description,
                                  status: 200, code: "Malformed", message: "no groupId", requestID: created.value("requestId"), retryable: false)
            }
            id = made
        }
        let wanted = firewall.rules(port: settings.aggregatorPort)
        for port in Set(wanted.keys).union(current.keys).sorted() {
            let want = wanted[port] ?? [], have = current[port] ?? []
            let add = want.subtracting(have).sorted(), remove = have.subtracting(want).sorted()
            if !add.isEmpty {
                // A rule already there (a create retried after this point) is what we want.
                do { _ = try ec2.call("AuthorizeSecurityGroupIngress", Self.permission(group: id, port: port, cidrs: add)) }
                catch where error.code == "InvalidPermission.Duplicate" {}
            }
            if !remove.isEmpty {
                do { _ = try ec2.call("RevokeSecurityGroupIngress", Self.permission(group: id, port: port, cidrs: remove)) }
                catch where error.code == "InvalidPermission.NotFound" {}
            }
        }
        return id
    }

    static func permission(group: String, port: Int, cidrs: [String]) -> [(String, String)] {
        var params = [("GroupId", group), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "\(port)"),
                      ("IpPermissions.1.ToPort", "\(port)")]
        var v4 = 0, v6 = 0
        for cidr in cidrs {
            if cidr.contains(":") {
                v6 += 1
                params.append(("IpPermissions.1.Ipv6Ranges.\(v6).CidrIpv6", cidr))
            } else {
                v4 += 1
                params.append(("IpPermissions.1.IpRanges.\(v4).CidrIp", cidr))
            }
        }
        return params
    }

    func imageID(_ ec2: EC2) throws(AWSAPIError) -> String {
        if let id = settings.imageID { return id }
        let images = try ec2.call("DescribeImages", [("Owner.1", settings.imageOwner)]
                                  + EC2.filters([("name", [settings.imageNamePattern]), ("state", ["available"]), ("architecture", ["x86_64"])]))
            .items("imagesSet")
        // Newest first: creation date, then the name (which ends in the build date).
        guard let best = images.max(by: { ($0.field("creationDate") ?? "", $0.field("name") ?? "") < ($1.field("creationDate") ?? "", $1.field("name") ?? "") }),
              let id = best.field("imageId") else {
            throw AWSAPIError(kind: .api, service: "ec2", action: "DescribeImages", endpoint: ec2.client.endpoint(for: "ec2").description, status: 200,
                              code: "NoImage", message: "no image owned by \(settings.imageOwner) matches \(settings.imageNamePattern)", requestID: nil, retryable: false)
        }
        return id
    }

    /// Terminate, wait until terminated, then the security group and key pair: in dependency order.
    func deleteAggregator(_ address: String) throws(ProviderError) {
        let ec2 = try ec2(address, region: settings.recordedRegions[address])
        var step = "DescribeInstances"
        do {
            let instances = try ec2.describeInstances(filters: tagFilters(address) + [("instance-state-name", ["pending", "running", "stopping", "stopped", "shutting-down"])])
            if !instances.isEmpty {
                step = "TerminateInstances"
                _ = try ec2.call("TerminateInstances", instances.enumerated().map { ("InstanceId.\($0.offset + 1)", $0.element.id) })
                for i in instances {
                    var polls = 0
                    while let s = try ec2.describeInstance(id: i.id), s.state != "terminated", polls < settings.pollAttempts {
                        Thread.sleep(forTimeInterval: settings.pollInterval)
                        polls += 1
                    }
                }
            }
            step = "DeleteSecurityGroup"
            for g in try ec2.call("DescribeSecurityGroups", EC2.filters([("group-name", [name(address)])])).items("securityGroupInfo") {
                guard let id = g.field("groupId") else { continue }
                do { _ = try ec2.call("DeleteSecurityGroup", [("GroupId", id)]) } catch where error.code == "InvalidGroup.NotFound" {}
            }
            step = "DeleteKeyPair"
            if !(try ec2.call("DescribeKeyPairs", EC2.filters([("key-name", [name(address)])])).items("keySet")).isEmpty {
                _ = try ec2.call("DeleteKeyPair", [("KeyName", name(address))])
            }
            try? FileManager.default.removeItem(at: keyFile(address))
            try? FileManager.default.removeItem(atPath: keyFile(address).path + ".pub")
        } catch {
            throw fail(address, step, error)
        }
    }
}
