/**
 * The Session tab: the session's info and meta, the run's status, and per device its config and
 * per channel what arrived and how fast. ↑↓ scroll the device section.
 */
import { Box, Text } from 'ink';
import { channelActivity, totalMessageRate } from '../model/activity.js';
import { timeKeyChannel } from '../model/datastream.js';
import { formatValue } from '../model/ticks.js';
import { type TuiState, runStatus } from '../model/tui-state.js';
import type { Palette } from '../theme.js';
import { Panel } from './Panel.js';

export interface SessionTabProps {
  state: TuiState;
  palette: Palette;
  width: number;
  height: number;
}

interface Line {
  label?: string;
  text: string;
  color?: string;
  bold?: boolean;
}

export function SessionTab({ state, palette, width, height }: SessionTabProps) {
  const topHeight = Math.max(6, Math.min(Math.floor(height * 0.45), 14));
  const bottomHeight = Math.max(3, height - topHeight);
  const leftWidth = Math.floor(width / 2);
  const deviceLines = devicesSection(state, palette);
  const visible = Math.max(1, bottomHeight - 2);
  const scroll = Math.min(state.sessionScroll, Math.max(0, deviceLines.length - visible));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection="row" width={width} height={topHeight}>
        <Panel title="Session" width={leftWidth} height={topHeight} borderColor={palette.muted} titleColor={palette.accent}>
          <Lines lines={sessionSection(state, palette)} palette={palette} />
        </Panel>
        <Panel title="Run" width={width - leftWidth} height={topHeight} borderColor={palette.muted} titleColor={palette.accent}>
          <Lines lines={runSection(state, palette)} palette={palette} />
        </Panel>
      </Box>
      <Panel
        title={`Devices and channels${deviceLines.length > visible ? ' (↑↓ scroll)' : ''}`}
        width={width}
        height={bottomHeight}
        borderColor={palette.muted}
        titleColor={palette.accent}
      >
        <Lines lines={deviceLines.slice(scroll, scroll + visible)} palette={palette} />
      </Panel>
    </Box>
  );
}

function Lines({ lines, palette }: { lines: Line[]; palette: Palette }) {
  return (
    <>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line.label !== undefined && <Text color={palette.muted}>{`${line.label}: `}</Text>}
          <Text color={line.color ?? palette.fg} bold={line.bold}>
            {line.text}
          </Text>
        </Text>
      ))}
    </>
  );
}

function sessionSection(state: TuiState, palette: Palette): Line[] {
  const session = state.state.session;
  if (!session)
    return [{ text: state.connection.kind === 'connected' ? 'no session message yet' : 'not attached to a run', color: palette.muted }];
  return [
    { label: 'Session', text: session.sessionName, color: palette.info, bold: true },
    { label: 'Description', text: session.description },
    { label: 'Name', text: session.name },
    { label: 'Email', text: session.email },
    { label: 'UUID', text: session.uuid, color: palette.muted },
    { label: 'Started', text: session.startTime },
    ...(session.endTime ? [{ label: 'Ended', text: session.endTime }] : []),
    ...session.meta.map(([key, value]) => ({ label: `meta.${key}`, text: value, color: palette.secondary })),
  ];
}

function runSection(state: TuiState, palette: Palette): Line[] {
  const status = runStatus(state);
  const statusColor =
    status === 'running' ? palette.success : status === 'paused' ? palette.warning : status === 'ended' ? palette.info : palette.muted;
  const rate = totalMessageRate(state.activity);
  const hosted = state.hosted;
  const c = state.connection;
  const lines: Line[] = [
    { label: 'Status', text: status, color: statusColor, bold: true },
    { label: 'Elapsed', text: elapsed(state) ?? '—' },
    loopLine(state, palette),
    {
      label: 'Connection',
      text: c.kind === 'connected' ? `attached to ${state.target}` : c.kind === 'connecting' ? `connecting to ${state.target}` : c.message,
      color: c.kind === 'connected' ? palette.success : palette.warning,
    },
    { label: 'Messages/s', text: rate === undefined ? '—' : formatValue(rate) },
  ];
  if (state.state.runFile) lines.push({ label: 'Script', text: state.state.runFile });
  for (const file of hosted?.outputFiles ?? []) lines.push({ label: 'Output', text: file });
  return lines;
}

function loopLine(state: TuiState, palette: Palette): Line {
  const hosted = state.hosted;
  if (hosted) return { label: 'Loop', text: `${hosted.loop + 1} of ${hosted.loops}` };
  const progress = state.state.progress;
  if (progress) return { label: 'Loop', text: `${progress.loop} of ${progress.loops}` };
  return { label: 'Loop', text: 'not reported by the server', color: palette.muted };
}

function devicesSection(state: TuiState, palette: Palette): Line[] {
  const names = [...new Set([...state.devices.map((d) => d.name), ...state.state.deviceConfigs.keys()])].sort();
  if (names.length === 0) return [{ text: 'no device yet', color: palette.muted }];
  const lines: Line[] = [];
  for (const name of names) {
    lines.push({ text: name, color: palette.success, bold: true });
    const config = state.state.deviceConfigs.get(name) ?? [];
    lines.push({ label: '  config', text: config.length === 0 ? '(none)' : config.map(([k, v]) => `${k} = ${v}`).join(' · ') });
    const streams = state.devices.find((d) => d.name === name)?.streams ?? [];
    const channels = streams.filter((s) => timeKeyChannel(s.name) === undefined);
    const nameWidth = Math.max(8, ...channels.map((s) => s.name.length));
    for (const stream of channels) {
      const activity = channelActivity(state.activity, name, stream.name);
      const count = activity
        ? `${activity.countIsLowerBound ? '≥ ' : ''}${activity.count.toLocaleString('en-US')} received`
        : 'count unknown';
      const rate = activity?.valueRate === undefined ? '' : ` · ${formatValue(activity.valueRate)}/s`;
      const messages = activity?.messageRate === undefined ? '' : ` · ${formatValue(activity.messageRate)} msg/s`;
      lines.push({ text: `  ${stream.name.padEnd(nameWidth)}  ${count}${rate}${messages}` });
    }
  }
  return lines;
}

/** h:mm:ss since the session started (until it ended), or since the view first saw the iteration. */
export function elapsed(state: TuiState): string | undefined {
  const session = state.state.session;
  const start = session ? Date.parse(session.startTime) : state.iterationSeenAt;
  if (start === undefined || Number.isNaN(start)) return undefined;
  const end = session?.endTime ? Date.parse(session.endTime) : state.now;
  const seconds = Math.max(0, Math.floor((end - start) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
