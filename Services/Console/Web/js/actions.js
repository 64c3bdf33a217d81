// The dispatcher's actions: a small form per action, sent through the console to dispatch.
import { t } from './i18n.js';

const escape = (x) => String(x ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

/** Posts `body` to the console's pass-through; resolves to {ok, status, body}. */
export async function send(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  let json = null;
  try { json = await response.json(); } catch { json = null; }
  return { ok: response.ok, status: response.status, body: json };
}

/** The request an action sends, from the form's values (pure: tests.html checks it). Who acts (the
 *  dispatcher, the officer) is never in the body: the service takes it from the bearer token. */
export function requestFor(action, incidentId, values) {
  const common = { reason: values.reason };
  switch (action) {
    case 'assign': return { path: `/api/incidents/${incidentId}/assign`, body: { unitId: values.unitId, ...common } };
    case 'reassign': return { path: `/api/incidents/${incidentId}/reassign`, body: { fromUnitId: values.fromUnitId, toUnitId: values.unitId, ...common } };
    case 'cancel': return { path: `/api/incidents/${incidentId}/cancel-assignment`, body: { unitId: values.fromUnitId, ...common } };
    case 'reclassify': return { path: `/api/incidents/${incidentId}/reclassify`, body: { category: values.category, ...common } };
    case 'major': return { path: `/api/incidents/${incidentId}/major`, body: { major: values.major !== 'false', ...common } };
    case 'acknowledge': return { path: `/api/escalations/${values.escalationId}/acknowledge`, body: common };
    // liaison's contract: the officer who acknowledges, and a note (the reason).
    case 'coordinate': return { path: `/api/coordination/${incidentId}/acknowledge`, body: { note: values.reason } };
    default: throw new Error(`unknown action ${action}`);
  }
}

const categories = ['criminal', 'publicOrder', 'dispute', 'accidentMinor', 'accidentCasualty', 'helpRequest', 'nonPolice'];

/** Who the services will record as acting: the signed-in person, or the console's own token. */
function actingAs() {
  return `<p class="acting">${t('actingAs')}: ${escape(window.precinctSession?.().person?.subject || t('consoleToken'))}</p>`;
}

/** Opens the action dialog for `incident` (`extra`: values the page adds, such as the escalation). */
export async function openAction(dialog, action, incident, extra = {}) {
  const current = incident.units.filter((u) => !['released', 'closed'].includes(u.stage));
  let recommended = '';
  if (action === 'assign' || action === 'reassign') {
    const r = await fetch(`/api/incidents/${incident.id}/recommendations`);
    const json = r.ok ? await r.json() : { units: [] };
    const units = (json.units || []).sort((a, b) => a.etaSeconds - b.etaSeconds);
    recommended = `<label>${t('recommended')}<select name="unitId" required>${units.map((u, i) => `<option value="${u.unitId}" ${i === 0 ? 'selected' : ''}>${u.unitId} · ${u.kind} · ${t('eta')} ${Math.round(u.etaSeconds)} s · ${Math.round(u.distanceMeters)} m · ${u.rule}</option>`).join('')}</select></label>`
      + (r.ok ? '' : `<p class="error">${r.status}</p>`);
  }
  const from = (action === 'reassign' || action === 'cancel')
    ? `<label>${t('assigned')}<select name="fromUnitId">${current.map((u) => `<option value="${u.unitId}">${u.callSign} (${u.unitId})</option>`).join('')}</select></label>` : '';
  const category = action === 'reclassify' ? `<label>${t('category')}<select name="category">${categories.map((c) => `<option value="${c}" ${c === incident.category ? 'selected' : ''}>${c}</option>`).join('')}</select></label>` : '';
  const major = action === 'major' ? `<label>${t('major')}<select name="major"><option value="true">✓</option><option value="false">✗</option></select></label>` : '';
  showForm(dialog, action, `${t(action)} · ${incident.id}`, `${recommended}${from}${category}${major}`,
    (values) => requestFor(action, incident.id, { ...values, ...extra }));
}

/** Opens the acknowledgement of a zero-disturbance hold: the liaison officer agrees to police action at the site. */
export function openCoordination(dialog, hold, done) {
  showForm(dialog, 'coordinate', `${t('coordinate')} · ${escape(hold.incidentId)} · ${escape(hold.enterpriseId)}`,
    `<p>${t('liaisonOfficer')}: ${escape(hold.liaisonOfficerId)}</p>`, (values) => requestFor('coordinate', hold.incidentId, values), done);
}

/** The one action form: `fields`, who acts, a required reason; sends `request(values)` and stays
 *  open with the service's error (the one APIError shape) when it refuses. */
function showForm(dialog, action, title, fields, request, done) {
  dialog.innerHTML = `<form method="dialog" data-action="${action}"><h2>${title}</h2>${fields}
    ${actingAs()}
    <label>${t('reason')}<input name="reason" required autofocus></label><p class="error" hidden></p>
    <menu><button type="submit" class="primary">${t('send')} ⏎</button> <button type="button" data-close>Esc</button></menu></form>`;
  const form = dialog.querySelector('form');
  form.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { path, body } = request(Object.fromEntries(new FormData(form).entries()));
    const answer = await send(path, body);
    if (answer.ok) { dialog.close(); done?.(); return; }
    showRefusal(form, answer);
  });
  dialog.showModal();
  form.querySelector('input[name=reason]').focus();
}

/** Keeps the form open with the service's refusal (the one APIError shape: code and message). */
function showRefusal(form, answer) {
  const error = form.querySelector('.error');
  error.hidden = false;
  error.textContent = answer.body?.error ? `${answer.body.error.code}: ${answer.body.error.message}` : `HTTP ${answer.status}`;
}

/** Signs a person in with their own bearer token (the console then acts as them). */
export function openSignIn(dialog, done) {
  dialog.innerHTML = `<form method="dialog" data-action="sign-in"><h2>${t('signIn')}</h2>
    <label>${t('token')}<textarea name="token" rows="4" required autofocus></textarea></label><p class="error" hidden></p>
    <menu><button type="submit" class="primary">${t('send')} ⏎</button> <button type="button" data-close>Esc</button></menu></form>`;
  const form = dialog.querySelector('form');
  form.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  const submit = async (event) => {
    event?.preventDefault();
    const answer = await send('/api/session', { token: form.querySelector('textarea').value.trim() });
    if (answer.ok) { dialog.close(); done?.(); return; }
    showRefusal(form, answer);
  };
  form.addEventListener('submit', submit);
  // Enter sends (a pasted token is one line); Shift+Enter would add a line.
  form.querySelector('textarea').addEventListener('keydown', (event) => { if (event.key === 'Enter' && !event.shiftKey) submit(event); });
  dialog.showModal();
  form.querySelector('textarea').focus();
}
