/**
 * `rex run`: resolves the command line and config into a RunPlan, checks what can be checked before
 * the script starts, hosts the run, and turns its outcome into a summary and an exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunOutcome, RunPlan } from '../actors/controller/index.js';
import { hasWholeNumber, integralFloatPaths } from '../protocol/float-lexemes.js';
import type { JsonObject, JsonPath } from '../protocol/messages.js';
import { metaJsonDepthProblem } from '../protocol/session-meta.js';
import { RunHost } from '../host/run/run-host.js';
import { WEB_HOST } from '../host/run/web-view.js';
import { announceToServe, serveAssignedRunUuid } from '../host/serve/run-ipc.js';
import { mailSummaryLines, planMail } from './mail-plan.js';
import { drainClickHouse, progressLine } from '../host/run/clickhouse-drain.js';
import { awaitReplication } from '../host/run/replication-drain.js';
import { stationName } from '../runtime/fleet/station-name.js';
import { configSourceLine, loadConfig, prepareProvidedConfig } from './config-file.js';
import { interpreterProblem } from './interpreter.js';
import { explicitPortProblem, freePort, portProblemMessage } from '../runtime/port-check.js';
import { formatLogEntry, printLogs, scriptLogLevel, shownLogLine } from './console-log.js';
import type { LogEntry } from '../bus/payloads.js';
import { RunFeedback, liveStatusMode } from '../host/run/run-feedback.js';
import { journalLine } from '../host/run/run-summary.js';
import { EXIT, UsageError, exitCodeOf } from './exit-codes.js';
import { prepareOutputDirectory } from '../runtime/output-dir.js';
import { createRunStore, removeStaleRunStores } from '../runtime/run-store.js';
import { collectRunRecord } from './run-record.js';
import { rexVersion } from './version.js';

const BUSY_PORT_ADVICE = 'choose another -P, or leave -P out and rex picks a free port (exported as REX_PORT)';
const BUSY_WEB_PORT_ADVICE = 'choose another --web PORT, or give --web alone and rex picks a free port';

/** What `rex run`'s parser gives (src/cli/main.ts): `loops`, `delay` and `port` already checked there. */
export interface RunOptions {
  script?: string;
  path?: string;
  email?: string;
  delay: number;
  loops: number;
  dryRun: boolean;
  output: string;
  interactive: boolean;
  port?: number;
  config?: string;
  metaJson?: string;
  bind: string;
  keepJournal: boolean;
  configFile?: string;
  /** `--web [PORT]`: true for a free port. */
  web?: number | true;
}

