/** The log: rex's own lines (in `rex run -i`) and the view's, newest at the bottom. */
import { Text } from 'ink';
import type { LogLine } from '../model/tui-state.js';
import type { Palette } from '../theme.js';
import { Panel } from './Panel.js';

export interface LogPaneProps {
  logs: readonly LogLine[];
  palette: Palette;
  width: number;
  height: number;
}

const LABEL = { error: 'ERROR', warn: 'WARN ', info: 'INFO ', debug: 'DEBUG', trace: 'TRACE' } as const;

export function LogPane({ logs, palette, width, height }: LogPaneProps) {
  const shown = logs.slice(Math.max(0, logs.length - Math.max(1, height - 2)));
  const levelColor = { error: palette.error, warn: palette.warning, info: palette.info, debug: palette.success, trace: palette.secondary };
  return (
    <Panel title="Log" width={width} height={height} borderColor={palette.muted} titleColor={palette.accent}>
      {shown.map((line, i) => (
        <Text key={`${line.ts}-${i}`} wrap="truncate">
          <Text color={palette.muted}>{`${clock(line.ts)} `}</Text>
          <Text color={levelColor[line.level]}>{LABEL[line.level]}</Text>
          <Text color={palette.muted}>{` ${line.source}: `}</Text>
          <Text color={palette.fg}>{line.message.replace(/\s+/g, ' ')}</Text>
        </Text>
      ))}
    </Panel>
  );
}

/** Local wall-clock time of a log line, HH:MM:SS. */
export function clock(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
