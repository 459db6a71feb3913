/**
 * The page's place, kept in the URL's hash so that a link or a reload shows the same view:
 * `#/<tab>?charts=<device>:<channel>,...` (each name URI-encoded). No token ever goes here.
 */

export const TABS = ['live', 'start'] as const;
export type Tab = (typeof TABS)[number];

export interface ChartKey {
  device: string;
  channel: string;
}

export interface Place {
  tab: Tab;
  charts: ChartKey[];
}

export function readPlace(hash: string): Place {
  const [route = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const tab = (TABS as readonly string[]).includes(route) ? (route as Tab) : 'live';
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
  return { tab, charts };
}

export function writePlace(place: Place): string {
  const charts = place.charts.map((c) => `${encodeURIComponent(c.device)}:${encodeURIComponent(c.channel)}`).join(',');
  return `#/${place.tab}${charts ? `?charts=${charts}` : ''}`;
}

export const sameChart = (a: ChartKey, b: ChartKey): boolean => a.device === b.device && a.channel === b.channel;
