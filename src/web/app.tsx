/**
 * The page: the login form when the server asks for a token, then the tabs (only Live so far;
 * past runs and the start form are to come, as more entries of TABS in ./hash.ts). Data comes from
 * `GET /run`, `GET /status` (polled once a second), the live push `GET /events` (`run`,
 * `datastream` and `log` events) and, while a trace is charted, `GET /datastream/full`. Under
 * `rex serve --fleet` (`GET /stations` answers), a station is chosen first (kept in the hash), and
 * those endpoints are the station's, under `/stations/<node>`, as are its past runs and its start form.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  type StationChoice,
  Unauthorized,
  followEvents,
  getJson,
  getStations,
  post,
  saveToken,
  savedToken,
  setApiBase,
} from './api';
import { type ChartKey, type Place, readPlace, writePlace } from './hash';
import { LiveView, type LiveData } from './live-view';
import { type Datastream, type StateInfo, parseDatastream, parseRun, parseState } from './model';
import { PastRunsView } from './past-runs';
import { addLogEvent, emptyLog } from './run-log';
import { StartView } from './start-form';
import { traceRings } from './trace-rings';

type Auth = { kind: 'checking' } | { kind: 'login'; error: string | null } | { kind: 'in' };

const STATUS_POLL_MS = 1000;
/** How often a fleet's station list is read again. */
const STATIONS_POLL_MS = 5000;
const FULL_TRACE_MIN_MS = 1000;

