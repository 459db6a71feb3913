/**
 * The Past runs tab (`#/runs`): the output files in the allowed output directories (`GET /runs`),
 * and one of them (`#/runs/<id>`): its session, devices and channels, results, its charts, several
 * at once (./past-charts.tsx), and its download (`GET /runs/:id/file`, fetched with the token and
 * handed over as a Blob URL).
 */
import { useState } from 'preact/hooks';
import { getBlob } from './api';
import { ChannelTable } from './channel-table';
import { type ChartKey, writePlace } from './hash';
import { PastChartsPanel } from './past-charts';
import { runPath } from './past-rows';
import {
  type PastRun,
  type PastRunIndex,
  fileName,
  formatBytes,
  formatDuration,
  localTime,
  parsePastRunIndex,
  parsePastRuns,
  statusOf,
} from './past-runs-model';
import { message, useJson } from './use-json';

export interface PastRunsProps {
  /** The run shown, or none: the list. */
  run: string | undefined;
  charts: ChartKey[];
  onCharts(charts: ChartKey[]): void;
  /** A failed request (a 401 brings the login form back). */
  onError(error: unknown): void;
  /** `rex serve --fleet`: the station whose runs these are (kept in the links). */
  station?: string | undefined;
}

export function PastRunsView(props: PastRunsProps) {
  return props.run === undefined ? <RunList onError={props.onError} station={props.station} /> : <RunView {...props} id={props.run} />;
}

/** The hash of the list (no `run`) or of one run, for the station shown. */
const runsHref = (station: string | undefined, run?: string): string => writePlace({ tab: 'runs', charts: [], run, station });

function RunList({ onError, station }: { onError(error: unknown): void; station: string | undefined }) {
  const { answer, reload } = useJson('/runs', parsePastRuns, onError);
  return (
    <main class="past">
      <section class="panel" id="runs">
        <h2>
          Past runs{' '}
          <button type="button" class="small" onClick={reload}>
            Refresh
          </button>
        </h2>
        {answer === null && <p class="muted">reading the output files…</p>}
        {answer && 'error' in answer && <p class="error">{answer.error}</p>}
        {answer && 'value' in answer && (
          <>
            {answer.value.runs.length === 0 && <p class="muted">no run files in the allowed output directories</p>}
            {answer.value.runs.length > 0 && <RunTable runs={answer.value.runs} station={station} />}
            {answer.value.problems.length > 0 && (
              <div class="note" id="problems">
                <p>Files that could not be read:</p>
                <ul>
                  {answer.value.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            )}
          </>
        )}
      </section>
    </main>
  );
}

function RunTable({ runs, station }: { runs: PastRun[]; station: string | undefined }) {
  return (
    <table>
      <thead>
        <tr>
          <th>session</th>
          <th>start</th>
          <th>duration</th>
          <th>status</th>
          <th>devices</th>
          <th>size</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run={run.id}>
            <td data-field="session">
              <a href={runsHref(station, run.id)} title={run.file}>
                {run.session ?? fileName(run.file)}
              </a>
            </td>
            <td data-field="start">{localTime(run.start)}</td>
            <td data-field="duration">{formatDuration(run.durationSeconds)}</td>
            <td data-field="status">{statusOf(run)}</td>
            <td data-field="devices">{run.devices.map((d) => d.name).join(', ')}</td>
            <td data-field="size">{formatBytes(run.bytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunView({ id, charts, onCharts, onError, station }: PastRunsProps & { id: string }) {
  const { answer } = useJson(runPath(id), parsePastRunIndex, onError);
  const index = answer && 'value' in answer ? answer.value : null;
  return (
    <main class="past">
      <p>
        <a href={runsHref(station)}>← all past runs</a>
      </p>
      {answer === null && <p class="muted">reading the file…</p>}
      {answer && 'error' in answer && <p class="error">{answer.error}</p>}
      {index && (
        <>
          <SessionFacts index={index} id={id} onError={onError} />
          <section class="panel" id="past-devices">
            <h2>Devices</h2>
            {index.devices.map((device) => (
              <div class="device" data-device={device.name} key={device.name}>
                <h3>{device.name}</h3>
                <ChannelTable
                  device={device.name}
                  channels={device.channels.map((c) => ({ ...c, kind: c.shape === 'single' ? 'scalar' : c.shape }))}
                  charts={charts}
                  onCharts={onCharts}
                />
              </div>
            ))}
          </section>
          <PastChartsPanel id={id} devices={index.devices} charts={charts} onCharts={onCharts} onError={onError} />
          <section class="panel" id="past-results">
            <h2>Results</h2>
            {index.results.length === 0 && <p class="muted">no results</p>}
            <ul>
              {index.results.map((r) => (
                <li key={r.name} data-result={r.name} class={r.pass === null ? 'unknown' : r.pass ? 'pass' : 'fail'}>
                  {r.name}: {r.pass === null ? '—' : r.pass ? 'pass' : 'fail'}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </main>
  );
}

function SessionFacts({ index, id, onError }: { index: PastRunIndex; id: string; onError(error: unknown): void }) {
  const { run, info } = index;
  const meta = typeof info.meta === 'object' && info.meta !== null ? (info.meta as Record<string, unknown>) : {};
  const field = (key: string): string => (typeof info[key] === 'string' ? (info[key] as string) : '');
  return (
    <section class="panel" id="past-session">
      <h2>Session</h2>
      <dl class="facts">
        <dt>session</dt>
        <dd data-field="session-name">{run.session ?? '—'}</dd>
        <dt>description</dt>
        <dd>{field('session_description')}</dd>
        <dt>by</dt>
        <dd>
          {field('name')} &lt;{field('email')}&gt;
        </dd>
        <dt>start</dt>
        <dd>{localTime(run.start)}</dd>
        <dt>end</dt>
        <dd>{localTime(run.end)}</dd>
        <dt>duration</dt>
        <dd>{formatDuration(run.durationSeconds)}</dd>
        <dt>status</dt>
        <dd data-field="status">
          {statusOf(run)}
          {run.exitCode !== null && ` (exit ${run.exitCode})`}
        </dd>
        <dt>uuid</dt>
        <dd>{index.uuid ?? '—'}</dd>
        <dt>file</dt>
        <dd>
          {run.file} ({formatBytes(run.bytes)}) <Download id={id} name={fileName(run.file)} onError={onError} />
        </dd>
        {Object.entries(meta).map(([key, value]) => (
          <>
            <dt>meta.{key}</dt>
            <dd>{JSON.stringify(value)}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

/** The file, fetched with the token (a plain link cannot send it), saved from a Blob URL. */
function Download({ id, name, onError }: { id: string; name: string; onError(error: unknown): void }) {
  const [note, setNote] = useState<string | null>(null);
  const download = async (): Promise<void> => {
    setNote('downloading…');
    try {
      const url = URL.createObjectURL(await getBlob(`${runPath(id)}/file`));
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      // The browser has taken the bytes once the click is handled; a minute is ample.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setNote(null);
    } catch (error) {
      onError(error);
      setNote(message(error));
    }
  };
  return (
    <>
      <button type="button" class="small" onClick={() => void download()}>
        Download
      </button>
      {note && <span class="note">{note}</span>}
    </>
  );
}
