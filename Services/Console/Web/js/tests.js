// Tests of the pure functions, run in the browser (tests.html; the browser test reads #results).
import { requestFor } from './actions.js';
import { polygonPath, projector } from './geo.js';
import { eventClock, eventNow, synchronise } from './clock.js';
import { activeTimers, applyMessage, boardIncidents, emptyState, formatClock, formatRemaining, rankings, timerKPI, timerStatus } from './model.js';
import { callerText, kpiTargets, liaison } from './views.js';

const results = [];
function test(name, body) {
  try { body(); results.push(`ok ${name}`); } catch (error) { results.push(`FAIL ${name}: ${error.message}`); }
}
function equal(actual, expected) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

const timer = (state, dueAt, warnBefore = 30) => ({ timer: 'signOff', state, dueAt, warnBefore, startedAt: '2026-01-01T00:00:00Z' });
const due = Date.parse('2026-01-01T00:01:30Z');

test('a timer is ok, amber inside its warning, red at the breach', () => {
  equal(timerStatus(timer('running', '2026-01-01T00:01:30Z'), due - 31_000), 'ok');
  equal(timerStatus(timer('running', '2026-01-01T00:01:30Z'), due - 30_000), 'warn');
  equal(timerStatus(timer('running', '2026-01-01T00:01:30Z'), due), 'breach');
  equal(timerStatus(timer('breached', '2026-01-01T00:01:30Z'), due - 60_000), 'breach');
  equal(timerStatus(timer('met', '2026-01-01T00:01:30Z'), due + 60_000), 'met');
});

test('remaining time reads m:ss, h:mm:ss, and overdue with a minus', () => {
  equal(formatRemaining(90_000), '1:30');
  equal(formatRemaining(5 * 3600_000 + 61_000), '5:01:01');
  equal(formatRemaining(-4_500), '-0:04');
});

test('the board puts priority first, then the oldest, and leaves closed incidents out', () => {
  const list = [
    { id: 'A', priority: 2, openedAt: '2026-01-01T00:00:00Z', state: 'open' },
    { id: 'B', priority: 1, openedAt: '2026-01-01T00:05:00Z', state: 'open' },
    { id: 'C', priority: 2, openedAt: '2025-12-31T23:00:00Z', state: 'assigned' },
    { id: 'D', priority: 1, openedAt: '2025-12-31T23:00:00Z', state: 'closed' },
  ];
  equal(boardIncidents(list).map((i) => i.id), ['B', 'C', 'A']);
});

test('a snapshot replaces the state and a delta replaces only what it carries', () => {
  const state = emptyState();
  applyMessage(state, { kind: 'snapshot', sentAt: '2026-01-01T00:00:00Z', incidents: [{ id: 'I1' }, { id: 'I2' }], units: [{ id: 'U1', state: 'available' }], officers: [] });
  applyMessage(state, { kind: 'delta', sentAt: '2026-01-01T00:00:01Z', incidents: [], units: [{ id: 'U1', state: 'dispatched' }], officers: [] });
  equal(state.incidents.size, 2);
  equal(state.units.get('U1').state, 'dispatched');
  applyMessage(state, { kind: 'snapshot', sentAt: '2026-01-01T00:00:02Z', incidents: [{ id: 'I3' }], units: [], officers: [] });
  equal([...state.incidents.keys()], ['I3']);
});

test('active timers are the running and breached ones, soonest first', () => {
  const incident = { timers: [timer('running', '2026-01-01T05:00:00Z'), timer('met', '2026-01-01T00:00:10Z'), timer('breached', '2026-01-01T00:01:00Z')] };
  equal(activeTimers(incident).map((x) => x.state), ['breached', 'running']);
});

test('the clock is 24-hour in the city time zone', () => {
  equal(formatClock(new Date('2026-01-01T15:04:05Z'), 'Asia/Shanghai'), '23:04:05');
});

test('rankings order by points and leave out officers with nothing', () => {
  const ranked = rankings([{ id: 'O2', points: 3, lines: [{}] }, { id: 'O1', points: 5, lines: [{}] }, { id: 'O3', points: 0, lines: [] }]);
  equal(ranked.map((o) => [o.id, o.rank]), [['O1', 1], ['O2', 2]]);
});

test('callers are shown as intake gave them, never unmasked or re-masked here', () => {
  equal(callerText([{ callId: 'C1', caller: { name: '张*', phone: '139******01' } }]).includes('139******01'), true);
  equal(callerText({ error: 'forbidden' }).includes('forbidden'), true);
});

test('a KPI is the met share of finished timers', () => {
  const incidents = [{ timers: [timer('met', 'x'), timer('breached', 'x'), timer('running', 'x'), timer('met', 'x')] }];
  equal(timerKPI(incidents, 'signOff'), 2 / 3);
  equal(timerKPI(incidents, 'close'), null);
});

