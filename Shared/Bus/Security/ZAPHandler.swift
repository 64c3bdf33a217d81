import Logging

/// The ZAP request handler (RFC 27) of one process: a REP socket at `inproc://zeromq.zap.01`,
/// which libzmq asks about every connection to a CURVE server socket of the same context.
/// Bound before any CURVE server binds: in libzmq 4.3.4 a CURVE server with no ZAP handler
/// admits every client.
final class ZAPHandler {
    let socket: Socket
    let security: BusSecurity
    let onDecision: (_ domain: String, _ result: Result<Keyring.Entry, AuthRefusal>) -> Void

    init(context: ZMQContext, security: BusSecurity, onDecision: @escaping (String, Result<Keyring.Entry, AuthRefusal>) -> Void) throws {
        self.security = security
        self.onDecision = onDecision
        socket = try Socket(context, .rep)
        try socket.bind("inproc://zeromq.zap.01")
    }

    /// Answers the requests waiting (a REP socket takes one at a time).
    func answerPending() {
        for _ in 0..<64 {
            guard let frames = (try? socket.receiveMultipart(dontWait: true)) ?? nil else { return }
            // [version, request id, domain, address, routing id, mechanism, credentials...]
            guard frames.count >= 6 else {
                let requestID = frames.count > 1 ? frames[1] : []
                _ = try? socket.send(multipart: [Array("1.0".utf8), requestID, Array("500".utf8), Array("malformed ZAP request".utf8), [], []])
                continue
            }
            let domain = String(decoding: frames[2], as: UTF8.self)
            let mechanism = String(decoding: frames[5], as: UTF8.self)
            let result: Result<Keyring.Entry, AuthRefusal>
            if mechanism == "CURVE", frames.count >= 7, let key = CurveKeyPair.z85(frames[6]) {
                result = security.admit(publicKey: key, domain: domain)
            } else {
                result = .failure(.notCurve)
            }
            onDecision(domain, result)
            let reply: [[UInt8]] =
                switch result {
                case .success(let entry): [Array("1.0".utf8), frames[1], Array("200".utf8), Array("OK".utf8), Array(entry.name.utf8), []]
                case .failure(let refusal): [Array("1.0".utf8), frames[1], Array("400".utf8), Array(refusal.rawValue.utf8), [], []]
                }
            _ = try? socket.send(multipart: reply)
        }
    }
}

extension ZAPHandler {
    /// A handler that counts its decisions and logs each refusal.
    convenience init(context: ZMQContext, security: BusSecurity, stats: BusStats, logger: Logger) throws {
        try self.init(context: context, security: security) { domain, result in
            switch result {
            case .success: stats.count("auth_accepted")
            case .failure(let refusal):
                stats.count("auth_denied", [("reason", refusal.rawValue)])
                logger.warning("connection refused by the keyring", metadata: ["domain": "\(domain)", "reason": "\(refusal.rawValue)"])
            }
        }
    }
}
