/**
 * The Past runs tab (`#/runs`): the output files in the allowed output directories (`GET /runs`),
 * and one of them (`#/runs/<id>`): its session, devices and channels, results, a chart of a chosen
 * channel (`GET /runs/:id/channel`; a trace's row, the last by default) and its download
 * (`GET /runs/:id/file`, fetched with the token and handed over as a Blob URL).
 */
import { useEffect, useState } from 'preact/hooks';
import { getBlob, getJson } from './api';
import { Chart } from './chart';
import type { XRange, Zoom } from './use-uplot';
import { NumberField } from './number-field';
import type { ChartKey } from './hash';
import {
  type PastRun,
  type PastRunIndex,
  type PastSeries,
  fileName,
  formatBytes,
  indexRange,
  formatDuration,
  localTime,
  parsePastRunIndex,
  parsePastRuns,
  parsePastSeries,
  statusOf,
} from './past-runs-model';

export interface PastRunsProps {
  /** The run shown, or none: the list. */
  run: string | undefined;
  charts: ChartKey[];
  onCharts(charts: ChartKey[]): void;
  /** A failed request (a 401 brings the login form back). */
  onError(error: unknown): void;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const runPath = (id: string): string => `/runs/${encodeURIComponent(id)}`;

/** `GET path` parsed, again whenever `path` changes; the older answer is dropped. */
function useJson<T>(path: string | null, parse: (json: unknown) => T, onError: (error: unknown) => void) {
  const [answer, setAnswer] = useState<{ path: string; value: T } | { path: string; error: string } | null>(null);
  const [again, setAgain] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a change of `again` (Refresh) asks once more.
  useEffect(() => {
    if (path === null) return;
    const stop = new AbortController();
    getJson(path, stop.signal)
      .then((json) => setAnswer({ path, value: parse(json) }))
      .catch((error: unknown) => {
        if (stop.signal.aborted) return;
        onError(error);
        setAnswer({ path, error: message(error) });
      });
    return () => stop.abort();
  }, [path, again, parse, onError]);
  const current = answer?.path === path ? answer : null;
  return { answer: current, reload: () => setAgain((n) => n + 1) };
}

export function PastRunsView(props: PastRunsProps) {
  return props.run === undefined ? <RunList onError={props.onError} /> : <RunView {...props} id={props.run} />;
}

function RunList({ onError }: { onError(error: unknown): void }) {
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
            {answer.value.runs.length > 0 && <RunTable runs={answer.value.runs} />}
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

function RunTable({ runs }: { runs: PastRun[] }) {
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
              <a href={`#/runs/${encodeURIComponent(run.id)}`} title={run.file}>
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

function RunView({ id, charts, onCharts, onError }: PastRunsProps & { id: string }) {
  const { answer } = useJson(runPath(id), parsePastRunIndex, onError);
  const index = answer && 'value' in answer ? answer.value : null;
  const chosen = charts[0];
  const channel = index?.devices.find((d) => d.name === chosen?.device)?.channels.find((c) => c.name === chosen?.channel);
  return (
    <main class="past">
      <p>
        <a href="#/runs">← all past runs</a>
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
                <table>
                  <thead>
                    <tr>
                      <th>channel</th>
                      <th>unit</th>
                      <th>kind</th>
                      <th>count</th>
                      <th>chart</th>
                    </tr>
                  </thead>
                  <tbody>
                    {device.channels.map((c) => {
                      const shown = chosen?.device === device.name && chosen.channel === c.name;
                      return (
                        <tr data-channel={c.name} key={c.name}>
                          <td>{c.name}</td>
                          <td data-field="unit">{c.unit}</td>
                          <td data-field="shape">{c.shape}</td>
                          <td data-field="count">{c.count ?? '—'}</td>
                          <td>
                            <button
                              type="button"
                              class="small"
                              aria-pressed={shown}
                              onClick={() => onCharts(shown ? [] : [{ device: device.name, channel: c.name }])}
                            >
                              {shown ? 'hide' : 'plot'}
                            </button>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ))}
          </section>
          {chosen && channel && (
            <PastChart
              key={`${chosen.device}\u0000${chosen.channel}`}
              id={id}
              chosen={chosen}
              trace={channel.shape === 'trace'}
              onRemove={() => onCharts([])}
              onError={onError}
            />
          )}
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

interface PastChartProps {
  id: string;
  chosen: ChartKey;
  trace: boolean;
  onRemove(): void;
  onError(error: unknown): void;
}

function PastChart({ id, chosen, trace, onRemove, onError }: PastChartProps) {
  // A trace's row: null is the last.
  // (The parent keys this by channel, so another channel starts at its last row.)
  const [row, setRow] = useState<number | null>(null);
  // A zoom: the x range dragged, and the points of the series it covers, asked for at full resolution.
  const [zoomed, setZoomed] = useState<{ range: XRange; from: number; to: number } | null>(null);
  const query = new URLSearchParams({ device: chosen.device, channel: chosen.channel });
  if (trace && row !== null) query.set('row', String(row));
  if (zoomed) {
    query.set('from', String(zoomed.from));
    query.set('to', String(zoomed.to));
  }
  const { answer } = useJson(`${runPath(id)}/channel?${query}`, parsePastSeries, onError);
  const [shown, setShown] = useState<PastSeries | null>(null);
  // The last answer stays drawn while the next is read.
  useEffect(() => {
    if (answer && 'value' in answer) setShown(answer.value);
  }, [answer]);
  const title = `${chosen.device} / ${chosen.channel}`;
  const timed = !trace && shown?.series.times !== undefined;
  const zoom: Zoom = {
    range: zoomed?.range ?? null,
    onZoom: (range) => setZoomed(range && shown ? { range, ...indexRange(shown, range) } : null),
  };
  return (
    <section class="panel" id="past-chart">
      <h2>Chart</h2>
      {trace && shown && (
        <NumberField
          label="Row"
          name="row"
          value={row ?? shown.row ?? 0}
          min={0}
          max={Math.max(0, shown.count - 1)}
          accept={(value) => Number.isInteger(value) && value >= 0 && value < shown.count}
          onCommit={(value) => {
            setZoomed(null);
            setRow(value);
          }}
        />
      )}
      {answer && 'error' in answer && <p class="error">{answer.error}</p>}
      <Chart
        title={title}
        unit={shown?.unit ?? ''}
        trace={!timed}
        xLabel={trace ? 'point index in the row' : timed ? "time since the channel's first value (s)" : 'value index'}
        series={shown?.series}
        onRemove={onRemove}
        caption={shown ? captionOf(shown, trace, zoomed !== null) : undefined}
        zoom={zoom}
        plotAttributes={
          shown
            ? {
                'data-x': timed ? 'time' : 'index',
                'data-from': shown.from,
                'data-to': shown.to,
                'data-points': shown.series.values.length,
              }
            : {}
        }
      />
    </section>
  );
}

/** What the chart shows: the row, the values (of which range), and whether all of them. */
function captionOf(shown: PastSeries, trace: boolean, zoomed: boolean): string {
  const what = trace ? `row ${shown.row} of 0–${shown.count - 1}, ` : '';
  const points = trace ? 'points' : 'values';
  const range = zoomed
    ? `${shown.to - shown.from} ${points} (${shown.from}–${shown.to - 1} of ${shown.length})`
    : `${shown.length} ${points}`;
  const resolution = shown.downsampled ? 'downsampled' : zoomed ? 'full resolution' : '';
  return `${what}${range}${resolution && `, ${resolution}`}${zoomed ? ' · double-click: all' : ''}`;
}
