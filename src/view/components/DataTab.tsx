/** The Data tab: chart on top (half), device and stream lists (a quarter), the log (a quarter). */
import { Box } from 'ink';
import { type TuiState, selectedDeviceIndex, selectedStreamIndex, selectedStreams } from '../model/tui-state.js';
import type { Palette } from '../theme.js';
import { ChartPanel } from './ChartPanel.js';
import { ListPane } from './ListPane.js';
import { LogPane } from './LogPane.js';

export interface DataTabProps {
  state: TuiState;
  palette: Palette;
  width: number;
  height: number;
}

export function DataTab({ state, palette, width, height }: DataTabProps) {
  const chartHeight = Math.max(5, Math.floor(height / 2));
  const listHeight = Math.max(3, Math.floor(height / 4));
  const logHeight = Math.max(3, height - chartHeight - listHeight);
  const deviceIndex = selectedDeviceIndex(state);
  const device = state.devices[deviceIndex];
  const devices = state.devices.map((d) => ({ name: d.name, isX: state.x?.device === d.name, isY: state.y?.device === d.name }));
  const streams = selectedStreams(state).map((s) => ({
    name: s.name,
    isX: state.x?.device === device?.name && state.x?.stream === s.name,
    isY: state.y?.device === device?.name && state.y?.stream === s.name,
  }));
  const leftWidth = Math.floor(width / 2);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ChartPanel state={state} palette={palette} width={width} height={chartHeight} />
      <Box flexDirection="row" width={width} height={listHeight}>
        <ListPane
          title="Devices (↑↓)"
          items={devices}
          selected={deviceIndex}
          emptyText={state.connection.kind === 'connected' ? 'no device has sent data yet' : 'not attached to a run'}
          itemColor={palette.success}
          palette={palette}
          width={leftWidth}
          height={listHeight}
        />
        <ListPane
          title="Streams (←→, x / y: set axis)"
          items={streams}
          selected={selectedStreamIndex(state)}
          emptyText=""
          itemColor={palette.accent}
          palette={palette}
          width={width - leftWidth}
          height={listHeight}
        />
      </Box>
      <LogPane logs={state.logs} palette={palette} width={width} height={logHeight} />
    </Box>
  );
}
