// Wires the pages to the live stream: one EventSource, one state, pages redrawn at most once a frame.
import { openAction, openCoordination, openSignIn } from './actions.js';
import { eventClock, eventNow, synchronise } from './clock.js';
import { currentLanguage, setLanguage, t } from './i18n.js';
import { cityProjection, loadCity, mapSVG } from './map.js';
import { applyMessage, boardIncidents, emptyState, formatClock } from './model.js';
import { patchUnits, tick as recount } from './patch.js';
import * as views from './views.js';

const state = emptyState();
state.timeZone = 'Asia/Shanghai';
state.clock = eventClock(Date.now(), 1, performance.now());
/** Event time now (ms): the set's clock, which the timers count on (clock.js). */
const now = () => eventNow(state.clock, performance.now());
window.precinctEventNow = now;
const main = document.querySelector('main');
const dialog = document.querySelector('dialog');
const pages = ['board', 'map', 'units', 'scoring', 'hotspots', 'liaison', 'ops'];
let selected = null;
let services = null;
/** Scoring's own figures for the scoring page, and the period and level chosen there. */
let scoringFigures = null;
let liaisonFigures = null;
const choice = { period: 'all', by: 'officer' };
let dirty = true;
/** When the last message was applied (performance.now) and how long after it was sent: for the load figure. */
window.precinctStats = { messages: 0, lastApplyMs: 0, maxApplyMs: 0, lastRenderMs: 0 };

function route() {
  const [page, arg] = (location.hash.slice(1) || 'board').split('/');
  return { page, arg: arg && decodeURIComponent(arg) };
}

function render() {
  const started = performance.now();
  const { page, arg } = route();
  const at = now();
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === page));
  let html;
  switch (page) {
    case 'map': html = mapSVG(state); break;
    case 'units': html = views.units(state); break;
    case 'incident': html = views.incident(state, arg, at, callers.get(arg)); selected = arg; loadCallers(arg); break;
    case 'scoring': html = views.scoring(state, arg, scoringFigures, choice); break;
    case 'hotspots': html = views.hotspots(state, scoringFigures?.hotspots, choice); break;
    case 'liaison': html = views.liaison(state, liaisonFigures, at); break;
    case 'ops': html = views.operations(state, services); break;
    default: html = views.board(state, at, selected);
  }
  main.innerHTML = html;
  main.dataset.page = page;
  window.precinctStats.lastRenderMs = performance.now() - started;
}

function schedule() {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(() => { dirty = false; render(); });
}

function connect() {
  const source = new EventSource('/api/stream');
  window.precinctSource = source;
  const status = document.querySelector('#live');
  source.onopen = () => { status.textContent = t('live'); status.className = 'live'; };
  source.onerror = () => { status.textContent = t('reconnecting'); status.className = 'down'; };
  source.onmessage = (event) => {
    const started = performance.now();
    const message = JSON.parse(event.data);
    if (message.eventNow) state.clock = synchronise(state.clock, Date.parse(message.eventNow), message.clockFactor ?? 1, performance.now());
    applyMessage(state, message);
    // Units alone changed on the unit board or the map: patch their rows or dots, no redraw.
    const { page } = route();
    const unitsOnly = message.kind === 'delta' && message.incidents.length === 0 && message.officers.length === 0;
    if (!(unitsOnly && !dirty && patchUnits(main, page, message.units, cityProjection())) && (message.kind !== 'delta' || message.incidents.length || message.units.length || message.officers.length || page === 'ops')) schedule();
    const s = window.precinctStats;
    s.messages++;
    s.lastApplyMs = performance.now() - started;
    s.maxApplyMs = Math.max(s.maxApplyMs, s.lastApplyMs);
  };
}

function tick() {
  const at = now();
  document.querySelector('#clock').textContent = formatClock(new Date(at), state.timeZone);
  // Timers count down (and ages grow) in place, without a redraw.
  recount(main, at);
}

/** The callers of an incident as intake answers the console's token (masked by its roles), fetched once per incident. */
const callers = new Map();
function loadCallers(id) {
  if (!id || callers.has(id)) return;
  callers.set(id, null);
  fetch(`/api/incidents/${encodeURIComponent(id)}/callers`).then((r) => r.json().then((body) => ({ ok: r.ok, body })))
    .then(({ ok, body }) => { callers.set(id, ok ? body.callers : { error: body?.error?.code ?? 'error' }); schedule(); })
    .catch(() => { callers.set(id, { error: 'unavailable' }); schedule(); });
}

async function refreshScoring() {
  const get = (path) => fetch(`/api/scoring/${path}`).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  if (route().page === 'hotspots') {
    scoringFigures = { ...scoringFigures, hotspots: await get(`reports/hotspots?period=${choice.period === 'all' ? 'month' : choice.period}&top=10`) };
    schedule();
  }
  if (route().page !== 'scoring') return;
  const q = `period=${choice.period}`;
  const [kpis, rankings, intervals, awards] = await Promise.all([get(`kpis?level=city&${q}`), get(`rankings?by=${choice.by}&${q}`), get(`intervals?${q}`), get('awards?period=month')]);
  scoringFigures = { ...scoringFigures, kpis, rankings, intervals, awards };
  schedule();
}

