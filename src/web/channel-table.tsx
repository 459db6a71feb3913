/** A device's channels as the Live and Past runs tabs list them, each with its plot toggle. */
import type { ComponentChildren } from 'preact';
import { type ChartKey, sameChart, toggleChart } from './hash';

export interface ChannelRow {
  name: string;
  unit: string;
  /** `scalar` or `trace`. */
  kind: string;
  count: number | null | undefined;
}

interface ChannelTableProps<Row extends ChannelRow> {
  device: string;
  channels: Row[];
  charts: ChartKey[];
  onCharts: (charts: ChartKey[]) => void;
  /** An extra column (the Live tab's latest value). */
  extra?: { title: string; field: string; cell: (row: Row) => ComponentChildren };
}

export function ChannelTable<Row extends ChannelRow>({ device, channels, charts, onCharts, extra }: ChannelTableProps<Row>) {
  return (
    <table>
      <thead>
        <tr>
          <th>channel</th>
          <th>unit</th>
          <th>kind</th>
          <th>count</th>
          {extra && <th>{extra.title}</th>}
          <th>chart</th>
        </tr>
      </thead>
      <tbody>
        {channels.map((row) => {
          const key = { device, channel: row.name };
          const shown = charts.some((chart) => sameChart(chart, key));
          return (
            <tr data-channel={row.name} key={row.name}>
              <td>{row.name}</td>
              <td data-field="unit">{row.unit}</td>
              <td data-field="kind">{row.kind}</td>
              <td data-field="count">{row.count ?? '—'}</td>
              {extra && <td data-field={extra.field}>{extra.cell(row)}</td>}
              <td>
                <button type="button" class="small" aria-pressed={shown} onClick={() => onCharts(toggleChart(charts, key))}>
                  {shown ? 'hide' : 'plot'}
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
