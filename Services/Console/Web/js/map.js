// The map: the city's grids, posts and response points (drawn once from its own files), then
// incidents and units on top, redrawn from the state.
import { polygonPath, projector } from './geo.js';

let base = null;

/** Loads the city's files and draws the fixed layers once. */
export async function loadCity() {
  const [jurisdiction, grids] = await Promise.all([fetch('/city/jurisdiction.json').then((r) => r.json()), fetch('/city/grids.geojson').then((r) => r.json())]);
  const { project, width, height } = projector(jurisdiction.city.bbox, 1000);
  const gridPaths = grids.features.map((f) => `<path class="grid-cell" d="${polygonPath(f.geometry.coordinates, project)}"><title>${f.properties.id} ${f.properties.name}</title></path>`).join('');
  const dot = (cls, loc, r, title) => { const p = project(loc.lon, loc.lat); return `<rect class="${cls}" x="${(p.x - r).toFixed(1)}" y="${(p.y - r).toFixed(1)}" width="${2 * r}" height="${2 * r}"><title>${title}</title></rect>`; };
  const fixed = gridPaths
    + jurisdiction.stations.map((s) => dot('station', s.location, 5, `${s.id} ${s.name}`)).join('')
    + jurisdiction.posts.map((p) => dot('post', p.location, 4, `${p.id} ${p.name}`)).join('')
    + jurisdiction.responsePoints.map((p) => dot('rp', p.location, 2.5, `${p.id} ${p.minutes}′`)).join('');
  base = { project, width, height, fixed };
  return base;
}

/** The map's projection (after loadCity). */
export function cityProjection() { return base?.project; }

/** The whole map as SVG markup (the fixed layers plus the live ones). */
export function mapSVG(state) {
  if (!base) return '<p>…</p>';
  const { project, width, height, fixed } = base;
  const incidents = [...state.incidents.values()].filter((i) => i.state !== 'closed' && i.lat != null).map((i) => {
    const p = project(i.lon, i.lat);
    return `<a href="#incident/${i.id}"><circle class="incident p${i.priority}" data-incident="${i.id}" cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="7"><title>${i.id} ${i.category}</title></circle></a>`;
  }).join('');
  const units = [...state.units.values()].map((u) => {
    const p = project(u.lon, u.lat);
    return `<circle class="unit ${u.state}" data-unit="${u.id}" data-state="${u.state}" cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="3.5"><title>${u.id} ${u.callSign} ${u.state}</title></circle>`;
  }).join('');
  return `<svg class="map" viewBox="0 0 ${width} ${height.toFixed(0)}" preserveAspectRatio="xMidYMid meet">${fixed}<g>${units}</g><g>${incidents}</g></svg>`;
}
