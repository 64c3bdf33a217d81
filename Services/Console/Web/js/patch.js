// Changes applied to the page in place, for the two things that happen most: the clock ticking
// (timers and ages recounted) and a few units moving (their rows and dots replaced). A full redraw
// of 1,000 rows or dots for one unit would keep a loaded wall display busy.
import { formatRemaining, timerStatus } from './model.js';
import { unitRow } from './views.js';

/** Recounts every timer chip and age cell on the page at `now` (ms). */
export function tick(root, now) {
  for (const chip of root.querySelectorAll('span.timer[data-due]')) {
    const due = Number(chip.dataset.due);
    const status = timerStatus({ state: chip.dataset.fixed, dueMs: due, warnBefore: Number(chip.dataset.warn) }, now);
    if (chip.dataset.state !== status) {
      chip.dataset.state = status;
      chip.className = `timer ${status}`;
    }
    chip.textContent = `${chip.dataset.label} ${formatRemaining(due - now)}`;
  }
  for (const cell of root.querySelectorAll('td.age[data-opened]')) cell.textContent = formatRemaining(now - Number(cell.dataset.opened)).replace('-', '');
}

/**
 * Replaces the rows (unit board) or dots (map) of `units` in place; returns false when one is not
 * on the page (the caller redraws the page instead).
 */
export function patchUnits(root, page, units, project) {
  for (const u of units) {
    if (page === 'units') {
      const row = root.querySelector(`tr[data-unit="${CSS.escape(u.id)}"]`);
      if (!row) return false;
      row.outerHTML = unitRow(u);
    } else if (page === 'map') {
      const dot = root.querySelector(`circle[data-unit="${CSS.escape(u.id)}"]`);
      if (!dot) return false;
      const p = project(u.lon, u.lat);
      dot.setAttribute('cx', p.x.toFixed(1));
      dot.setAttribute('cy', p.y.toFixed(1));
      dot.setAttribute('class', `unit ${u.state}`);
      dot.dataset.state = u.state;
    } else {
      return false;
    }
  }
  return true;
}
