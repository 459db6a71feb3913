/**
 * The page's place, kept in the URL's hash so that a link or a reload shows the same view:
 * `#/<tab>?charts=<device>:<channel>,...` (each name URI-encoded), or `#/runs/<id>?charts=...` for one
 * past run (the id as `GET /runs` gives it). No token ever goes here.
 */

export const TABS = ['live', 'runs'] as const;
export type Tab = (typeof TABS)[number];

export interface ChartKey {
  device: string;
  channel: string;
}

export interface Place {
  tab: Tab;
  charts: ChartKey[];
  /** The past run shown (tab `runs`), or none: the list. */
  run?: string | undefined;
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
  for (const item of new URLSearchParams(query).get('charts')?.split(',') ?? []) {
    const [device, channel] = item.split(':');
    if (device === undefined || channel === undefined) continue;
    try {
      charts.push({ device: decodeURIComponent(device), channel: decodeURIComponent(channel) });
    } catch {
      // A mangled link: that chart is left out.
    }
  }
  return { tab, charts, run };
}

export function writePlace(place: Place): string {
  const charts = place.charts.map((c) => `${encodeURIComponent(c.device)}:${encodeURIComponent(c.channel)}`).join(',');
  const run = place.tab === 'runs' && place.run ? `/${encodeURIComponent(place.run)}` : '';
  return `#/${place.tab}${run}${charts ? `?charts=${charts}` : ''}`;
}

export const sameChart = (a: ChartKey, b: ChartKey): boolean => a.device === b.device && a.channel === b.channel;
