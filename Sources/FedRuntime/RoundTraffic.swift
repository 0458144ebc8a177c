import Foundation

/// Bytes one participant moved in a round, counted by the aggregator: the bodies of its update
/// (up) and of the global model it was served (down). Headers, TLS and retransmissions are not
/// counted, so the bill's bytes are somewhat more.
public struct ParticipantTraffic: Codable, Sendable, Equatable {
    public var participant: String
    public var bytesUp: Int
    public var bytesDown: Int

    public init(participant: String, bytesUp: Int, bytesDown: Int) {
        self.participant = participant
        self.bytesUp = bytesUp
        self.bytesDown = bytesDown
    }
}

/// The open round's tally (reset when a round opens).
struct RoundTraffic: Sendable {
    private var up: [String: Int] = [:]
    private var down: [String: Int] = [:]

    mutating func received(_ participant: String, bytes: Int) { up[participant, default: 0] += bytes }
    mutating func served(_ participant: String, bytes: Int) { down[participant, default: 0] += bytes }

    /// One row per participant that moved anything, by name.
    var rows: [ParticipantTraffic] {
        Set(up.keys).union(down.keys).sorted().map {
            ParticipantTraffic(participant: $0, bytesUp: up[$0] ?? 0, bytesDown: down[$0] ?? 0)
        }
    }
}

extension AggregatorState {
    /// The open round's global model (`bytes` long) was sent to `participant`.
    public func noteServed(round r: Int, participant: String, bytes: Int) {
        guard r == currentRound else { return }
        traffic.served(participant, bytes: bytes)
    }
}