export function App() {
  const [auth, setAuth] = useState<Auth>({ kind: 'checking' });
  const [place, setPlace] = useState<Place>(() => readPlace(location.hash));
  const [data, setData] = useState<LiveData>({
    run: null,
    state: null,
    stateNote: null,
    stream: new Map(),
    full: new Map(),
    log: emptyLog(null),
    now: Date.now(),
  });
  const [connection, setConnection] = useState<string>('connecting…');
  const [controlNote, setControlNote] = useState<string | null>(null);
  /** `rex serve --fleet`'s stations; null: a server with its own run. */
  const [fleet, setFleet] = useState<StationChoice[] | null>(null);
  const station = fleet !== null ? place.station : undefined;
  // Before any request of this render's effects: they are the chosen station's.
  setApiBase(station !== undefined ? `/stations/${encodeURIComponent(station)}` : '');
  const live = fleet === null || station !== undefined;
  const update = useCallback((patch: Partial<LiveData>): void => setData((old) => ({ ...old, ...patch })), []);
  const fail = useCallback((error: unknown): void => {
    if (error instanceof Unauthorized) setAuth({ kind: 'login', error: savedToken() === null ? null : 'wrong token' });
  }, []);

  // Who we are: a first call tells whether a token is needed.
  const check = useCallback(async (): Promise<void> => {
    try {
      try {
        update({ run: parseRun(await getJson('/run')) });
      } catch (error) {
        // No `/run`: `rex serve --fleet`, whose runs are its stations' (a station's comes with its first `run` event).
        const stations = error instanceof ApiError && error.status === 404 ? await getStations() : null;
        if (stations === null) throw error;
        setFleet(stations);
      }
      setAuth({ kind: 'in' });
    } catch (error) {
      if (error instanceof Unauthorized) fail(error);
      else setConnection(`cannot reach the server: ${error instanceof Error ? error.message : String(error)}`);
    }
  }, [update, fail]);
  useEffect(() => void check(), [check]);

  useEffect(() => {
    const onHash = (): void => setPlace(readPlace(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const setCharts = (charts: ChartKey[]): void => {
    const next = { ...place, charts };
    history.replaceState(null, '', writePlace(next));
    setPlace(next);
  };

  const refreshState = useCallback(async (): Promise<void> => {
    try {
      update({ state: parseState(await getJson('/status')), stateNote: null });
    } catch (error) {
      fail(error);
      if (error instanceof ApiError) update({ stateNote: error.message });
    }
  }, [fail, update]);

  // Traces at full resolution while one is charted: when charted, then after each datastream
  // event, at most once a second, one request at a time.
  // Only the Live tab's charts are the live run's (a past run's chart may share its names).
  const traced =
    place.tab === 'live' &&
    place.charts.some(
      (c) => data.state?.devices.find((d) => d.name === c.device)?.channels.find((ch) => ch.name === c.channel)?.shape === 'multi',
    );
  const phase = useRef(data.run?.phase);
  const stateNow = useRef(data.state);
  stateNow.current = data.state;
  const runId = useRef<string | null | undefined>(undefined);
  const fullAsked = useRef({ traced, at: 0, busy: false });
  fullAsked.current.traced = traced;
  const askFullTraces = useCallback((): void => {
    const asked = fullAsked.current;
    if (!asked.traced || !going(phase.current) || asked.busy || Date.now() - asked.at < FULL_TRACE_MIN_MS) return;
    asked.busy = true;
    asked.at = Date.now();
    getJson('/datastream/full')
      .then((json) => update({ full: keepRows(parseDatastream(json), stateNow.current) }))
      .catch(fail)
      .finally(() => {
        asked.busy = false;
      });
  }, [update, fail]);

  // A trace just charted: its full row at once, not at the next change of the data.
  useEffect(() => {
    if (traced && auth.kind === 'in') askFullTraces();
  }, [traced, auth.kind, askFullTraces]);

  // A fleet's stations, read again now and then (one may join, or leave).
  const isFleet = fleet !== null;
  useEffect(() => {
    if (auth.kind !== 'in' || !isFleet) return;
    const timer = setInterval(() => {
      getStations()
        .then((stations) => stations !== null && setFleet(stations))
        .catch(fail);
    }, STATIONS_POLL_MS);
    return () => clearInterval(timer);
  }, [auth.kind, isFleet, fail]);

  // Live push, /status polled while a run goes, the clock; again for another station.
  // biome-ignore lint/correctness/useExhaustiveDependencies: another station is another stream (the API base set above)
  useEffect(() => {
    if (auth.kind !== 'in' || !live) return;
    runId.current = undefined;
    const stop = new AbortController();
    void followEvents(
      {
        onEvent({ event, data: text }) {
          try {
            if (event === 'run') {
              const run = parseRun(JSON.parse(text));
              phase.current = run.phase;
              // Another run: nothing of the last one stays on the page.
              if (run.id !== runId.current) {
                traceRings.clear();
                update({ run, state: null, stateNote: null, stream: new Map(), full: new Map(), log: emptyLog(run.id) });
              } else update({ run });
              runId.current = run.id;
              if (going(run.phase)) void refreshState();
            } else if (event === 'datastream') {
              update({ stream: keepRows(parseDatastream(JSON.parse(text)), stateNow.current) });
              askFullTraces();
            } else if (event === 'log') {
              const json: unknown = JSON.parse(text);
              setData((old) => ({ ...old, log: addLogEvent(old.log, json) }));
            }
          } catch {
            // A malformed event is skipped; the next one replaces it.
          }
        },
        onConnection: (connected, reason) => setConnection(connected ? 'live' : `reconnecting (${reason ?? 'lost'})`),
        onUnauthorized: () => setAuth({ kind: 'login', error: 'wrong token' }),
      },
      stop.signal,
    );
    // Only a run in progress answers /status; an ended run's last state stays on the page.
    const poll = setInterval(() => {
      if (going(phase.current)) void refreshState();
    }, STATUS_POLL_MS);
    const clock = setInterval(() => update({ now: Date.now() }), 1000);
    return () => {
      stop.abort();
      clearInterval(poll);
      clearInterval(clock);
    };
  }, [auth.kind, live, station, refreshState, update, askFullTraces]);

  const control = async (action: 'pause' | 'continue' | 'kill'): Promise<void> => {
    try {
      setControlNote(await post(`/${action}`));
      // The pause flag is in /status; a kill shows in the next `run` event.
      if (action !== 'kill') await refreshState();
    } catch (error) {
      fail(error);
      setControlNote(error instanceof Error ? error.message : String(error));
    }
  };

  if (auth.kind === 'checking') return <p class="muted">connecting…</p>;
  if (auth.kind === 'login') {
    return (
      <Login
        error={auth.error}
        onToken={(token) => {
          saveToken(token);
          void check();
        }}
      />
    );
  }
  return (
    <>
      <header>
        <h1>rex</h1>
        <nav>
          <a href={writePlace({ ...place, tab: 'live' })} aria-current={place.tab === 'live' ? 'page' : undefined}>
            Live
          </a>
          <a
            href={writePlace({ tab: 'runs', charts: [], station: place.station })}
            aria-current={place.tab === 'runs' ? 'page' : undefined}
          >
            Past runs
          </a>
          <a href={writePlace({ ...place, tab: 'start' })} aria-current={place.tab === 'start' ? 'page' : undefined}>
            Start
          </a>
        </nav>
        {fleet !== null && (
          <StationPicker
            stations={fleet}
            chosen={station}
            onChoose={(node) => {
              location.hash = writePlace({ tab: 'live', charts: [], station: node });
            }}
          />
        )}
        <span class="connection" data-field="connection">
          {live ? connection : 'choose a station'}
        </span>
        {savedToken() !== null && (
          <button
            type="button"
            class="small"
            onClick={() => {
              saveToken(null);
              setAuth({ kind: 'login', error: null });
            }}
          >
            Log out
          </button>
        )}
      </header>
      {/* One view per tab of TABS (./hash.ts); past runs and the start form are to come. */}
      {!live && (
        <p class="muted" data-field="fleet-note">
          Choose a station of the fleet above.
        </p>
      )}
      {place.tab === 'live' && live && (
        <LiveView {...data} charts={place.charts} onCharts={setCharts} onControl={(a) => void control(a)} controlNote={controlNote} />
      )}
      {place.tab === 'runs' && live && (
        <PastRunsView key={station} station={station} run={place.run} charts={place.charts} onCharts={setCharts} onError={fail} />
      )}
      {place.tab === 'start' && live && (
        <StartView
          key={station}
          station={station}
          onError={fail}
          onStarted={(id) => {
            setControlNote(`started run ${id}`);
            location.hash = writePlace({ ...place, tab: 'live' });
          }}
        />
      )}
    </>
  );
}

/** `rex serve --fleet`: which station the page shows. */
function StationPicker({
  stations,
  chosen,
  onChoose,
}: {
  stations: StationChoice[];
  chosen: string | undefined;
  onChoose(node: string): void;
}) {
  // One that left the registry stays chosen (and listed) until another is.
  const listed =
    chosen === undefined || stations.some((s) => s.node === chosen) ? stations : [...stations, { node: chosen, phase: 'gone' }];
  return (
    <label class="station">
      Station{' '}
      <select name="station" value={chosen ?? ''} onChange={(e) => onChoose(e.currentTarget.value)}>
        <option value="" disabled>
          {stations.length === 0 ? 'no station registered' : 'choose…'}
        </option>
        {listed.map((s) => (
          <option key={s.node} value={s.node}>
            {s.node} ({s.phase})
          </option>
        ))}
      </select>
    </label>
  );
}

/** The traces' rows go into the page's rings (the overlay and waterfall charts). */
function keepRows(stream: Datastream, state: StateInfo | null): Datastream {
  // A channel /status has not described yet may be a trace: its rows are kept too.
  traceRings.record(stream, (device, channel) => {
    const shape = state?.devices.find((d) => d.name === device)?.channels.find((c) => c.name === channel)?.shape;
    return shape === undefined || shape === 'multi';
  });
  return stream;
}

const going = (phase: string | undefined): boolean => phase === 'starting' || phase === 'running';

function Login({ error, onToken }: { error: string | null; onToken(token: string): void }) {
  const [token, setToken] = useState('');
  return (
    <form
      class="login"
      onSubmit={(event) => {
        event.preventDefault();
        if (token !== '') onToken(token);
      }}
    >
      <h1>rex</h1>
      <p>
        This server needs its token (the config's <code>[serve] token</code>, or REX_SERVE_TOKEN).
      </p>
      <label>
        Token{' '}
        <input
          type="password"
          name="token"
          autocomplete="current-password"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Log in</button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