async function refreshLiaison() {
  if (route().page !== 'liaison') return;
  const get = (path) => fetch(`/api/liaison/${path}`).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  const [alerts, coordination, cases, overdue, enterprises] = await Promise.all([
    get('alerts'), get('coordination'), get('cases'), get('worklog/overdue'), get('enterprises')]);
  liaisonFigures = { alerts, coordination, cases, overdue, enterprises };
  schedule();
}

async function refreshServices() {
  refreshScoring();
  refreshLiaison();
  if (route().page !== 'ops') return;
  services = await fetch('/api/services').then((r) => r.json()).catch(() => null);
  schedule();
}

window.precinctRefreshLiaison = refreshLiaison;

function selectedIncident() {
  const { page, arg } = route();
  return state.incidents.get(page === 'incident' ? arg : selected);
}

function act(action, data = {}) {
  if (action === 'coordinate') {
    const hold = (liaisonFigures?.coordination?.holds || []).find((h) => h.status === 'held' && !h.acknowledgedBy && (!data.incident || h.incidentId === data.incident));
    if (hold) openCoordination(dialog, hold, refreshLiaison);
    return;
  }
  const incident = selectedIncident();
  if (!incident) return;
  if (action === 'acknowledge') {
    const escalation = incident.escalations.find((e) => !e.acknowledged && (!data.escalation || e.id === data.escalation));
    if (escalation) openAction(dialog, 'acknowledge', incident, { escalationId: escalation.id });
    return;
  }
  openAction(dialog, action, incident);
}

const keys = { a: 'assign', r: 'reassign', x: 'cancel', c: 'reclassify', m: 'major', e: 'acknowledge' };
document.addEventListener('keydown', (event) => {
  if (dialog.open || event.target.closest('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
  // On the liaison page, `o` acknowledges the oldest hold waiting for its liaison officer.
  if (event.key === 'o' && route().page === 'liaison') { event.preventDefault(); act('coordinate'); return; }
  if (keys[event.key]) { event.preventDefault(); act(keys[event.key]); return; }
  if (event.key >= '1' && event.key <= String(pages.length)) { location.hash = pages[Number(event.key) - 1]; return; }
  if (event.key === 'L') { setLanguage(currentLanguage() === 'zh' ? 'en' : 'zh'); renderChrome(); schedule(); return; }
  if (event.key === 'j' || event.key === 'k') {
    const rows = boardIncidents(state.incidents.values());
    const at = rows.findIndex((i) => i.id === selected);
    const next = rows[Math.max(0, Math.min(rows.length - 1, at + (event.key === 'j' ? 1 : -1)))];
    selected = next?.id ?? null;
    schedule();
  }
  if (event.key === 'Enter' && selected) location.hash = `incident/${selected}`;
  if (event.key === 'Escape' && route().page === 'incident') location.hash = 'board';
});
main.addEventListener('change', (event) => {
  const select = event.target.closest('select[data-choice]');
  if (select) { choice[select.dataset.choice] = select.value; refreshScoring(); }
});
main.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (button) { act(button.dataset.action, button.dataset); return; }
  const row = event.target.closest('tr[data-incident]');
  if (row) { selected = row.dataset.incident; schedule(); }
});

function renderChrome() {
  document.title = `Precinct · ${t('title')}`;
  document.querySelector('header h1').textContent = t('title');
  document.querySelectorAll('nav a').forEach((a, i) => { a.textContent = `${i + 1} ${t(a.dataset.page)}`; });
  document.querySelector('#lang').textContent = currentLanguage() === 'zh' ? 'EN' : '中文';
  if (typeof renderWho === 'function') renderWho();
}

/** Who acts: the person signed in (their token goes to the services), else the console's own token. */
let session = { consoleToken: true };
function renderWho() {
  const who = document.querySelector('#who');
  who.textContent = session.person ? `${session.person.subject} · ${t('signOut')}` : t('signIn');
  who.title = session.person ? session.person.roles.join(', ') : '';
  who.classList.toggle('alert', !session.person && !session.consoleToken);
}
async function refreshSession() {
  session = await fetch('/api/session').then((r) => r.json()).catch(() => session);
  renderWho();
}
window.precinctSession = () => session;
document.querySelector('#who').addEventListener('click', async () => {
  if (session.person) { await fetch('/api/session', { method: 'DELETE' }); callers.clear(); await refreshSession(); schedule(); return; }
  openSignIn(dialog, async () => { callers.clear(); await refreshSession(); schedule(); });
});

document.querySelector('#lang').addEventListener('click', () => { setLanguage(currentLanguage() === 'zh' ? 'en' : 'zh'); renderChrome(); schedule(); });
window.addEventListener('hashchange', () => { refreshServices(); schedule(); });

const config = await fetch('/api/config').then((r) => r.json());
state.timeZone = config.timeZone;
if (config.clock) state.clock = eventClock(config.clock.now, config.clock.factor, performance.now());
setLanguage(currentLanguage());
renderChrome();
await refreshSession();
await loadCity();
dirty = false;
connect();
tick();
setInterval(tick, 1000);
setInterval(refreshServices, 5000);
refreshServices();
schedule();
