import Foundation
import Wire

extension EventLog {
    /// Answers a follower's ``ReplayRequest`` with the stored bytes (for SQLite, read on a reader
    /// connection so the writer never waits for it). With a `view` (an integrator's request) the events are
    /// filtered and rendered as the gateway would have sent them to that integrator; `through`
    /// still says how far the unfiltered log was examined, so the caller can page.
    public func answer(
        _ request: ReplayRequest, maxBatch: Int = 5_000,
        view: (@Sendable ([OutboundEvent]) -> [OutboundEvent])? = nil
    ) async -> ReplayReply {
        guard request.source == service else {
            return .refused(.init(id: request.id, code: "bad-request", message: "field 'source' must be '\(service)', the service that answers"))
        }
        let limit = max(1, min(maxBatch, request.limit ?? maxBatch))
        let epoch = self.epoch
        let service = self.service
        do {
            let batch = try await replayAsync(after: request.after, limit: limit)
            let through = batch.events.last?.seq ?? max(request.after, batch.latest)
            let events = view.map { $0(batch.events) } ?? batch.events
            return .events(
                .init(
                    id: request.id, source: service, epoch: epoch, latest: batch.latest, oldest: batch.oldest,
                    through: through, events: events))
        } catch ReplayError.pruned(let oldest, let after) {
            let message = ReplayError.pruned(oldestAvailable: oldest, requestedAfter: after).description
            return .refused(.init(id: request.id, code: "pruned", message: message, oldest: oldest))
        } catch {
            return .refused(.init(id: request.id, code: "internal", message: "\(error)"))
        }
    }
}
