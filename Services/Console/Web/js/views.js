// The pages as HTML strings from the state. Each returns markup; main.js places it.
import { t } from './i18n.js';
import { activeTimers, age, boardIncidents, formatClock, formatRemaining, maskPhone, rankings, timerKPI, timerStatus } from './model.js';

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
      .map((u) => `<span class="unit-chip" title="${esc(u.rule)}">${esc(u.callSign)} <small>${esc(u.rule)}</small></span>`).join(' ');
    const timers = activeTimers(i).map((tm) => timerChip(tm, now)).join(' ');
    return `<tr data-incident="${esc(i.id)}" class="${i.id === selectedId ? 'selected' : ''} p${i.priority} ${i.major ? 'major' : ''}">
      <td><a href="#incident/${esc(i.id)}">${esc(i.id)}</a></td><td class="prio">P${i.priority}${i.major ? ' ★' : ''}</td><td class="age" data-opened="${i.openedMs ?? Date.parse(i.openedAt)}">${age(i, now)}</td>
      <td>${esc(i.category)}</td><td class="place">${esc(i.address || i.gridId || '')}</td><td>${units || `<em>${t(i.state)}</em>`}</td>
      <td>${esc(i.commandStationId || i.stationId || '')}</td><td class="timers">${timers}</td></tr>`;
  }).join('');
  const escal = escalations.map((e) => `<li data-escalation="${esc(e.id)}"><a href="#incident/${esc(e.incidentId)}">${esc(e.incidentId)}</a> L${e.level} ${esc(e.reason)} <small>${formatClock(new Date(e.at), state.timeZone)}</small></li>`).join('');
  return `<section class="board"><table class="grid"><thead><tr><th>${t('incident')}</th><th>${t('priority')}</th><th>${t('age')}</th><th>${t('category')}</th>
    <th>${t('place')}</th><th>${t('assigned')}</th><th>${t('command')}</th><th>${t('timers')}</th></tr></thead>
    <tbody>${body || `<tr><td colspan="8" class="empty">${t('noIncidents')}</td></tr>`}</tbody></table>
    ${rows.length > 200 ? `<p class="more">+${rows.length - 200}</p>` : ''}</section>
    <aside class="escalations"><h2>${t('escalations')} (${escalations.length})</h2><ul>${escal}</ul>
    <h2>${t('shortcuts')}</h2><p class="keys">j/k ↕ · Enter ${t('open')} · a ${t('assign')} · r ${t('reassign')} · x ${t('cancel')} · c ${t('reclassify')} · m ${t('major')} · e ${t('acknowledge')} · 1–8 · L 中/EN</p></aside>`;
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
export function incident(state, id, now) {
  const i = state.incidents.get(id);
  if (!i) return `<p>${esc(id)} ?</p>`;
  const tz = state.timeZone;
  const timeline = i.timeline.map((e) => `<li><time>${formatClock(new Date(e.at), tz, true)}</time> <code>${esc(e.type)}</code> ${esc(e.text)}</li>`).join('');
  const unitRows = i.units.map((u) => `<tr data-assignment="${esc(u.unitId)}"><td>${esc(u.callSign)} (${esc(u.unitId)})</td><td>${esc(u.rule)}</td><td>${esc(u.role || '')}</td>
    <td>${Math.round(u.etaSeconds)} s</td><td>${esc(u.stage)}</td></tr>`).join('');
  const escal = i.escalations.map((e) => `<li data-escalation="${esc(e.id)}">L${e.level} ${esc(e.reason)} ${e.acknowledged ? '✓' : `<button data-action="acknowledge" data-escalation="${esc(e.id)}">${t('acknowledge')} (e)</button>`}</li>`).join('');
  return `<section class="detail" data-incident="${esc(i.id)}"><h2>${esc(i.id)} · P${i.priority} ${esc(i.category)} ${i.major ? '★' : ''} · ${t(i.state)}</h2>
    <p>${t('place')}: ${esc(i.address || '')} ${esc(i.gridId || '')} · ${t('command')}: ${esc(i.commandStationId || i.stationId || '')} · ${t('calls')}: ${i.calls}
    · ${t('caller')}: ${esc(i.callerName ? i.callerName[0] + '*' : '')} ${maskPhone(i.callerPhone)} · ${t('outcome')}: ${esc(i.outcome || '—')} · ${t('points')}: ${i.points}</p>
    <p>${esc(i.description || '')}</p>
    <div class="actions">${['assign', 'reassign', 'cancel', 'reclassify', 'major'].map((a) => `<button data-action="${a}">${t(a)}</button>`).join(' ')}</div>
    <div class="timers">${(i.timers || []).map((tm) => timerChip(tm, now)).join(' ')}</div>
    <table class="grid"><thead><tr><th>${t('assigned')}</th><th>${t('rule')}</th><th></th><th>${t('eta')}</th><th>${t('state')}</th></tr></thead><tbody>${unitRows}</tbody></table>
    <h3>${t('escalations')}</h3><ul>${escal}</ul><h3>${t('timeline')}</h3><ol class="timeline">${timeline}</ol></section>`;
}

