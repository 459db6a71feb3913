/**
 * The Live tab: the current run's state and controls, session, devices and channels, charts,
 * results and the run's log as it goes. It only shows what ./app.tsx fetched.
 */
import { useState } from 'preact/hooks';
import { ChannelTable } from './channel-table';
import { ChartView } from './chart-view';
import { type ChartKey, chartElementKey } from './hash';
import { LogPanel } from './log-panel';
import { type ChannelInfo, type Datastream, type RunInfo, type Series, type StateInfo, formatElapsed, formatValue } from './model';
import type { RunLog } from './run-log';

export interface LiveData {
  run: RunInfo | null;
  state: StateInfo | null;
  /** Why /status did not answer (no run in progress, ...). */
  stateNote: string | null;
  stream: Datastream;
  /** Traces at full resolution (GET /datastream/full), while a trace chart is shown. */
  full: Datastream;
  /** The run's log lines so far (the `log` events). */
  log: RunLog;
  now: number;
}

export interface LiveProps extends LiveData {
  charts: ChartKey[];
  onCharts(charts: ChartKey[]): void;
  onControl(action: 'pause' | 'continue' | 'kill'): void;
  controlNote: string | null;
}

export function LiveView(props: LiveProps) {
  return (
    <main class="live">
      <RunPanel {...props} />
      <SessionPanel state={props.state} note={props.stateNote} />
      <DevicesPanel {...props} />
      <ChartsPanel {...props} />
      <ResultsPanel state={props.state} />
      <LogPanel run={props.run} log={props.log} />
    </main>
  );
}

function RunPanel({ run, state, now, onControl, controlNote }: LiveProps) {
  const [confirmKill, setConfirmKill] = useState(false);
  const going = run?.phase === 'running' || run?.phase === 'starting';
  const started = run?.startedAt ? Date.parse(run.startedAt) : NaN;
  const ended = run?.endedAt ? Date.parse(run.endedAt) : now;
  const paused = state?.paused;
  return (
    <section class="panel run" id="run">
      <h2>Run</h2>
      <dl class="facts">
        <dt>phase</dt>
        <dd data-field="phase">{run?.phase ?? '…'}</dd>
        <dt>loop</dt>
        <dd data-field="loop">{state?.loop != null ? `${state.loop} of ${state.loops}` : '—'}</dd>
        <dt>elapsed</dt>
        <dd data-field="elapsed">{Number.isFinite(started) ? formatElapsed(ended - started) : '—'}</dd>
        <dt>state</dt>
        <dd data-field="paused" class={paused ? 'paused' : ''}>
          {paused == null || !going ? '—' : paused ? 'Paused' : 'Running'}
        </dd>
        {run?.id && (
          <>
            <dt>id</dt>
            <dd>{run.id}</dd>
          </>
        )}
        {run?.phase === 'ended' && (
          <>
            <dt>exit</dt>
            <dd>
              {run.exitCode ?? '—'} {run.exitStatus ?? ''}
            </dd>
          </>
        )}
      </dl>
      <div class="controls">
        <button type="button" disabled={!going || paused === true} onClick={() => onControl('pause')}>
          Pause
        </button>
        <button type="button" disabled={!going || paused !== true} onClick={() => onControl('continue')}>
          Resume
        </button>
        {confirmKill ? (
          <span class="confirm">
            End the run? Its data is saved.{' '}
            <button
              type="button"
              class="danger"
              onClick={() => {
                setConfirmKill(false);
                onControl('kill');
              }}
            >
              Yes, kill
            </button>
            <button type="button" onClick={() => setConfirmKill(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" class="danger" disabled={!going} onClick={() => setConfirmKill(true)}>
            Kill
          </button>
        )}
        {controlNote && <span class="note">{controlNote}</span>}
      </div>
    </section>
  );
}

function SessionPanel({ state, note }: { state: StateInfo | null; note: string | null }) {
  const session = state?.session;
  return (
    <section class="panel session" id="session">
      <h2>Session</h2>
      {session ? (
        <dl class="facts">
          <dt>session</dt>
          <dd data-field="session-name">{session.sessionName}</dd>
          <dt>description</dt>
          <dd>{session.description}</dd>
          <dt>by</dt>
          <dd>
            {session.name} &lt;{session.email}&gt;
          </dd>
          <dt>started</dt>
          <dd>{session.startTime}</dd>
          {session.endTime && (
            <>
              <dt>ended</dt>
              <dd>{session.endTime}</dd>
            </>
          )}
          <dt>script</dt>
          <dd>{state?.runFile}</dd>
          {Object.entries(session.meta ?? {}).map(([key, value]) => (
            <>
              <dt>meta.{key}</dt>
              <dd>{JSON.stringify(value)}</dd>
            </>
          ))}
        </dl>
      ) : (
        <p class="muted">{note ?? 'no session yet'}</p>
      )}
    </section>
  );
}

/** The newest value of a scalar channel, or a short view of a trace's newest row. */
function latest(series: Series | undefined, channel: ChannelInfo): string {
  if (series === undefined || series.values.length === 0) return '—';
  const { values } = series;
  if (channel.shape !== 'multi') return formatValue(values[values.length - 1]);
  if (values.length <= 8 && series.index === undefined) return `[${values.map(formatValue).join(', ')}]`;
  return `${series.index ? Math.round(series.index[series.index.length - 1]! + 1) : values.length} points`;
}

function DevicesPanel({ state, stream, charts, onCharts }: LiveProps) {
  const devices = state?.devices ?? [];
  return (
    <section class="panel devices" id="devices">
      <h2>Devices</h2>
      {devices.length === 0 && <p class="muted">no devices yet</p>}
      {devices.map((device) => (
        <div class="device" data-device={device.name} key={device.name}>
          <h3>{device.name}</h3>
          {Object.keys(device.config).length > 0 && (
            <details>
              <summary>config</summary>
              <pre>{JSON.stringify(device.config, null, 2)}</pre>
            </details>
          )}
          <ChannelTable
            device={device.name}
            channels={device.channels.map((channel) => ({ ...channel, kind: channel.shape === 'multi' ? 'trace' : 'scalar' }))}
            charts={charts}
            onCharts={onCharts}
            extra={{ title: 'latest', field: 'latest', cell: (channel) => latest(stream.get(device.name)?.get(channel.name), channel) }}
          />
        </div>
      ))}
    </section>
  );
}

function ChartsPanel({ state, stream, full, charts, onCharts }: LiveProps) {
  if (charts.length === 0) return null;
  return (
    <section class="panel charts" id="charts">
      <h2>Charts</h2>
      <div class="grid">
        {charts.map((key, i) => (
          <ChartView
            key={chartElementKey(charts, i)}
            chart={key}
            device={state?.devices.find((d) => d.name === key.device)}
            seriesOf={(channel) => full.get(key.device)?.get(channel) || stream.get(key.device)?.get(channel)}
            onChange={(next) => onCharts(charts.map((c, j) => (j === i ? next : c)))}
            onRemove={() => onCharts(charts.filter((_, j) => j !== i))}
          />
        ))}
      </div>
    </section>
  );
}

function ResultsPanel({ state }: { state: StateInfo | null }) {
  const results = state?.results ?? [];
  return (
    <section class="panel results" id="results">
      <h2>Results</h2>
      {results.length === 0 ? (
        <p class="muted">no results yet</p>
      ) : (
        <ul>
          {results.map((r) => (
            <li key={r.name} data-result={r.name} class={r.pass ? 'pass' : 'fail'}>
              {r.pass ? '✔ pass' : '✘ fail'} {r.name}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
