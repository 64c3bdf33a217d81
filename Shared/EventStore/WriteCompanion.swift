import Synchronization

/// What must commit with a request's write, in the same transaction (the audit record of it):
/// set as ``current`` around the work that answers a request. The first command of that work
/// that changes anything (a row or an event) runs ``body`` as part of that command, right after
/// the core's changes, so the write and the record commit together or not at all: a body that
/// throws rolls the command back. ``committed`` then says so, and the record need not be
/// written again; a request whose commands changed nothing (a read, a refusal the core rolled
/// back, a retried duplicate) leaves it to the caller.
public final class WriteCompanion: Sendable {
    let body: @Sendable (Transaction) throws -> Void
    /// 0 waiting, 1 run in a transaction not yet committed, 2 committed.
    private let state = Atomic<Int>(0)

    public init(_ body: @escaping @Sendable (Transaction) throws -> Void) { self.body = body }

    /// The companion of the request being answered.
    @TaskLocal public static var current: WriteCompanion?

    /// Whether the record committed with a write.
    public var committed: Bool { state.load(ordering: .acquiring) == 2 }

    var waiting: Bool { state.load(ordering: .acquiring) == 0 }
    func ran() { state.store(1, ordering: .releasing) }
    /// The transaction that ran it committed.
    func commit() { state.store(2, ordering: .releasing) }
    /// The transaction that ran it rolled back: the next write may carry it.
    func reset() { state.store(0, ordering: .releasing) }
}
