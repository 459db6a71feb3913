/**
 * The X/Y chart of the two selected streams (SPEC §11), Braille-drawn to fill its panel.
 */
import { Box, Text } from 'ink';
import { pairSeries, renderChart } from '../model/chart.js';
import { findStream, type TuiState } from '../model/tui-state.js';
import type { Palette } from '../theme.js';
import { Panel, fit } from './Panel.js';

export interface ChartPanelProps {
  state: TuiState;
  palette: Palette;
  width: number;
  height: number;
}

export function ChartPanel({ state, palette, width, height }: ChartPanelProps) {
  const innerWidth = width - 2;
  const innerHeight = height - 2;
  const yStream = findStream(state, state.y);
  const xStream = findStream(state, state.x);
  const yName = state.y ? `${state.y.device} · ${state.y.stream}` : '';
  const xName = state.x ? `${state.x.device} · ${state.x.stream}` : 'sample index';
  const title = state.y ? `${yName} vs ${xName}${state.full ? ' · full' : ''}` : 'Chart';
  const message = placeholder(state, Boolean(yStream), yName, xName);
  const frame =
    !message && yStream ? renderChart(...xy(xStream?.values, yStream.values, yStream.index), innerWidth, innerHeight - 1) : undefined;
  return (
    <Panel title={title} width={width} height={height} borderColor={palette.muted} titleColor={palette.accent}>
      {frame ? (
        <>
          <Box width={innerWidth} justifyContent="space-between">
            <Text color={palette.muted} wrap="truncate">
              {fit(`↑ ${yName}`, Math.floor(innerWidth / 2) - 1)}
            </Text>
            <Text color={palette.muted} wrap="truncate">
              {fit(`${xName} →`, Math.ceil(innerWidth / 2) - 1)}
            </Text>
          </Box>
          {frame.rows.map((row, i) => (
            <Text key={i} wrap="truncate">
              <Text color={palette.fg}>{row.gutter}</Text>
              <Text color={palette.info}>{row.cells}</Text>
            </Text>
          ))}
          <Text color={palette.muted} wrap="truncate">
            {frame.axis}
          </Text>
          <Text color={palette.fg} wrap="truncate">
            {frame.labels}
          </Text>
        </>
      ) : (
        <Text color={state.connection.kind === 'connected' ? palette.muted : palette.warning} wrap="wrap">
          {message ?? 'the panel is too small to draw the chart'}
        </Text>
      )}
    </Panel>
  );
}

function xy(x: readonly number[] | undefined, y: readonly number[], yIndex: readonly number[] | undefined): [number[], number[]] {
  const { xs, ys } = pairSeries(x, y, yIndex);
  return [xs, ys];
}

function placeholder(state: TuiState, haveY: boolean, yName: string, xName: string): string | undefined {
  const c = state.connection;
  if (c.kind === 'connecting') return `connecting to ${state.target}…`;
  if (c.kind !== 'connected') return c.message;
  if (!state.y) return 'Select a stream to plot: ↑↓ device, ←→ stream, then y (and x; without x the sample index is used). m: help';
  if (!haveY) return `waiting for data of ${yName}`;
  if (state.x && !findStream(state, state.x)) return `waiting for data of ${xName}`;
  return undefined;
}
