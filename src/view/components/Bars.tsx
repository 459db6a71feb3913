/** The tab bar (top line) and the status bar (bottom line). */
import { Box, Text } from 'ink';
import { totalMessageRate } from '../model/activity.js';
import { formatValue } from '../model/ticks.js';
import { type TuiState, runStatus } from '../model/tui-state.js';
import type { Palette } from '../theme.js';

export function TabBar({ state, palette, width }: { state: TuiState; palette: Palette; width: number }) {
  const tab = (name: string, active: boolean) => (
    <Text color={active ? palette.accent : palette.muted} bold={active} underline={active}>
      {name}
    </Text>
  );
  return (
    <Box width={width} height={1} justifyContent="space-between">
      <Text wrap="truncate">
        <Text color={palette.secondary} bold>
          {' rex '}
        </Text>
        <Text> </Text>
        {tab('Data', state.tab === 'data')}
        <Text>{'  '}</Text>
        {tab('Session', state.tab === 'session')}
        <Text color={palette.muted}>{'   Tab: switch · m: help'}</Text>
      </Text>
      <Text color={palette.muted} wrap="truncate">{`${state.target} `}</Text>
    </Box>
  );
}

export function StatusBar({ state, palette, width }: { state: TuiState; palette: Palette; width: number }) {
  const c = state.connection;
  const connection =
    c.kind === 'connected'
      ? { text: '● connected', color: palette.success }
      : c.kind === 'connecting'
        ? { text: '○ connecting', color: palette.muted }
        : c.kind === 'no-listener'
          ? { text: '○ nothing listening', color: palette.error }
          : c.kind === 'no-run'
            ? { text: '○ no run', color: palette.warning }
            : { text: '○ connection lost', color: palette.error };
  const status = runStatus(state);
  const pause =
    state.paused === true
      ? { text: '⏸ PAUSED', color: palette.warning }
      : state.paused === false
        ? { text: '▶ live', color: palette.success }
        : { text: 'pause state unknown', color: palette.muted };
  const rate = totalMessageRate(state.activity);
  const hosted = state.hosted;
  const quit = state.mode === 'run' && !hosted?.finished ? 'q: end run & quit' : 'q: quit';
  const sep = <Text color={palette.muted}>{' │ '}</Text>;
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate">
        <Text> </Text>
        <Text color={connection.color}>{connection.text}</Text>
        {sep}
        <Text color={palette.fg}>{status}</Text>
        {sep}
        <Text color={pause.color} bold={state.paused === true}>
          {pause.text}
        </Text>
        {sep}
        <Text color={palette.fg}>{rate === undefined ? '— msg/s' : `${formatValue(rate)} msg/s`}</Text>
        {hosted && (
          <>
            {sep}
            <Text color={palette.fg}>{`loop ${hosted.loop + 1}/${hosted.loops}`}</Text>
          </>
        )}
        {sep}
        <Text color={palette.muted}>{`m: help · ${quit}`}</Text>
      </Text>
    </Box>
  );
}
