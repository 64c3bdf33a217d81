import CPrecinctShims
import Foundation
import GRDB
import Logging
import Synchronization

/// Copies a store's write-ahead log back into its database file on a thread of its own, so that
/// the engine's commits seldom do it.
///
/// SQLite's automatic checkpoint runs in the connection that commits, right after the commit: the
/// engine's thread. Under `synchronous=NORMAL` a checkpoint is also where the only fsyncs are (of
/// the log, then of the database file). Here a thread runs a `PASSIVE` checkpoint once a second
/// (``CheckpointSettings/intervalMilliseconds``) on a connection of its own, beside the writer: it
/// copies what the log holds without waiting for, or blocking, any reader or writer. Under full
/// load that is about as often as SQLite's own checkpoint (every 1,000 pages), so the same pages
/// reach the file as before; a log with nothing new is not touched, so an idle service does no
/// I/O for it.
///
/// The writer keeps an automatic checkpoint, at ``CheckpointSettings/writerPages`` rather than
/// SQLite's 1,000. A log starts again from its beginning only when a write begins with the whole
/// log copied; a writer committing back to back seldom finds that after a checkpoint on another
/// thread, so without a checkpoint of its own the log would grow for as long as the load lasts
/// (`WALCheckpointTests` shows it). With it the log stays near ``CheckpointSettings/writerPages``
/// pages, and the writer copies only what arrived since the thread's last checkpoint.
final class WALCheckpointer: Sendable {
    private let pacing = Pacing()

    /// Starts checkpointing the database at `path` (already in WAL mode) on a thread of its own.
    init(path: String, label: String, settings: CheckpointSettings, logger: Logger) throws {
        var config = Configuration()
        config.label = "\(label)-checkpoint"
        // A checkpoint never waits: if the database is busy, the next one copies what is left.
        config.busyMode = .immediateError
        let connection = try DatabaseQueue(path: path, configuration: config)
        let pacing = self.pacing
        let interval = TimeInterval(settings.intervalMilliseconds) / 1_000
        let thread = Thread {
            precinct_set_thread_name("checkpoint")
            while pacing.wait(interval) { Self.checkpoint(connection, pacing, logger) }
        }
        thread.name = "\(label)-checkpoint"
        thread.start()
    }

    /// The thread ends (and closes its connection) with the checkpointer.
    deinit { pacing.stop() }

    /// Checkpoints that found pages in the log and copied every one of them.
    var completed: Int { pacing.completed.load(ordering: .relaxed) }

    /// One `PASSIVE` checkpoint: copies every page of the log that no reader still needs.
    private static func checkpoint(_ connection: DatabaseQueue, _ pacing: Pacing, _ logger: Logger) {
        do {
            let (log, copied) = try connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
            if log > 0 && copied == log { pacing.completed.add(1, ordering: .relaxed) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            // The writer is checkpointing itself just now: the next checkpoint copies what is left.
        } catch {
            logger.warning("WAL checkpoint failed: \(error)")
        }
    }

    /// The thread's pace (a wait of one interval, cut short when the checkpointer goes) and what
    /// it did.
    private final class Pacing: Sendable {
        let completed = Atomic<Int>(0)
        private let condition = NSCondition()
        nonisolated(unsafe) private var stopped = false  // guarded by `condition`

        /// Waits `seconds`; false once stopped.
        func wait(_ seconds: TimeInterval) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
            return !stopped
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.signal()
            condition.unlock()
        }
    }
}

/// Where a ``Store``'s write-ahead log is copied into its file (``WALCheckpointer``).
public struct CheckpointSettings: Sendable {
    /// The writer's own automatic checkpoint, in pages of the log (a page is 4 KiB): the log's
    /// length at most, about.
    public var writerPages: Int
    /// How often the checkpointer's thread copies the log.
    public var intervalMilliseconds: Int

    public init(writerPages: Int = 8_000, intervalMilliseconds: Int = 1_000) {
        self.writerPages = writerPages
        self.intervalMilliseconds = intervalMilliseconds
    }
}
