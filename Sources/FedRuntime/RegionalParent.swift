import FedHTTP
import Foundation
import Hummingbird

/// Where a regional aggregator (hierarchical topology, issue 16) sends each closed round: the
/// global aggregator's endpoint, the name it contributes under there, and its own client
/// certificate (the one that is also its server certificate toward its participants).
public struct ParentLink: Codable, Sendable, Equatable {
    public var endpoint: String
    /// The regional aggregator's name (`1` for `aggregator.regional.1`).
    public var name: String
    public var tls: ClientTLS?

    public init(endpoint: String, name: String, tls: ClientTLS?) {
        self.endpoint = endpoint
        self.name = name
        self.tls = tls
    }

    /// The contributor name the parent knows it by.
    public var contributor: String { Caller.regional(name).contributorName! }

    /// Posts round `r`'s result as ONE contribution: the children's FedAvg (already the round's
    /// result) with their summed samples and summed evaluation, or (evaluation-only pass) the
    /// summed evaluation alone. FedAvg weighted by samples is associative, so the parent's
    /// average over regional results equals flat FedAvg over all participants. A second post of
    /// the same round (the coordinator closed again after a lost answer) finds the first one
    /// standing and is not an error.
    func post(round r: Int, result: AggregatorState.RoundResult, state: AggregatorState, evaluateOnly: Bool) async throws {
        guard let evaluation = result.evaluated else {
            throw HTTPError(.conflict, message: "round \(r) has no evaluation to pass to the global aggregator")
        }
        let weights = evaluateOnly ? nil : try await state.result(round: r)
        let client = AggregatorClient(base: endpoint, tls: tls)
        let contributor = self.contributor
        let failure: String? = await withCheckedContinuation { done in
            // libcurl blocks: off Swift's cooperative pool.
            DispatchQueue.global().async {
                do {
                    if let weights {
                        try client.submit(round: r, participant: contributor, update: weights, trainSamples: result.trainSamples, evaluation: evaluation)
                    } else {
                        try client.submitEvaluation(round: r, participant: contributor, evaluation: evaluation)
                    }
                    done.resume(returning: nil)
                } catch let e as AggregatorClient.Refused where e.status == 409 && e.message.contains(AggregatorState.alreadyReceived(participant: contributor, round: r)) {
                    done.resume(returning: nil)
                } catch {
                    done.resume(returning: "\(error)")
                }
            }
        }
        if let failure {
            throw HTTPError(.badGateway, message: "round \(r) closed here but its result did not reach the global aggregator \(endpoint): \(failure)")
        }
    }
}
