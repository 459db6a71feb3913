/** The key help (m), shown in place of the tab's content. */
import { Text } from 'ink';
import { KEY_HELP } from '../model/keys.js';
import type { Palette } from '../theme.js';
import { Panel } from './Panel.js';

export function HelpPanel({ palette, width, height, mode }: { palette: Palette; width: number; height: number; mode: 'view' | 'run' }) {
  return (
    <Panel title="Help (m or Esc to close)" width={width} height={height} borderColor={palette.accent} titleColor={palette.accent}>
      {KEY_HELP.map(([keys, text]) => (
        <Text key={keys} wrap="truncate">
          <Text color={palette.accent} bold>{` ${keys.padEnd(7)}`}</Text>
          <Text color={palette.fg}>{`  ${text}`}</Text>
        </Text>
      ))}
      <Text> </Text>
      <Text color={palette.muted} wrap="wrap">
        {mode === 'run'
          ? ' This view belongs to `rex run -i`: q ends the run (current iteration saved, remaining loops cancelled) and closes the view.'
          : ' This view is attached from outside: q closes it and leaves the run alone; it follows new iterations and runs by itself.'}
      </Text>
    </Panel>
  );
}
