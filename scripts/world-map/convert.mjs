// Converts Natural Earth admin-0 countries (the `world-atlas` npm package, 1:110m shapes and
// 1:50m for the countries 110m leaves out) into the compact, projected data qiao embeds:
// `src/charts/world.json`. Run once with `npm ci && npm run convert`; the output is committed so
// building qiao needs neither node nor the network.
//
// Output: { source, width, height, countries: [{ code, d?, at: [x, y], dot }] }, where `d` is an
// SVG path in the viewBox `0 0 width height` (Equal Earth projection, integer coordinates),
// `at` is where a label or dot goes (the centroid of the country's largest polygon), and `dot`
// says the shape is missing or too small to see, so the map draws a dot marker there.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { geoArea, geoCentroid, geoEqualEarth, geoPath } from "d3-geo";
import countries from "i18n-iso-countries";
import { feature } from "topojson-client";

const require = createRequire(import.meta.url);
const load = (file) => JSON.parse(readFileSync(require.resolve(`world-atlas/${file}`), "utf8"));
const atlasVersion = JSON.parse(
  readFileSync(require.resolve("world-atlas/package.json"), "utf8"),
).version;

// The viewBox width. Coordinates are rounded to whole units, so this sets the detail kept:
// 1000 keeps the 110m outlines recognisable at 1280 px and the page's budget of 60 KB gzip.
const WIDTH = 1000;
// A shape whose projected box is smaller than this (in viewBox units) on both sides is a speck
// nobody can point at: it gets a dot as well.
const SMALL = 7;

// Natural Earth gives these no ISO 3166 numeric code. Northern Cyprus and Somaliland are drawn
// as part of the ISO countries that contain them; Kosovo has the user-assigned code XK.
const UNCODED = { "N. Cyprus": "CY", Somaliland: "SO", Kosovo: "XK" };

// ISO codes with no shape even at 1:50m (overseas departments drawn inside France's outline,
// and specks of islands). Latitude and longitude from the `countries` gem data as shipped in
// the keshvar crate 0.7.0 (src/countries/<code>.rs, `geo.latitude` / `geo.longitude`).
const POINTS = {
  BQ: [12.1783611, -68.2385339],
  BV: [-54.4207915, 3.3464497],
  CC: [-12.164165, 96.870956],
  CX: [-10.447525, 105.690449],
  GF: [3.933889, -53.125782],
  GI: [36.140751, -5.353585],
  GP: [16.265, -61.551],
  MQ: [14.641528, -61.024174],
  RE: [-21.115141, 55.536384],
  SJ: [77.553604, 23.6702719],
  TK: [-9.2002, -171.8484],
  TV: [-7.109535, 177.64933],
  UM: [19.2823192, 166.647047],
  YT: [-12.8275, 45.166244],
};

const ANTARCTICA = "010";

function codeOf(f) {
  if (f.id === undefined) return UNCODED[f.properties.name];
  return countries.numericToAlpha2(f.id);
}

const world110 = feature(load("countries-110m.json"), "countries").features;
const world50 = feature(load("countries-50m.json"), "countries").features;

// Antarctica is left out: it would take a fifth of the map's height for no partner country.
const shown = world110.filter((f) => f.id !== ANTARCTICA);
const projection = geoEqualEarth().fitWidth(WIDTH, { type: "FeatureCollection", features: shown });
const bounds = geoPath(projection).bounds({ type: "FeatureCollection", features: shown });
// fitWidth leaves the top edge at 0; the height is whatever the shapes need.
const HEIGHT = Math.ceil(bounds[1][1]);

/** Records the projected rings d3 streams, to write them as compact relative paths. */
function rings(geometry) {
  const out = [];
  let ring = null;
  geoPath(projection, {
    moveTo(x, y) {
      ring = [[x, y]];
      out.push(ring);
    },
    lineTo(x, y) {
      ring.push([x, y]);
    },
    closePath() {},
    arc() {},
  })(geometry);
  return out;
}

