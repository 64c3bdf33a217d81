// The load figure (BENCHMARKS.md): 2,000 open incidents and 1,000 units in the page, then single
// changes applied and the board and map redrawn, timed in the browser. Opened by the browser test.
import { cityProjection, loadCity, mapSVG } from './map.js';
import { applyMessage, emptyState } from './model.js';
import { patchUnits, tick } from './patch.js';
import * as views from './views.js';

const params = new URLSearchParams(location.search);
const INCIDENTS = Number(params.get('incidents') || 2000), UNITS = Number(params.get('units') || 1000), ROUNDS = Number(params.get('rounds') || 20);
const base = Date.parse('2026-12-01T08:00:00Z');
const iso = (ms) => new Date(ms).toISOString();
const categories = ['criminal', 'publicOrder', 'dispute', 'accidentMinor', 'accidentCasualty', 'helpRequest'];

function incident(n, now) {
  const opened = now - (n % 3600) * 1000;
  return {
    id: `I${String(n).padStart(8, '0')}`, category: categories[n % categories.length], priority: 1 + (n % 4), state: n % 5 === 0 ? 'queued' : 'assigned',
    lat: 36.82 + (n % 97) * 0.0016, lon: 117.62 + (n % 89) * 0.003, address: `示例路${n}号`, gridId: `G${String(1 + (n % 60)).padStart(3, '0')}`,
    stationId: `S${String(1 + (n % 17)).padStart(2, '0')}`, regionId: 'R1', commandStationId: null, openedAt: iso(opened), major: false, calls: 1,
    units: [{ unitId: `U${n % UNITS}`, callSign: `巡${n % UNITS}`, rule: 'nearestPatrol', etaSeconds: 300, assignedAt: iso(opened), stage: 'dispatched' }],
    timers: [{ timer: 'signOff', unitId: `U${n % UNITS}`, startedAt: iso(opened), dueAt: iso(opened + 90_000), warnBefore: 30, state: 'running' },
      { timer: 'close', unitId: null, startedAt: iso(opened), dueAt: iso(opened + 79_200_000), warnBefore: 3600, state: 'running' }],
    escalations: [], timeline: [{ at: iso(opened), type: 'incident.opened', text: 'call' }], points: 0,
  };
}
const unit = (n, state) => ({ id: `U${n}`, callSign: `巡${n}`, kind: 'patrolCar', stationId: 'S01', officerIds: [], shift: '00:00–24:00', state,
  lat: 36.81 + (n % 101) * 0.0018, lon: 117.61 + (n % 103) * 0.0027, incidentId: null, reason: 'assigned' });

function percentile(values, p) { const s = [...values].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; }

async function run() {
  await loadCity();
  const main = document.querySelector('main');
  const state = emptyState();
  state.timeZone = 'Asia/Shanghai';
  const now = base + 4000_000;
  const snapshot = { kind: 'snapshot', sentAt: iso(now), incidents: [...Array(INCIDENTS).keys()].map((n) => incident(n, now)),
    units: [...Array(UNITS).keys()].map((n) => unit(n, n % 2 ? 'available' : 'dispatched')), officers: [] };
  const text = JSON.stringify(snapshot);
  let t0 = performance.now();
  applyMessage(state, JSON.parse(text));
  const snapshotMs = performance.now() - t0;
  // The paths the live page takes: an incident changed → the board redrawn (its first 200 rows);
  // a unit changed → its row on the unit board or its dot on the map patched; the clock → timers recounted.
  const timings = { incidentOnBoard: [], unitOnUnitBoard: [], unitOnMap: [], tickOnBoard: [] };
  const pages = {
    incidentOnBoard: ['board', () => views.board(state, now, null), (d) => { applyMessage(state, d); main.innerHTML = views.board(state, now, null); }],
    unitOnUnitBoard: ['units', () => views.units(state), (d) => { applyMessage(state, d); patchUnits(main, 'units', d.units, cityProjection()); }],
    unitOnMap: ['map', () => mapSVG(state), (d) => { applyMessage(state, d); patchUnits(main, 'map', d.units, cityProjection()); }],
    tickOnBoard: ['board', () => views.board(state, now, null), () => tick(main, now + 1000)],
  };
  for (const [name, [page, draw, update]] of Object.entries(pages)) {
    main.dataset.page = page;
    main.innerHTML = draw();
    for (let round = 0; round < ROUNDS; round++) {
      const delta = name === 'incidentOnBoard'
        ? { kind: 'delta', sentAt: iso(now), incidents: [{ ...incident(round, now), priority: 1 }], units: [], officers: [] }
        : { kind: 'delta', sentAt: iso(now), incidents: [], units: [unit(round, 'enRoute')], officers: [] };
      const text = JSON.stringify(delta);
      await new Promise((resolve) => setTimeout(resolve, 0)); // as the live page: one message per task
      t0 = performance.now();
      update(JSON.parse(text));
      void main.offsetHeight; // layout included
      timings[name].push(performance.now() - t0);
    }
  }
  const summary = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, { p50: +percentile(v, 0.5).toFixed(1), p95: +percentile(v, 0.95).toFixed(1), max: +Math.max(...v).toFixed(1) }]));
  document.querySelector('#results').textContent = JSON.stringify({ incidents: INCIDENTS, units: UNITS, rounds: ROUNDS, snapshotBytes: text.length,
    snapshotApplyMs: +snapshotMs.toFixed(1), updateAppliedAndDrawnMs: summary });
}
window.addEventListener('load', () => setTimeout(run, 0));
