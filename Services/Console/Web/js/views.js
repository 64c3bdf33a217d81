// The pages as HTML strings from the state. Each returns markup; main.js places it.
import { t } from './i18n.js';
import { activeTimers, age, boardIncidents, formatClock, formatRemaining, rankings, timerStatus } from './model.js';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function timerChip(timer, now) {
  const status = timerStatus(timer, now);
  const left = formatRemaining((timer.dueMs ?? Date.parse(timer.dueAt)) - now);
  const who = timer.unitId ? ` ${esc(timer.unitId)}` : '';
  const label = `${t(timer.timer)}${who}`;
  // The data-* let the once-a-second tick recount the chip in place (patch.js) without a redraw.
  return `<span class="timer ${status}" data-timer="${timer.timer}" data-unit="${esc(timer.unitId || '')}" data-state="${status}" data-fixed="${timer.state}"
    data-due="${timer.dueMs ?? Date.parse(timer.dueAt)}" data-warn="${timer.warnBefore}" data-label="${label}">${label} ${left}</span>`;
}

/** The live board: open and queued incidents by priority and age, with their timers. */
export function board(state, now, selectedId) {
  const rows = boardIncidents(state.incidents.values());
  const escalations = rows.flatMap((i) => i.escalations.filter((e) => !e.acknowledged).map((e) => ({ ...e, incidentId: i.id })));
  const body = rows.slice(0, 200).map((i) => {
    const units = i.units.filter((u) => u.stage !== 'released' && u.stage !== 'closed')
      .map((u) => `<span class="unit-chip" data-unit="${esc(u.unitId)}" title="${esc(u.rule)}">${esc(u.callSign)} <small>${esc(u.rule)}</small></span>`).join(' ');
    const timers = activeTimers(i).map((tm) => timerChip(tm, now)).join(' ');
    return `<tr data-incident="${esc(i.id)}" class="${i.id === selectedId ? 'selected' : ''} p${i.priority} ${i.major ? 'major' : ''}">
      <td><a href="#incident/${esc(i.id)}">${esc(i.id)}</a></td><td class="prio">P${i.priority}${i.major ? ' ★' : ''}</td><td class="age" data-opened="${i.openedMs ?? Date.parse(i.openedAt)}">${age(i, now)}</td>
      <td class="category">${esc(i.category)}</td><td class="place">${esc(i.address || i.gridId || '')}</td><td>${units || `<em>${t(i.state)}</em>`}</td>
      <td>${esc(i.commandStationId || i.stationId || '')}</td><td class="timers">${timers}</td></tr>`;
  }).join('');
  const escal = escalations.map((e) => `<li data-escalation="${esc(e.id)}"><a href="#incident/${esc(e.incidentId)}">${esc(e.incidentId)}</a> L${e.level} ${esc(e.reason)} <small>${formatClock(new Date(e.at), state.timeZone)}</small></li>`).join('');
  return `<section class="board"><table class="grid"><thead><tr><th>${t('incident')}</th><th>${t('priority')}</th><th>${t('age')}</th><th>${t('category')}</th>
    <th>${t('place')}</th><th>${t('assigned')}</th><th>${t('command')}</th><th>${t('timers')}</th></tr></thead>
    <tbody>${body || `<tr><td colspan="8" class="empty">${t('noIncidents')}</td></tr>`}</tbody></table>
    ${rows.length > 200 ? `<p class="more">+${rows.length - 200}</p>` : ''}</section>
    <aside class="escalations"><h2>${t('escalations')} (${escalations.length})</h2><ul>${escal}</ul>
    <h2>${t('shortcuts')}</h2><p class="keys">j/k ↕ · Enter ${t('open')} · a ${t('assign')} · r ${t('reassign')} · x ${t('cancel')} · c ${t('reclassify')} · m ${t('major')} · e ${t('acknowledge')} · o ${t('coordinate')} (6) · 1–7 · L 中/EN</p></aside>`;
}

