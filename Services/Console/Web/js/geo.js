// Projection of the city's coordinates onto the SVG map (equirectangular, scaled to the
// latitude's cosine so the city is not stretched). Pure: tests.html checks it.

/** A projector for `bbox` ({minLat,minLon,maxLat,maxLon}) into a `width`-wide box; returns {x, y, width, height}. */
export function projector(bbox, width) {
  const k = Math.cos(((bbox.minLat + bbox.maxLat) / 2) * Math.PI / 180);
  const spanX = (bbox.maxLon - bbox.minLon) * k;
  const spanY = bbox.maxLat - bbox.minLat;
  const height = width * spanY / spanX;
  const project = (lon, lat) => ({
    x: ((lon - bbox.minLon) * k / spanX) * width,
    y: ((bbox.maxLat - lat) / spanY) * height,
  });
  return { project, width, height };
}

/** The SVG path of a GeoJSON polygon ring list. */
export function polygonPath(rings, project) {
  return rings.map((ring) => ring.map(([lon, lat], i) => {
    const p = project(lon, lat);
    return `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  }).join('') + 'Z').join('');
}
