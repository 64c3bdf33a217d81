// The set's event clock in the page. The services' timers fall due on event time, which may run
// faster than the wall clock (a demo's --time-factor) and need not agree with this computer's
// clock at all; the console tells the page event time now and the factor with every message, and
// the page runs on from there by its own monotonic clock (performance.now), never Date.now().

/** A clock synchronised to `eventMs` (event time, ms) at monotonic instant `at` (ms), running `factor` times real time. */
export function eventClock(eventMs = Date.now(), factor = 1, at = 0) {
  return { eventMs, factor, at };
}

/** Event time (ms) at monotonic instant `at`. */
export function eventNow(clock, at) {
  return clock.eventMs + (at - clock.at) * clock.factor;
}

/**
 * The clock resynchronised to a message made at event time `eventMs`, received at monotonic `at`.
 * A message that arrives late would set the clock back (it was made earlier than it reads now):
 * the clock only moves back when the difference is more than a second of event time, which is
 * a new anchor or a restarted set, not delivery.
 */
export function synchronise(clock, eventMs, factor, at) {
  const next = eventClock(eventMs, factor, at);
  if (!clock || clock.factor !== factor) return next;
  const drift = eventNow(clock, at) - eventMs;
  return drift > 0 && drift < 1000 * Math.max(1, factor) ? clock : next;
}