/** `M x y` then relative `l` steps, whole units, repeated points dropped; `-` separates too. */
function pathOf(ringList) {
  const num = (n, first) => (first || n < 0 ? `${n}` : ` ${n}`);
  let d = "";
  for (const ring of ringList) {
    const pts = [];
    for (const [x, y] of ring) {
      const p = [Math.round(x), Math.round(y)];
      const last = pts[pts.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
    }
    if (pts.length > 1 && pts[0][0] === pts.at(-1)[0] && pts[0][1] === pts.at(-1)[1]) pts.pop();
    // A ring that rounds to fewer than three points encloses nothing visible.
    if (pts.length < 3) continue;
    d += `M${pts[0][0]}${num(pts[0][1])}l`;
    for (let i = 1; i < pts.length; i++) {
      d += num(pts[i][0] - pts[i - 1][0], i === 1) + num(pts[i][1] - pts[i - 1][1]);
    }
    d += "z";
  }
  return d;
}

/** The polygons of a (Multi)Polygon feature, largest (on the sphere) first. */
function polygons(f) {
  const g = f.geometry;
  const list = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  return list
    .map((coordinates) => ({ type: "Polygon", coordinates }))
    .sort((a, b) => geoArea(b) - geoArea(a));
}

// Islands beside the antimeridian (Tuvalu) project a hair outside the fitted box: their dots
// are kept whole inside the viewBox.
const EDGE = 5;
const clamp = (v, max) => Math.min(Math.max(v, EDGE), max - EDGE);
const round = ([x, y]) => [clamp(Math.round(x), WIDTH), clamp(Math.round(y), HEIGHT)];
const byCode = new Map();

for (const f of shown) {
  const code = codeOf(f);
  if (!code) throw new Error(`no ISO code for ${f.id} ${f.properties.name}`);
  const entry = byCode.get(code) ?? { code, d: "", box: null, at: null };
  entry.d += pathOf(rings(f));
  const [[x0, y0], [x1, y1]] = geoPath(projection).bounds(f);
  entry.box = entry.box
    ? [Math.min(entry.box[0], x0), Math.min(entry.box[1], y0), Math.max(entry.box[2], x1), Math.max(entry.box[3], y1)]
    : [x0, y0, x1, y1];
  // A merged feature (Northern Cyprus) keeps the label point of the ISO country's own shape.
  if (!entry.at || f.id !== undefined) entry.at = round(projection(geoCentroid(polygons(f)[0])));
  byCode.set(code, entry);
}

for (const f of world50) {
  const code = codeOf(f);
  if (!code || byCode.has(code) || f.id === ANTARCTICA) continue;
  byCode.set(code, { code, d: "", box: null, at: round(projection(geoCentroid(polygons(f)[0]))) });
}

for (const [code, [lat, lon]] of Object.entries(POINTS)) {
  if (byCode.has(code)) throw new Error(`${code} has a shape: drop it from POINTS`);
  byCode.set(code, { code, d: "", box: null, at: round(projection([lon, lat])) });
}

const list = [...byCode.values()]
  .sort((a, b) => a.code.localeCompare(b.code))
  .map(({ code, d, box, at }) => {
    const small = !d || (box[2] - box[0] < SMALL && box[3] - box[1] < SMALL);
    return d ? { code, d, at, dot: small } : { code, at, dot: true };
  });

const missing = Object.keys(countries.getAlpha2Codes()).filter((c) => !byCode.has(c) && c !== "AQ");
if (missing.length) process.stderr.write(`not on the map: ${missing.join(" ")}\n`);

process.stdout.write(
  JSON.stringify({
    source: `Natural Earth admin-0 countries 1:110m (1:50m for small countries), public domain, via world-atlas ${atlasVersion}; Equal Earth projection; scripts/world-map/convert.mjs`,
    width: WIDTH,
    height: HEIGHT,
    countries: list,
  }) + "\n",
);
