// The browser's copy of the console's read model, and the pure functions the pages share.
// No DOM here: tests.html checks these in the browser.

/** A fresh, empty state. */
export function emptyState() {
  return { incidents: new Map(), units: new Map(), officers: new Map(), status: null, lastMessageAt: 0 };
}

/** Applies one stream message (`snapshot` replaces everything, `delta` replaces the entities it carries). */
export function applyMessage(state, message) {
  if (message.kind === 'snapshot') {
    state.incidents = new Map();
    state.units = new Map();
    state.officers = new Map();
  }
  for (const i of message.incidents || []) {
    // Times parsed once here, not at every redraw.
    i.openedMs = Date.parse(i.openedAt);
    for (const t of i.timers || []) t.dueMs = Date.parse(t.dueAt);
    state.incidents.set(i.id, i);
  }
  for (const u of message.units || []) state.units.set(u.id, u);
  for (const o of message.officers || []) state.officers.set(o.id, o);
  if (message.status) state.status = message.status;
  state.lastMessageAt = Date.parse(message.sentAt) || 0;
  return state;
}

const opened = (i) => i.openedMs ?? Date.parse(i.openedAt);
const due = (t) => t.dueMs ?? Date.parse(t.dueAt);

/** Open and queued incidents, most urgent first: priority (1 highest), then oldest. */
export function boardIncidents(incidents) {
  return [...incidents].filter((i) => i.state !== 'closed').sort((a, b) =>
    a.priority - b.priority || opened(a) - opened(b) || (a.id < b.id ? -1 : 1));
}

/** A timer's colour at `now` (ms): ok, warn (amber, inside `warnBefore`), breach (red), met, cancelled. */
export function timerStatus(timer, now) {
  if (timer.state === 'met' || timer.state === 'cancelled') return timer.state;
  if (timer.state === 'breached') return 'breach';
  const at = due(timer);
  if (now >= at) return 'breach';
  if (now >= at - timer.warnBefore * 1000) return 'warn';
  return 'ok';
}

/** Time left as m:ss or h:mm:ss; negative (overdue) with a leading minus. */
export function formatRemaining(ms) {
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${pad(m)}:${pad(s)}` : `${sign}${m}:${pad(s)}`;
}

/** The running (or breached) timers worth showing on the board, soonest first. */
export function activeTimers(incident) {
  return (incident.timers || []).filter((t) => t.state === 'running' || t.state === 'breached')
    .sort((a, b) => due(a) - due(b));
}

/** Age of an incident at `now`, as formatRemaining text. */
export function age(incident, now) {
  return formatRemaining(now - opened(incident)).replace('-', '');
}

/** 24-hour clock in the city's time zone. */
export function formatClock(date, timeZone, withDate = false) {
  const options = { timeZone, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' };
  if (withDate) Object.assign(options, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return new Intl.DateTimeFormat('en-GB', options).format(date);
}

/** Officers ranked by points (ties by id), with their rank. */
export function rankings(officers) {
  return [...officers].filter((o) => o.points !== 0 || o.lines.length > 0)
    .sort((a, b) => b.points - a.points || (a.id < b.id ? -1 : 1))
    .map((o, i) => ({ ...o, rank: i + 1 }));
}

/** The share of `timers` named `name` that were met, of those finished (met or breached); null when none. */
export function timerKPI(incidents, name) {
  let met = 0, done = 0;
  for (const i of incidents) for (const t of i.timers || []) {
    if (t.timer !== name) continue;
    if (t.state === 'met') { met++; done++; } else if (t.state === 'breached') done++;
  }
  return done === 0 ? null : met / done;
}
