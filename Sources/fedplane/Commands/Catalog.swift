import ArgumentParser
import FedCatalog
import FedDigest
import Foundation

extension Fedplane {
    struct CatalogCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "catalog",
            abstract: "Show the bundled cloud catalog the optimizer uses.",
            subcommands: [List.self]
        )

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List instance offers: cloud, region, type, vCPU, memory, USD/hour.")

            @Option(name: .customLong("cloud"), help: "Only this cloud (aws, gcp, azure).")
            var cloud: String?

            @OptionGroup var output: OutputOptions

            func run() throws {
                let catalog = Catalog.bundled
                if let cloud, !catalog.clouds.contains(cloud) {
                    Console.stderr("error: unknown cloud \"\(cloud)\"; the catalog has \(catalog.clouds.joined(separator: ", "))")
                    throw ExitCode.failure
                }
                let offers = catalog.offers.filter { cloud == nil || $0.region.cloud == cloud }
                if output.json {
                    let doc: JSONValue = [
                        "version": .string(catalog.version),
                        "offers": .array(offers.map { o in
                            ["cloud": .string(o.region.cloud), "region": .string(o.region.region), "instance_type": .string(o.type.name),
                             "vcpu": .number(Double(o.type.vcpu)), "memory_gib": .number(o.type.memoryGiB),
                             "usd_per_hour": .number(o.usdPerHour), "egress_usd_per_gb": .number((try? catalog.egressUsdPerGB(from: o.region)) ?? 0)]
                        }),
                    ]
                    print(doc.canonical)
                    return
                }
                var rows = [["cloud", "region", "instance type", "vCPU", "GiB", "USD/hour", "egress USD/GB"]]
                for o in offers {
                    rows.append([o.region.cloud, o.region.region, o.type.name, "\(o.type.vcpu)", OptimizeView.trim(o.type.memoryGiB),
                                 String(format: "%.4f", o.usdPerHour), String(format: "%.4f", (try? catalog.egressUsdPerGB(from: o.region)) ?? 0)])
                }
                print("Catalog \(catalog.version): \(offers.count) offers\n")
                print(OptimizeView.render(rows), terminator: "")
            }
        }
    }
}

extension OptimizeView {
    static func trim(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}
