import Bus
import EventStore
import Logging
import Model
import Synchronization
import Wire

/// Connects the transport to the service: events to the engine, follow states to health, and
/// requests (replay, or an operation) into a stream that ``RequestService`` answers.
final class RequestDispatcher<Core: ServiceCore>: BusDelegate {
    let engine: Engine<Core>
    let log: any EventLog
    let health: Health
    let logger: Logger
    /// The service's integrator gateway: what an integrator's replay is filtered through.
    let gateway: GatewayConfig?
    let requests: AsyncStream<BusRequest>
    private let intake: AsyncStream<BusRequest>.Continuation
    private let wiring = Mutex<(any ServiceTransport, ServiceAPI, AuditTrail?)?>(nil)
    /// The keyring, whose entries' roles decide what a requester may run (nil: plaintext bus).
    let security: BusSecurity?
    private let rejected: RejectionCounter

    init(engine: Engine<Core>, log: any EventLog, health: Health, logger: Logger, gateway: GatewayConfig?, security: BusSecurity? = nil) {
        self.security = security
        self.engine = engine
        self.log = log
        self.health = health
        self.logger = logger
        self.gateway = gateway
        (requests, intake) = AsyncStream.makeStream(of: BusRequest.self, bufferingPolicy: .bufferingNewest(10_000))
        rejected = RejectionCounter(service: log.service)
    }

    func connect(transport: any ServiceTransport, api: ServiceAPI, audit: AuditTrail? = nil) {
        wiring.withLock { $0 = (transport, api, audit) }
    }

    /// Who sent a request: the CURVE key's keyring entry, or (plaintext, loopback or
    /// `--insecure`) a peer service.
    func principal(of request: BusRequest) -> Principal {
        guard let security else { return Principal(subject: request.requester ?? "plaintext", roles: [.service], client: request.requester) }
        guard let name = request.requester, let entry = security.keyring.entry(named: name) else {
            return Principal(subject: request.requester ?? "unknown", roles: [], client: request.requester)
        }
        return Principal(subject: entry.name, roles: [entry.role], client: entry.name)
    }

    /// No request is taken after this; those taken are still answered.
    func finishRequests() { intake.finish() }

    func bus(received events: [Envelope], from source: String) { engine.deliver(events, from: source) }

    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {
        engine.deadLetter(frames: frames, source: source, reason: reason)
    }

    func bus(source: String, state: FollowState) { health.set(source, state) }

    func busBacklog() -> Int { engine.backlog }

    func bus(request: BusRequest) { intake.yield(request) }

    /// Who may replay a service's whole outbox over the ROUTER (besides peer services).
    static var replayRoles: Set<Role> { [.operator] }

    /// Answers one request: `[{"op": name, "id": …}, body?]` → `[{"id": …, "ok": …, "status": …}, body]`.
    func answer(_ request: BusRequest) async {
        guard let (transport, api, audit) = wiring.withLock({ $0 }) else { return }
        func refuse(_ id: FlatJSON.Value, _ error: APIError, reason: String) {
            rejected.count(reason)
            transport.reply(request, frames: [ReplyHeader(id: id, status: error.status).encoded(), error.body])
        }
        let header: RequestHeader
        do { header = try request.header.get() } catch {
            return refuse(.null, APIError(status: 400, code: "bad-request", message: error.message, field: error.field), reason: "malformed")
        }
        let op = header.op
        if let grants = request.grants, let gateway, let needed = gateway.operations[op], let name = request.requester,
            grants.contains(where: { $0.hasPrefix(needed) })
        {
            // An integrator's answer (the 12345 platform, a department), inside its grants and under its own name;
            // the grants it holds for the operation go with it, for the core to narrow (a department's key: its own requests).
            let body = request.frames.count > 1 ? request.frames[1] : []
            let scope = grants.filter { $0.hasPrefix(needed) }.joined(separator: " ")
            let integrator = Principal(subject: name, roles: [.integrator], client: name)
            if let reply = await api.call(op, json: body, adding: ["answeredBy": name, "grants": scope], as: integrator) {
                audit?.record(
                    integrator, action: "op \(op)", target: op, client: name, outcome: reply.status == 403 ? .refused : .allowed,
                    status: reply.status)
                return transport.reply(request, frames: [ReplyHeader(id: header.id, status: reply.status).encoded(), reply.body])
            }
        }
        if let grants = request.grants {
            // An integrator key: its replay of what the gateway sent it, and nothing else.
            guard op == ReplayRequest.op, let gateway else {
                logger.warning(
                    "request refused: an integrator key may only replay", metadata: ["requester": "\(request.requester ?? "?")", "op": "\(op)"])
                return refuse(
                    header.id, APIError(status: 403, code: "forbidden", message: "an integrator key may only ask for 'replay' here", field: "op"),
                    reason: "forbidden")
            }
            return await replay(
                request, header: header, transport: transport,
                view: { events in
                    events.filter { gateway.forwards($0.topic) }
                        .flatMap { [$0] + gateway.render($0) }
                        .filter { event in grants.contains { event.topic.starts(with: $0.utf8) } }
                })
        }
        let principal = self.principal(of: request)
        if op == ReplayRequest.op {
            // The whole outbox, personal data included: peer services and operators' tools only.
            guard principal.may(Self.replayRoles) else {
                return refuse(header.id, .outsideRole(principal, operation: op, allowed: Self.replayRoles), reason: "forbidden")
            }
            return await replay(request, header: header, transport: transport, view: nil)
        }
        let body = request.frames.count > 1 ? request.frames[1] : []
        // Peer services' requests (and every request on a plaintext loopback bus, which cannot
        // say who sent it) are the set's own traffic; people's keys are audited, a write's record
        // in the write's own transaction.
        let reply: EncodedReply?
        if let audit, api.operationNames.contains(op), !api.isRead(op), !principal.roles.contains(.service) {
            reply = await audit.recordingWrite(principal, action: "op \(op)", target: op, client: principal.client, reason: nil) {
                await api.call(op, json: body, as: principal)
            } status: { $0?.status ?? 404 }
        } else {
            reply = await api.call(op, json: body, as: principal)
        }
        if let reply {
            return transport.reply(request, frames: [ReplyHeader(id: header.id, status: reply.status).encoded(), reply.body])
        }
        let known = (["replay", "ping"] + api.operationNames).sorted()
        refuse(
            header.id,
            APIError(
                status: 404, code: "unknown-op", message: "unknown op '\(op)'; this service answers: \(known.joined(separator: ", "))",
                field: "op"), reason: "unknown_op")
    }

    private func replay(
        _ request: BusRequest, header: RequestHeader, transport: any ServiceTransport,
        view: (@Sendable ([OutboundEvent]) -> [OutboundEvent])?
    ) async {
        let replay: ReplayRequest
        do { replay = try ReplayRequest(header) } catch {
            return transport.reply(request, frames: ReplayReply.refused(.init(id: header.id, code: "bad-request", message: error.message)).frames)
        }
        transport.reply(request, frames: await log.answer(replay, view: view).frames)
    }
}
