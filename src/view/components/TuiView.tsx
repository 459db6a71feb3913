/**
 * The whole screen for a given state and size: tab bar, the active tab (or the help), status bar.
 * Pure rendering: keys are handled by whoever owns the state (see App.tsx).
 */
import { Box, Text } from 'ink';
import type { TuiState } from '../model/tui-state.js';
import type { Palette } from '../theme.js';
import { StatusBar, TabBar } from './Bars.js';
import { DataTab } from './DataTab.js';
import { HelpPanel } from './HelpPanel.js';
import { SessionTab } from './SessionTab.js';

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

export interface TuiViewProps {
  state: TuiState;
  palette: Palette;
  columns: number;
  rows: number;
}

export function TuiView({ state, palette, columns, rows }: TuiViewProps) {
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Box width={columns} height={rows}>
        <Text
          color={palette.warning}
          wrap="wrap"
        >{`The terminal is too small for rex view (${columns}×${rows}; needs ${MIN_COLUMNS}×${MIN_ROWS}). q quits.`}</Text>
      </Box>
    );
  }
  const bodyHeight = rows - 2;
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <TabBar state={state} palette={palette} width={columns} />
      {state.showHelp ? (
        <HelpPanel palette={palette} width={columns} height={bodyHeight} mode={state.mode} />
      ) : state.tab === 'data' ? (
        <DataTab state={state} palette={palette} width={columns} height={bodyHeight} />
      ) : (
        <SessionTab state={state} palette={palette} width={columns} height={bodyHeight} />
      )}
      <StatusBar state={state} palette={palette} width={columns} />
    </Box>
  );
}
