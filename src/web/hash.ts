/**
 * The page's place, kept in the URL's hash so that a link or a reload shows the same view:
 * `#/<tab>?charts=<device>:<channel>,...` (each name URI-encoded, so `:`, `,`, `;`, `=`, `&`, `%`,
 * `#` and spaces in a name stay inside it; decoded once, after the split), each chart optionally followed
 * by its options: `;x=<channel>` (a scalar against another), `;view=waterfall`, `;n=<rows>` (a
 * trace's overlay); or `#/runs/<id>?charts=...` for one past run (the id as `GET /runs` gives
 * it). Under `rex serve --fleet`, `station=<node>&` comes first: the station chosen. No token ever goes here.
 */

export const TABS = ['live', 'runs', 'start'] as const;
export type Tab = (typeof TABS)[number];

/** The most traces an overlay shows. */
export const MAX_OVERLAY = 50;

export interface ChartKey {
  device: string;
  channel: string;
  /** A scalar chart's X axis: another scalar channel of the device; absent: time. */
  x?: string;
  /** A trace chart: the waterfall; absent: the latest trace with the last `n` overlaid. */
  view?: 'waterfall';
  /** How many traces the overlay shows; absent: 5. */
  n?: number;
}

export interface Place {
  tab: Tab;
  charts: ChartKey[];
  /** The past run shown (tab `runs`), or none: the list. */
  run?: string | undefined;
  /** `rex serve --fleet`: the station chosen (`station=<node>`). */
  station?: string | undefined;
}

export function readPlace(hash: string): Place {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [route = '', ...rest] = path.split('/');
  const tab = (TABS as readonly string[]).includes(route) ? (route as Tab) : 'live';
  let run: string | undefined;
  try {
    run = tab === 'runs' && rest.length > 0 && rest.join('/') !== '' ? decodeURIComponent(rest.join('/')) : undefined;
  } catch {
    // A mangled id: the list.
  }
  const charts: ChartKey[] = [];
  for (const item of rawParam(query, 'charts')?.split(',') ?? []) {
    const [name = '', ...options] = item.split(';');
    // Names are written encoded: a `:` as it is (a link typed by hand) belongs to the channel.
    const colon = name.indexOf(':');
    if (colon < 0) continue;
    try {
      const [device, channel] = [name.slice(0, colon), name.slice(colon + 1)].map(decodeURIComponent) as [string, string];
      charts.push({ device, channel, ...readOptions(options) });
    } catch {
      // A mangled link: that chart is left out.
    }
  }
  let station: string | undefined;
  try {
    const node = rawParam(query, 'station');
    station = node ? decodeURIComponent(node) : undefined;
  } catch {
    // A mangled name: none chosen.
  }
  return { tab, charts, run, station };
}

/**
 * A query parameter's value as it is in the URL, not decoded: URLSearchParams would decode a name's
 * `%2C` to a `,` before the split at the commas.
 */
function rawParam(query: string, name: string): string | undefined {
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}

function readOptions(options: string[]): Partial<ChartKey> {
  const key: Partial<ChartKey> = {};
  for (const option of options) {
    const [name, value = ''] = option.split('=');
    if (name === 'x' && value !== '') key.x = decodeURIComponent(value);
    else if (name === 'view' && value === 'waterfall') key.view = value;
    else if (name === 'n' && /^[1-9]\d?$/.test(value) && Number(value) <= MAX_OVERLAY) key.n = Number(value);
  }
  return key;
}

/** A name as the hash holds it. A lone surrogate cannot be URI-encoded: it becomes U+FFFD (the chart then finds no data). */
const encodeName = (name: string): string => encodeURIComponent(name.replace(/\p{Cs}/gu, '\uFFFD'));

const writeChart = (c: ChartKey): string =>
  `${encodeName(c.device)}:${encodeName(c.channel)}` +
  (c.x !== undefined ? `;x=${encodeName(c.x)}` : '') +
  (c.view !== undefined ? `;view=${c.view}` : '') +
  (c.n !== undefined ? `;n=${c.n}` : '');

export function writePlace(place: Place): string {
  const charts = place.charts.map(writeChart).join(',');
  const run = place.tab === 'runs' && place.run ? `/${encodeURIComponent(place.run)}` : '';
  const params = [place.station ? `station=${encodeName(place.station)}` : '', charts ? `charts=${charts}` : ''].filter((p) => p !== '');
  return `#/${place.tab}${run}${params.length > 0 ? `?${params.join('&')}` : ''}`;
}

export const sameChart = (a: ChartKey, b: ChartKey): boolean => a.device === b.device && a.channel === b.channel;

/** A stable element key for `charts[i]`: a channel may be charted twice (an overlay and a waterfall), so its nth chart. */
export const chartElementKey = (charts: ChartKey[], i: number): string => {
  const chart = charts[i]!;
  return `${chart.device}\u0000${chart.channel}\u0000${charts.slice(0, i).filter((c) => sameChart(c, chart)).length}`;
};

/** The charts with `key`'s channel added (a plot button), or all of that channel's charts removed (its hide button). */
export const toggleChart = (charts: ChartKey[], key: ChartKey): ChartKey[] =>
  charts.some((c) => sameChart(c, key)) ? charts.filter((c) => !sameChart(c, key)) : [...charts, key];
