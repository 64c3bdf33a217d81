import EventStore
import Foundation
import Logging
import ServiceLifecycle
import Wire

/// The engine as a service of the group: on shutdown readiness goes false, the engine commits
/// what it holds and publishes it, then the transport closes. Blocking joins of the engine's
/// and the bus's threads run on a thread of their own, never on the cooperative pool.
struct EngineService: Service {
    let engine: any StoppableEngine
    let transport: any ServiceTransport
    let health: Health
    let logger: Logger

    func run() async throws {
        try await engine.start()
        try? await gracefulShutdown()
        health.markShuttingDown()
        logger.info("draining")
        await offThePool { engine.stop() }
        await offThePool { transport.stop() }
        logger.info("stopped")
    }
}

/// Answers the transport's requests, each in a child task of one task group: structured, and
/// drained on shutdown (requests already taken are answered before the engine stops).
struct RequestService<Core: ServiceCore>: Service {
    let dispatcher: RequestDispatcher<Core>

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await request in dispatcher.requests {
                    group.addTask { await dispatcher.answer(request) }
                }
            }
        } onGracefulShutdown: {
            dispatcher.finishRequests()
        }
    }
}

/// The first to hear of a shutdown: readiness answers 503 from then on, for the shutdown delay,
/// so a load balancer stops sending before HTTP closes.
struct ReadinessGate: Service {
    let health: Health
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        health.markShuttingDown()
        logger.info("not ready: shutting down", metadata: ["delay": "\(delay)"])
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}

protocol StoppableEngine: Sendable {
    func start() async throws
    func stop()
}

extension Engine: StoppableEngine {
    func start() async throws {
        try await offThePool { try self.start() }
    }
}

/// Runs a blocking call on a thread of its own and waits for it without holding a thread of the
/// cooperative pool (two on this machine).
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

func offThePool(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { continuation in
        Thread {
            body()
            continuation.resume()
        }.start()
    }
}