/** Every unit: state, position, current incident, shift, why it is not available. */
/** One row of the unit board (also patched in alone when only that unit changed). */
export function unitRow(u) {
  return `<tr data-unit="${esc(u.id)}">
    <td>${esc(u.id)}</td><td>${esc(u.callSign)}</td><td>${esc(u.kind)}</td><td>${esc(u.stationId || '')}</td>
    <td class="state ${esc(u.state)}" data-state="${esc(u.state)}">${t(u.state)}</td><td>${u.lat.toFixed(4)}, ${u.lon.toFixed(4)}</td>
    <td>${u.incidentId ? `<a href="#incident/${esc(u.incidentId)}">${esc(u.incidentId)}</a>` : ''}</td><td>${esc(u.shift || '')}</td>
    <td>${u.state === 'available' ? '' : esc(u.reason || '')}</td></tr>`;
}

export function units(state) {
  const rows = [...state.units.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(unitRow).join('');
  return `<table class="grid units"><thead><tr><th>ID</th><th></th><th>${t('kind')}</th><th>${t('station')}</th><th>${t('state')}</th>
    <th>${t('position')}</th><th>${t('current')}</th><th>${t('shift')}</th><th>${t('why')}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** One incident: timeline, merged calls, handovers, escalations, the caller (masked), outcome. */
/** The callers as intake answered the console's token: shown as given (masked there by the token's roles, never here). */
export function callerText(callers) {
  if (callers === undefined || callers === null) return '…';
  if (callers.error) return `<small>${t('callerHidden')} (${esc(callers.error)})</small>`;
  return callers.map((c) => `<span class="caller" data-call="${esc(c.callId)}">${esc(c.caller?.name || '')} ${esc(c.caller?.phone || '')}</span>`).join(' · ') || '—';
}

export function incident(state, id, now, callers) {
  const i = state.incidents.get(id);
  if (!i) return `<p>${esc(id)} ?</p>`;
  const tz = state.timeZone;
  const timeline = i.timeline.map((e) => `<li><time>${formatClock(new Date(e.at), tz, true)}</time> <code>${esc(e.type)}</code> ${esc(e.text)}</li>`).join('');
  const unitRows = i.units.map((u) => `<tr data-assignment="${esc(u.unitId)}"><td>${esc(u.callSign)} (${esc(u.unitId)})</td><td>${esc(u.rule)}</td><td>${esc(u.role || '')}</td>
    <td>${Math.round(u.etaSeconds)} s</td><td>${esc(u.stage)}</td></tr>`).join('');
  const escal = i.escalations.map((e) => `<li data-escalation="${esc(e.id)}">L${e.level} ${esc(e.reason)} ${e.acknowledged ? '✓' : `<button data-action="acknowledge" data-escalation="${esc(e.id)}">${t('acknowledge')} (e)</button>`}</li>`).join('');
  return `<section class="detail" data-incident="${esc(i.id)}"><h2>${esc(i.id)} · P${i.priority} ${esc(i.category)} ${i.major ? '★' : ''} · ${t(i.state === 'assigned' ? 'dispatched' : i.state)}</h2>
    <p>${t('place')}: ${esc(i.address || '')} ${esc(i.gridId || '')} · ${t('command')}: ${esc(i.commandStationId || i.stationId || '')} · ${t('calls')}: ${i.calls}
    · ${t('caller')}: ${callerText(callers)} · ${t('outcome')}: ${esc(i.outcome || '—')} · ${t('points')}: ${i.points}</p>
    <p>${esc(i.description || '')}</p>
    <div class="actions">${['assign', 'reassign', 'cancel', 'reclassify', 'major'].map((a) => `<button data-action="${a}">${t(a)}</button>`).join(' ')}</div>
    <div class="timers">${(i.timers || []).map((tm) => timerChip(tm, now)).join(' ')}</div>
    <table class="grid"><thead><tr><th>${t('assigned')}</th><th>${t('rule')}</th><th></th><th>${t('eta')}</th><th>${t('state')}</th></tr></thead><tbody>${unitRows}</tbody></table>
    <h3>${t('escalations')}</h3><ul>${escal}</ul><h3>${t('timeline')}</h3><ol class="timeline">${timeline}</ol></section>`;
}

// The originals' figures (DOMAIN.md §4): scoring's KPI report (GET /v1/kpis, level city; docs/scoring.md,
// "KPIs") is shown against these. On-scene 80 % is the on-scene settlement of minor accidents
// (现场处结率, minorAccidentOnSceneRate); on-site 84 % the on-site mediation or settlement of
// accidents (accidentOnSiteRate); dispute resolution is mediated or settled on scene
// (disputeResolutionRate); the stations' share of accidents is 45 %.
export const kpiTargets = [
  ['signOffOnTimeRate', 0.95, 'signOff 90 s'], ['firstFeedbackOnTimeRate', 0.97, 'feedback 5 h'], ['closeOnTimeRate', 0.998, 'close 22 h'],
  ['selfHandledRate', 0.9278, 'self-handled 自处率'], ['minorAccidentOnSceneRate', 0.80, 'on-scene 现场处结率 (minor accidents)'],
  ['accidentOnSiteRate', 0.84, 'on-site 现场调解/处结 (accidents)'], ['disputeResolutionRate', 0.98, 'dispute resolution 纠纷化解'],
  ['stationAccidentShare', 0.45, 'stations\' share of accidents'],
];

function bar(value, target) {
  const width = value === null || value === undefined ? 0 : Math.round(value * 200);
  return `<svg width="200" height="12"><rect width="200" height="12" class="track"/><rect width="${width}" height="12" class="bar"/><line x1="${target * 200}" x2="${target * 200}" y1="0" y2="12" class="goal"/></svg>`;
}
const pct = (v) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1) + ' %');

/**
 * Rankings live from the bus (every officer's points, line by line), then scoring's own figures
 * for the chosen period and level: rankings, the KPI dashboard against the originals, the
 * interval report and the monthly awards. `service` is what scoring answered (or null).
 */
export function scoring(state, officerId, service, choice) {
  const ranked = rankings(state.officers.values());
  const rows = ranked.slice(0, 100).map((o) => `<tr data-officer="${esc(o.id)}"><td>${o.rank}</td><td><a href="#scoring/${esc(o.id)}">${esc(o.name)}</a></td>
    <td>${esc(o.stationId || '')}</td><td class="points">${o.points.toFixed(1)}</td></tr>`).join('');
  const o = officerId && state.officers.get(officerId);
  const lines = o ? `<h3>${esc(o.name)} · ${t('lines')}</h3><table class="grid"><tbody>${o.lines.map((l) => `<tr><td>${esc(l.incidentId)}</td><td>${esc(l.rule)}</td><td>${l.points}</td><td>${esc(l.explanation || '')}</td></tr>`).join('')}</tbody></table>` : '';
  const city = service?.kpis?.entries?.[0]?.kpis;
  const kpis = kpiTargets.map(([key, target, label]) => {
    const r = city?.[key];
    const v = r?.value ?? null;
    return `<tr data-kpi="${key}"><td>${esc(label)}<br><small>${key}</small></td><td>≥ ${(target * 100).toFixed(2).replace(/\.?0+$/, '')} %</td>
      <td class="${v !== null && v < target ? 'below' : ''}">${pct(v)}${r ? ` <small>${r.numerator}/${r.denominator}</small>` : ''}</td><td>${bar(v, target)}</td></tr>`;
  }).join('');
  const serviceRows = (service?.rankings?.entries || []).slice(0, 20).map((e) => `<tr><td>${e.rank}</td><td>${esc(e.name || e.key)}</td><td>${e.points}</td><td>${e.incidents}</td></tr>`).join('');
  const intervals = (service?.intervals?.entries || []).map((e) => `<tr><td>${esc(e.category)}</td>${['callToDispatch', 'dispatchToSignOff', 'travel', 'onScene', 'total']
    .map((k) => `<td>${e[k]?.medianSeconds != null ? Math.round(e[k].medianSeconds) + ' s' : '—'}</td>`).join('')}</tr>`).join('');
  const awards = service?.awards;
  const star = awards ? `<p>★ ${t('starOfTheMonth')}: ${esc(awards.starOfTheMonth?.[0]?.id ?? awards.starOfTheMonth?.id ?? '—')} ·
    ${t('trafficManagers')}: ${esc((awards.excellentTrafficManagers || []).map((c) => c.id).join(', ') || '—')} ·
    ${t('callTakers')}: ${esc((awards.excellentCallTakers || []).map((c) => c.id).join(', ') || '—')}</p>` : '';
  const select = (name, options, current) => `<select data-choice="${name}">${options.map((x) => `<option ${x === current ? 'selected' : ''}>${x}</option>`).join('')}</select>`;
  return `<section class="scoring"><div><h2>${t('rank')} <small>(${t('live')})</small></h2><table class="grid rankings"><thead><tr><th>#</th><th>${t('officer')}</th><th>${t('station')}</th><th>${t('points')}</th></tr></thead>
    <tbody>${rows}</tbody></table>${lines}</div>
    <div><h2>${t('kpi')} ${select('period', ['day', 'week', 'month', 'all'], choice.period)} ${select('by', ['officer', 'unit', 'station', 'region', 'grid'], choice.by)}</h2>
    <table class="grid kpis"><thead><tr><th></th><th>${t('target')}</th><th>${t('actual')}</th><th></th></tr></thead><tbody>${kpis}</tbody></table>
    <h3>${t('rank')} · ${esc(choice.by)} · ${esc(choice.period)}</h3><table class="grid"><tbody>${serviceRows}</tbody></table>
    <h3>${t('intervals')}</h3><table class="grid"><thead><tr><th></th><th>call→dispatch</th><th>dispatch→sign-off</th><th>travel</th><th>on scene</th><th>total</th></tr></thead><tbody>${intervals}</tbody></table>
    <h3>${t('awards')}</h3>${star}</div></section>`;
}

/** Scoring's hotspot report (top cells, the patrol plan) for the period, then the live heat table: incidents by grid × hour of the city's day. */
export function hotspots(state, hotspotReport, choice) {
  const counts = new Map();
  let max = 1;
  const hourOf = (d) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: state.timeZone, hour: '2-digit', hour12: false }).format(d)) % 24;
  for (const i of state.incidents.values()) {
    const key = i.gridId || '—';
    const row = counts.get(key) || new Array(24).fill(0);
    row[hourOf(new Date(i.openedAt))]++;
    counts.set(key, row);
    max = Math.max(max, ...row);
  }
  const rows = [...counts.entries()].sort().map(([grid, row]) => `<tr><th>${esc(grid)}</th>${row.map((n) => `<td style="background:rgba(220,60,40,${(n / max).toFixed(2)})">${n || ''}</td>`).join('')}</tr>`).join('');
  const report = hotspotReport;
  const top = (report?.top || []).map((c) => `<tr><td>${esc(c.gridId)}</td><td>${c.hour}:00</td><td>${esc(c.category)}</td><td>${c.count}</td><td>${c.trend > 0 ? '+' : ''}${c.trend}</td></tr>`).join('');
  const plan = (report?.patrolPlan || []).map((p) => `<tr><td>${esc(p.stationId)}</td><td>${(p.slots || []).map((slot) => `${esc(slot.gridId)} @ ${(slot.hours || []).join(', ')}`).join(' · ')}</td></tr>`).join('');
  const period = choice.period === 'all' ? 'month' : choice.period;
  const picker = `<select data-choice="period">${['day', 'week', 'month'].map((x) => `<option ${x === period ? 'selected' : ''}>${x}</option>`).join('')}</select>`;
  const scoringPart = report ? `<h3>scoring · ${picker}</h3><div class="scoring"><table class="grid"><thead><tr><th>grid</th><th>hour</th><th>${t('category')}</th><th>n</th><th>±</th></tr></thead><tbody>${top}</tbody></table>
    <table class="grid"><thead><tr><th>${t('station')}</th><th>${t('patrolPlan')}</th></tr></thead><tbody>${plan}</tbody></table></div>` : '';
  return `${scoringPart || `<p>${picker}</p>`}<p>${t('hotspotsNote')}</p><table class="grid heat"><thead><tr><th></th>${[...Array(24).keys()].map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Operations: each service's readiness and figures, the console's own positions and dead letters. */
export function operations(state, services) {
  const status = state.status || { sources: {}, positions: {}, deadLetters: 0, applied: 0 };
  const rows = Object.keys(status.sources).sort().map((s) => `<tr><td>${esc(s)}</td><td>${esc(status.sources[s])}</td><td>${status.positions[s] ?? 0}</td>
    <td>${services && services[s] ? (services[s].ready ? '✓' : '✗') : '…'}</td><td><code>${esc(JSON.stringify(services?.[s]?.stats ?? {}))}</code></td></tr>`).join('');
  return `<table class="grid"><thead><tr><th>${t('source')}</th><th>${t('state')}</th><th>seq</th><th>${t('ready')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>
    <p>${t('applied')}: ${status.applied} · ${t('deadLetters')}: ${status.deadLetters}</p>`;
}

/**
 * Enterprise liaison, from liaison's read API as it answers (docs/liaison.md): the alerts feed
 * (`GET /v1/alerts`), the zero-disturbance coordination queue (`GET /v1/coordination`, holds
 * waiting for the liaison officer first, each with its acknowledgement), cases (`GET /v1/cases`),
 * overdue liaison work (`GET /v1/worklog/overdue`), and the incidents the alerts name, as the
 * board has them. `now` (event time, ms) counts the holds' deadlines down.
 */
export function liaison(state, figures, now) {
  const names = new Map((figures?.enterprises?.enterprises || []).map((e) => [e.id, e.name]));
  const enterprise = (id) => `${esc(id)}${names.has(id) ? ` <small>${esc(names.get(id))}</small>` : ''}`;
  const when = (x) => (x ? formatClock(new Date(x), state.timeZone, true) : '');
  const incidentLink = (id) => `<a href="#incident/${esc(id)}">${esc(id)}</a>`;
  const alerts = figures?.alerts?.alerts || [];
  const alertRows = alerts.slice(0, 100).map((a) => `<tr data-alert="${esc(a.alertId)}"><td>${when(a.at)}</td><td>${enterprise(a.enterpriseId)}</td><td>${incidentLink(a.incidentId)}</td>
    <td>${esc(a.transition)}</td><td>${esc(a.severity)}</td><td>${esc(a.matchedBy)}</td><td>${a.zeroDisturbance ? '✓' : ''}</td><td class="summary">${esc(a.summary || '')}</td></tr>`).join('');
  const holds = [...(figures?.coordination?.holds || [])].sort((a, b) => (a.status === 'held') === (b.status === 'held') ? 0 : a.status === 'held' ? -1 : 1);
  const holdRows = holds.map((h) => {
    const waiting = h.status === 'held' && !h.acknowledgedBy;
    const due = h.dueAt ? Date.parse(h.dueAt) : null;
    const chip = waiting && due ? `<span class="timer ${timerStatus({ state: 'running', dueMs: due, warnBefore: 60 }, now)}" data-due="${due}" data-warn="60" data-fixed="running" data-label="${t('dueAt')}">${t('dueAt')} ${formatRemaining(due - now)}</span>` : '';
    return `<tr data-hold="${esc(h.incidentId)}" data-status="${esc(h.status)}"><td>${incidentLink(h.incidentId)}</td><td>${enterprise(h.enterpriseId)}</td><td>${esc(h.liaisonOfficerId)}</td>
      <td>${t(h.status)}${h.acknowledgedBy ? ` ✓ ${esc(h.acknowledgedBy)}` : ''}</td><td>${esc(h.reason)}</td><td>${when(h.heldAt)}</td><td>${chip}</td>
      <td>${waiting ? `<button data-action="coordinate" data-incident="${esc(h.incidentId)}">${t('acknowledge')} (o)</button>` : esc(h.note || '')}</td></tr>`;
  }).join('');
  const cases = (figures?.cases?.cases || []).slice(0, 50).map((c) => `<tr data-case="${esc(c.caseId)}"><td>${esc(c.caseId)}</td><td>${enterprise(c.enterpriseId)}</td><td>${esc(c.officerId)}</td>
    <td>${c.incidentId ? incidentLink(c.incidentId) : ''}</td><td>${esc(c.title)}</td><td>${esc(c.status)}</td><td>${c.suspectsCaught}</td><td>${c.lossesRecovered}</td><td>${when(c.openedAt)}</td></tr>`).join('');
  const overdueReport = figures?.overdue;
  const overdue = (overdueReport?.overdue || []).map((o) => `<tr data-overdue="${esc(o.enterpriseId)}"><td>${enterprise(o.enterpriseId)}</td><td>${esc(o.liaisonOfficerId)}</td>
    <td>${when(o.lastContactAt) || '—'}</td><td>${o.daysSinceContact == null ? '—' : Math.floor(o.daysSinceContact)}</td></tr>`).join('');
  const alerted = [...new Map(alerts.map((a) => [a.incidentId, a])).values()];
  const incidents = alerted.map((a) => { const i = state.incidents.get(a.incidentId); return `<tr data-enterprise-incident="${esc(a.incidentId)}"><td>${incidentLink(a.incidentId)}</td><td>${enterprise(a.enterpriseId)}</td>
    <td>${esc(i?.category ?? '')}</td><td>${i ? t(i.state) : ''}</td></tr>`; }).join('');
  const head = (cells) => `<thead><tr>${cells.map((c) => `<th>${c}</th>`).join('')}</tr></thead>`;
  return `<section class="liaison-page"><div>
    <h2>${t('coordination')} (${holds.filter((h) => h.status === 'held' && !h.acknowledgedBy).length})</h2>
    <table class="grid coordination">${head([t('incident'), t('enterprise'), t('liaisonOfficer'), t('state'), t('reason'), '', t('dueAt'), ''])}<tbody>${holdRows || `<tr><td colspan="8" class="empty">${t('noneWaiting')}</td></tr>`}</tbody></table>
    <h2>${t('alerts')}</h2>
    <table class="grid alerts">${head(['', t('enterprise'), t('incident'), t('transition'), t('severity'), 'matchedBy', '零打扰', ''])}<tbody>${alertRows}</tbody></table>
    <h3>${t('liaisonNote')}</h3><table class="grid enterprise-incidents">${head([t('incident'), t('enterprise'), t('category'), t('state')])}<tbody>${incidents}</tbody></table></div>
    <div><h2>${t('cases')}</h2><table class="grid cases">${head(['', t('enterprise'), t('officer'), t('incident'), t('title_'), t('state'), t('suspects'), t('recovered'), ''])}<tbody>${cases}</tbody></table>
    <h2>${t('overdue')} ${overdueReport ? `<small>(${overdueReport.periodDays} d)</small>` : ''}</h2>
    <table class="grid overdue">${head([t('enterprise'), t('liaisonOfficer'), t('lastContact'), t('daysSinceContact')])}<tbody>${overdue}</tbody></table></div></section>`;
}