export async function runCommand(options: RunOptions, verbosity: number, argv: string[]): Promise<number> {
  const scriptArg = options.script ?? options.path;
  if (!scriptArg) throw new UsageError('no script given: `rex run <script>` (or `rex run -p <script>`)');
  if (options.script && options.path && options.script !== options.path) {
    throw new UsageError(`two different scripts given: ${options.script} and -p ${options.path}`);
  }
  const scriptPath = path.resolve(scriptArg);
  if (!fs.statSync(scriptPath, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`script not found: ${scriptArg}`);
  const { metaJson, metaJsonFloats } = parseMetaJson(options.metaJson);

  const loaded = await loadConfig(options.configFile ? { path: options.configFile } : {});
  const { config, path: configPath, warnings } = loaded;
  const noInterpreter = interpreterProblem(config.general.interpreter);
  if (noInterpreter) {
    const where = configPath ? `general.interpreter in ${configPath}` : 'the default; set general.interpreter in the config file';
    throw new UsageError(`${noInterpreter} (${where}): cannot run ${scriptArg}`);
  }
  if (options.port !== undefined) {
    const portProblem = await explicitPortProblem(options.bind, options.port, BUSY_PORT_ADVICE);
    if (portProblem) throw new UsageError(portProblem);
  }
  const webPort = await resolveWebPort(options, options.port ?? config.general.port);
  const uuid = serveAssignedRunUuid() ?? crypto.randomUUID();
  const mailPlan = planMail({
    email: options.email,
    dryRun: options.dryRun,
    server: config.email_server,
    configPath,
    uuid,
    env: process.env,
  });
  if (mailPlan.usageError) throw new UsageError(mailPlan.usageError);
  // REX_STORE: private to this run (mkdtemp, 0700); the stores of runs that are gone go now.
  const staleStores = removeStaleRunStores();
  const storeDir = createRunStore();
  const outputDir = path.resolve(options.output);
  const journalDir = options.dryRun ? path.join(storeDir, 'journal') : path.join(outputDir, '.rex', uuid);
  const scriptEnv: Record<string, string> = {};
  try {
    if (options.config !== undefined) {
      const provided = await prepareProvidedConfig(options.config, storeDir);
      Object.assign(scriptEnv, provided.env);
      warnings.push(...provided.warnings);
    }
    if (!options.dryRun) {
      const problem = prepareOutputDirectory(outputDir);
      if (problem) throw new UsageError(`output directory ${outputDir}: ${problem}`);
    }
  } catch (error) {
    // Nothing started: leave nothing behind.
    fs.rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }

  const runRecord = collectRunRecord({ scriptPath, interpreter: config.general.interpreter, commandLine: argv, rexVersion: rexVersion() });
  const requestedPort = options.port ?? config.general.port;
  // Loaded only with [fleet]: a run outside a fleet loads no NATS client. A run started by
  // `rex serve` is no station of its own: its server's station stands for it.
  const fleetStation =
    config.fleet && serveAssignedRunUuid() === undefined
      ? (await import('./fleet/station-data.js')).stationData(config.fleet, 'run', {
          scriptsDir: null,
          allowedOutputDirs: options.dryRun ? [] : [outputDir],
          cwd: process.cwd(),
        })
      : undefined;
  // Set once the terminal's output is arranged (below); the server listens only after that.
  let announceWeb: (line: string) => void = () => {};
  const host = new RunHost({
    host: options.bind,
    port: requestedPort,
    portFallback: options.port === undefined,
    subsampling: config.general.subsampling,
    ...(verbosity >= 3 ? { lineLog: verbosity >= 4 ? ('raw' as const) : ('summary' as const) } : {}),
    ...(mailPlan.data ? { mail: mailPlan.data, mailWaitMs: mailPlan.waitMs } : {}),
    ...(config.click_house_server && !options.dryRun ? { clickhouse: { journalDir, config: config.click_house_server } } : {}),
    // [fleet]: each run replicates its journal, a served one too (not in dry run: no journal kept).
    ...(config.fleet && !options.dryRun ? { replication: { journalDir, fleet: config.fleet, node: stationName(config.fleet) } } : {}),
    ...((webPort !== undefined || fleetStation !== undefined) && {
      run: {
        uuid,
        scriptPath,
        outputDir: options.dryRun ? null : outputDir,
        // Called when the run has finished, long after `signals` below exists.
        exitCode: (finished: RunOutcome) => exitCodeOf(finished, signals.received()),
        // The page's log shows what stderr shows.
        logLine: (entry: LogEntry) => shownLogLine(entry, verbosity),
      },
    }),
    ...(webPort !== undefined && {
      web: { port: webPort, cwd: process.cwd(), version: rexVersion(), announce: (line: string) => announceWeb(line) },
    }),
    ...(fleetStation !== undefined && { fleetStation }),
  });
  // -i: the TUI runs as a child process on the terminal and shows rex's log lines instead of stderr.
  // Loaded only then: it brings node:child_process to the main thread (~5 ms of each start).
  const ViewChild = options.interactive ? (await import('../host/run/view-child.js')).ViewChild : undefined;
  const tui = ViewChild?.available()
    ? new ViewChild(host.bus, { verbosity, theme: config.general.theme, onQuit: () => host.interrupt(), formatLine: formatLogEntry })
    : undefined;
  // At info: a status line while the run goes on, a summary at its end.
  const feedback = new RunFeedback(host.bus, {
    live: liveStatusMode(verbosity, tui !== undefined),
    printLine: (line) => process.stderr.write(`${line}\n`),
    formatStatus: (message) => formatLogEntry({ level: 'info', source: 'rex', message, ts: Date.now() }),
  });
  const logs = tui ? { unsubscribe: () => tui.dispose() } : printLogs(host.bus, verbosity, feedback.printLine);
  feedback.start();
  const log = (level: 'info' | 'warn' | 'error', message: string): void =>
    host.bus.publish('log', { level, source: 'rex', message, ts: Date.now() });
  // Asked for with --web, so shown at every -v level (the TUI shows it in its log pane).
  announceWeb = tui
    ? (line) => log('info', line)
    : (line) => feedback.printLine(formatLogEntry({ level: 'info', source: 'rex', message: line, ts: Date.now() }));
  log('info', configSourceLine(loaded));
  for (const warning of warnings) log('warn', warning);
  for (const dir of staleStores) log('info', `removed ${dir}, the temporary directory of a run that is gone`);
  for (const note of mailPlan.notes) log(note.level, note.message);
  if (options.interactive && !tui) log('warn', '--interactive needs a terminal (stdin and stdout a TTY): running without the terminal UI');

  let outcome: RunOutcome | undefined;
  let clickhouseLeft = false;
  let fleetLeft = false;
  let summaries: Awaited<ReturnType<RunFeedback['finish']>> = [];
  const signals = handleInterrupts(host, log, () => tui?.close());
  try {
    const { port, fellBack } = await host.open(storeDir).catch((error: NodeJS.ErrnoException) => {
      if (error.syscall !== 'listen' && error.syscall !== 'getaddrinfo') throw error;
      throw new UsageError(portProblemMessage(options.bind, requestedPort, error, BUSY_PORT_ADVICE));
    });
    if (fellBack) log('warn', `port ${requestedPort} is busy: listening on ${port} instead (exported as REX_PORT)`);
    else log('info', `listening on ${options.bind}:${port}`);
    tui?.start(options.bind, port);
    announceToServe({ kind: 'rex.run.listening', uuid, port });

    const plan: RunPlan = {
      uuid,
      scriptPath,
      interpreter: config.general.interpreter,
      loops: options.loops,
      delayMinutes: options.delay,
      dryRun: options.dryRun,
      outputDir,
      journalDir,
      storeDir,
      port,
      scriptEnv,
      scriptLogLevel: scriptLogLevel(verbosity),
      metaJson,
      metaJsonFloats,
      validations: config.general.validations,
      runRecord: await runRecord,
      stopGraceMs: 3000,
    };
    outcome = await host.run(plan);
    clickhouseLeft = await storeInClickHouse(host, config.click_house_server?.wait_at_end !== false, journalDir, log);
    fleetLeft = await replicateToHub(host, journalDir, log);
    // -i: the view shows how the run ended and stays until the user quits it.
    tui?.finished(outcome);
    await tui?.closed();
    summaries = await feedback.finish();
  } finally {
    feedback.stop();
    signals.dispose();
    await host.close();
    logs.unsubscribe();
    // REX_STORE, however the run went (a dry run's journal is in it too).
    fs.rmSync(storeDir, { recursive: true, force: true });
  }

  const exitCode = exitCodeOf(outcome, signals.received());
  printSummary(outcome, exitCode);
  if (options.email !== undefined) {
    // A mail failure is reported here but does not change the exit code: the data is saved either way.
    const mail = mailSummaryLines(options.email, mailPlan, host.mail?.report());
    for (const line of mail.stdout) console.log(line);
    for (const line of mail.stderr) console.error(`rex: ${line}`);
  }
  const journal = cleanUp({
    journalDir,
    outputDir,
    keepJournal: options.keepJournal || exitCode === EXIT.internal || clickhouseLeft || fleetLeft,
    dryRun: options.dryRun,
    outcome,
  });
  if (outcome && verbosity >= 2) for (const line of feedback.summaryLines(outcome, options.loops, summaries)) console.error(line);
  if (journal === 'kept' || (journal === 'removed' && verbosity >= 2)) {
    // Kept for the database alone, the output is whole: what to do next is the push.
    console.error(journalLine(journal, journalDir, clickhouseLeft && exitCode !== EXIT.internal ? 'clickhouse' : null));
  }
  announceToServe({
    kind: 'rex.run.finished',
    uuid,
    exitCode,
    outputFiles: (outcome?.iterations ?? []).flatMap((it) => (it.outputFile ? [it.outputFile] : [])),
  });
  return exitCode;
}

/** The port of `--web`: an explicit one must be free (exit 2 otherwise, as for -P); else one the system gives. */
async function resolveWebPort(options: RunOptions, runPort: number): Promise<number | undefined> {
  if (options.web === undefined) return undefined;
  if (options.web === true) return freePort(WEB_HOST);
  if (options.web === runPort) throw new UsageError(`--web ${options.web}: that is the run's TCP port (-P or config general.port)`);
  const problem = await explicitPortProblem(WEB_HOST, options.web, BUSY_WEB_PORT_ADVICE);
  if (problem) throw new UsageError(problem);
  return options.web;
}

/** `--meta-json`, with the whole numbers it wrote as floats (so `1.0` stays `1.0` in the TOML). */
function parseMetaJson(text: string | undefined): { metaJson?: Record<string, unknown>; metaJsonFloats?: JsonPath[] } {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--meta-json is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError('--meta-json must be a JSON object, e.g. \'{"sample_id": "S1"}\'');
  }
  const tooDeep = metaJsonDepthProblem(value);
  if (tooDeep) throw new UsageError(`--meta-json is ${tooDeep}`);
  const metaJsonFloats = hasWholeNumber(value as JsonObject) ? integralFloatPaths(text, [], value as JsonObject) : undefined;
  return { metaJson: value as Record<string, unknown>, ...(metaJsonFloats ? { metaJsonFloats } : {}) };
}