// The originals' figures (DOMAIN.md): the KPI dashboard compares against these.
const targets = [
  ['signOff', 0.95], ['firstFeedback', 0.97], ['close', 0.998],
];

/** Rankings, one officer's points line by line, the KPI dashboard. */
export function scoring(state, officerId) {
  const ranked = rankings(state.officers.values());
  const rows = ranked.slice(0, 100).map((o) => `<tr data-officer="${esc(o.id)}"><td>${o.rank}</td><td><a href="#scoring/${esc(o.id)}">${esc(o.name)}</a></td>
    <td>${esc(o.stationId || '')}</td><td class="points">${o.points.toFixed(1)}</td></tr>`).join('');
  const incidents = [...state.incidents.values()];
  const kpis = targets.map(([name, target]) => {
    const v = timerKPI(incidents, name);
    const pct = v === null ? '—' : (v * 100).toFixed(1) + ' %';
    const width = v === null ? 0 : Math.round(v * 100);
    return `<tr><td>${t(name)}</td><td>≥ ${(target * 100).toFixed(1)} %</td><td class="${v !== null && v < target ? 'below' : ''}">${pct}</td>
      <td><svg width="200" height="12"><rect width="200" height="12" class="track"/><rect width="${width * 2}" height="12" class="bar"/><line x1="${target * 200}" x2="${target * 200}" y1="0" y2="12" class="goal"/></svg></td></tr>`;
  }).join('');
  const o = officerId && state.officers.get(officerId);
  const lines = o ? `<h3>${esc(o.name)} · ${t('lines')}</h3><table class="grid"><tbody>${o.lines.map((l) => `<tr><td>${esc(l.incidentId)}</td><td>${esc(l.rule)}</td><td>${l.points}</td><td>${esc(l.explanation || '')}</td></tr>`).join('')}</tbody></table>` : '';
  return `<section class="scoring"><div><h2>${t('rank')}</h2><table class="grid rankings"><thead><tr><th>#</th><th>${t('officer')}</th><th>${t('station')}</th><th>${t('points')}</th></tr></thead>
    <tbody>${rows}</tbody></table></div><div><h2>${t('kpi')}</h2><table class="grid"><thead><tr><th></th><th>${t('target')}</th><th>${t('actual')}</th><th></th></tr></thead><tbody>${kpis}</tbody></table>${lines}</div></section>`;
}

/** Incidents by grid × hour (of the city's day) for every category: a heat table. */
export function hotspots(state) {
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
  return `<p>${t('hotspotsNote')}</p><table class="grid heat"><thead><tr><th></th>${[...Array(24).keys()].map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Operations: each service's readiness and figures, the console's own positions and dead letters. */
export function operations(state, services) {
  const status = state.status || { sources: {}, positions: {}, deadLetters: 0, applied: 0 };
  const rows = Object.keys(status.sources).sort().map((s) => `<tr><td>${esc(s)}</td><td>${esc(status.sources[s])}</td><td>${status.positions[s] ?? 0}</td>
    <td>${services && services[s] ? (services[s].ready ? '✓' : '✗') : '…'}</td><td><code>${esc(JSON.stringify(services?.[s]?.stats ?? {}))}</code></td></tr>`).join('');
  return `<table class="grid"><thead><tr><th>${t('source')}</th><th>${t('state')}</th><th>seq</th><th>${t('ready')}</th><th></th></tr></thead><tbody>${rows}</tbody></table>
    <p>${t('applied')}: ${status.applied} · ${t('deadLetters')}: ${status.deadLetters}</p>`;
}