test('the projection puts the north-west corner at the origin and keeps the aspect', () => {
  const { project, height } = projector({ minLat: 36.8, minLon: 117.6, maxLat: 37.0, maxLon: 117.9 }, 1000);
  equal(project(117.6, 37.0), { x: 0, y: 0 });
  equal(Math.round(project(117.9, 36.8).x), 1000);
  equal(Math.round(height), Math.round(1000 * 0.2 / (0.3 * Math.cos(36.9 * Math.PI / 180))));
  equal(polygonPath([[[117.6, 37.0], [117.9, 37.0], [117.9, 36.8]]], project).startsWith('M0.0,0.0L1000.0,0.0'), true);
});

test('each action sends dispatch the contract\'s fields', () => {
  const v = { reason: 'closer', unitId: 'U7', fromUnitId: 'U2', category: 'dispute', major: 'true', escalationId: 'E1' };
  equal(requestFor('assign', 'I1', v), { path: '/api/incidents/I1/assign', body: { unitId: 'U7', reason: 'closer' } });
  equal(requestFor('reassign', 'I1', v).body, { fromUnitId: 'U2', toUnitId: 'U7', reason: 'closer' });
  equal(requestFor('cancel', 'I1', v).path, '/api/incidents/I1/cancel-assignment');
  equal(requestFor('reclassify', 'I1', v).body.category, 'dispute');
  equal(requestFor('major', 'I1', v).body.major, true);
  equal(requestFor('acknowledge', 'I1', v).path, '/api/escalations/E1/acknowledge');
});

test('the event clock runs at its factor from the instant it was told, whatever the wall clock says', () => {
  const clock = eventClock(Date.parse('2030-01-01T00:00:00Z'), 60, 1000);
  equal(eventNow(clock, 1000), Date.parse('2030-01-01T00:00:00Z'));
  equal(eventNow(clock, 2000), Date.parse('2030-01-01T00:01:00Z'));
  // A message made a little earlier (delivery) keeps the clock; one ahead of it moves it on.
  equal(synchronise(clock, Date.parse('2030-01-01T00:00:59Z'), 60, 2000), clock);
  equal(eventNow(synchronise(clock, Date.parse('2030-01-01T00:01:05Z'), 60, 2000), 2000), Date.parse('2030-01-01T00:01:05Z'));
  // A new anchor (the set restarted its clock) moves it back.
  equal(eventNow(synchronise(clock, Date.parse('2029-01-01T00:00:00Z'), 60, 2000), 2000), Date.parse('2029-01-01T00:00:00Z'));
});

test('the KPI dashboard reads the originals\' figures from scoring\'s fields (docs/scoring.md)', () => {
  const byKey = Object.fromEntries(kpiTargets.map(([key, target]) => [key, target]));
  equal(byKey.minorAccidentOnSceneRate, 0.80);
  equal(byKey.accidentOnSiteRate, 0.84);
  equal(byKey.disputeResolutionRate, 0.98);
  equal(byKey.stationAccidentShare, 0.45);
  equal(byKey.selfHandledRate, 0.9278);
});

test('the coordination acknowledgement sends liaison its contract\'s fields', () => {
  equal(requestFor('coordinate', 'I9', { reason: 'on my way' }),
    { path: '/api/coordination/I9/acknowledge', body: { note: 'on my way' } });
});

test('the liaison page shows liaison\'s fields: a waiting hold with its action, overdue work by days since contact', () => {
  const state = emptyState();
  state.timeZone = 'Asia/Shanghai';
  const html = liaison(state, {
    coordination: { holds: [{ incidentId: 'I9', enterpriseId: 'E0004', liaisonOfficerId: 'O0161', status: 'held', reason: 'zeroDisturbance', heldAt: '2026-01-01T00:00:00Z', dueAt: '2026-01-01T00:10:00Z' }] },
    overdue: { asOf: '2026-01-01T00:00:00Z', periodDays: 30, overdue: [{ enterpriseId: 'E0001', name: 'x', liaisonOfficerId: 'O1', daysSinceContact: 41.5 }] },
    alerts: { alerts: [{ alertId: 'A1', enterpriseId: 'E0004', incidentId: 'I9', transition: 'opened', matchedBy: 'geofence', severity: 'high', zeroDisturbance: true, at: '2026-01-01T00:00:00Z' }] },
  }, Date.parse('2026-01-01T00:05:00Z'));
  equal(html.includes('data-action="coordinate" data-incident="I9"'), true);
  equal(html.includes('5:00'), true);
  equal(/data-overdue="E0001"[^]*<td>41<\/td>/.test(html), true);
  equal(html.includes('data-enterprise-incident="I9"'), true);
});

document.querySelector('#results').textContent = results.join('\n') + `\n${results.filter((r) => r.startsWith('FAIL')).length === 0 ? 'PASS' : 'FAIL'}`;