/** Ctrl-C / SIGTERM: end the iteration and cancel the rest; twice: now; three times: kill the script and leave. */
function handleInterrupts(host: RunHost, log: (level: 'warn', message: string) => void, onAnySignal: () => void = () => {}) {
  let count = 0;
  let last: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    count++;
    last = signal;
    onAnySignal();
    if (count === 1) log('warn', `${signal}: ending the run after saving the data (again to force)`);
    if (count >= 3) {
      log('warn', `${signal} a third time: killing the script; \`rex recover\` rebuilds the file from the journal`);
      host.killScript();
      process.exit(EXIT.interrupted);
    }
    host.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    received: () => last,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function printSummary(outcome: RunOutcome | undefined, exitCode: number): void {
  if (!outcome) return;
  for (const it of outcome.iterations) {
    const status = it.exitCode !== null ? `exit code ${it.exitCode}` : it.signal ? `signal ${it.signal}` : 'no exit status';
    const prefix = outcome.iterations.length > 1 ? `loop ${it.loop + 1}: ` : '';
    const detail = it.validationError ? ` (validation failed: ${it.validationError})` : '';
    console.log(`${prefix}script ended (${it.reason}, ${status})${detail}`);
    if (it.outputFile) console.log(`${prefix}output file: ${it.outputFile}`);
  }
  if (outcome.error) console.error(`rex: ${outcome.error}`);
  if (exitCode !== EXIT.ok) console.error(`rex: exit code ${exitCode}`);
}

/**
 * SPEC §3.5: ClickHouse after the file. The clickhouse-writer streamed during the run; wait for its
 * last rows (config `wait_at_end`). Returns true when rows are left in the journal.
 */
async function storeInClickHouse(
  host: RunHost,
  wait: boolean,
  journalDir: string,
  log: (level: 'info' | 'warn' | 'error', message: string) => void,
): Promise<boolean> {
  if (!host.hasClickHouse) return false;
  const result = await drainClickHouse(host.bus, { wait, report: (line) => log('info', line) });
  if (result.caughtUp) {
    if (result.status) log('info', progressLine(result.status));
    return false;
  }
  log(
    'error',
    `ClickHouse: not every row is stored (${result.reason ?? 'unknown reason'}); the journal is kept: \`rex db push ${journalDir}\` stores the rest`,
  );
  return true;
}

/**
 * `[fleet]`: the replicator streamed the journal during the run; wait a bounded time for the hub
 * to acknowledge the rest. Returns true when records are left to send (the journal is then kept).
 */
async function replicateToHub(
  host: RunHost,
  journalDir: string,
  log: (level: 'info' | 'warn' | 'error', message: string) => void,
): Promise<boolean> {
  if (!host.hasFleet) return false;
  const result = await awaitReplication(() =>
    host.bus.request('fleet.replication', { runOver: true }, { timeoutMs: 2000 }).catch(() => null),
  );
  if (result.caughtUp) return false;
  log(
    'warn',
    `the hub has not acknowledged every journal record (${result.reason}); the journal is kept: \`rex recover ${journalDir}\` replicates the rest`,
  );
  return true;
}

function cleanUp(args: {
  journalDir: string;
  outputDir: string;
  keepJournal: boolean;
  dryRun: boolean;
  outcome: RunOutcome | undefined;
}): 'removed' | 'kept' | null {
  if (args.dryRun) return null;
  const allWritten = args.outcome !== undefined && !args.outcome.error && args.outcome.iterations.every((it) => it.outputFile);
  if (allWritten && !args.keepJournal) {
    fs.rmSync(args.journalDir, { recursive: true, force: true });
    const rexDir = path.dirname(args.journalDir);
    if (fs.existsSync(rexDir) && fs.readdirSync(rexDir).length === 0) fs.rmdirSync(rexDir);
    return 'removed';
  }
  return fs.existsSync(args.journalDir) ? 'kept' : null;
}
