/**
 * The main-thread half of `rex serve`: starts the run asked for by `POST /run` as a child process
 * (`node bin/rex.js run ...`), follows it, and reports it on the bus (`serve.run`, `serve.state`,
 * `serve.launch`). It lives on the main thread because that thread outlives every actor: when the
 * http-gateway worker crashes and is restarted, the run goes on untouched and the new gateway
 * asks here what is running. One run at a time, as the original.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Unsubscribable } from 'rxjs';
import type { Bus } from '../../bus/bus.js';
import { LogTail } from './log-tail.js';
import { idleRunState, LogRing, type ServeLaunch, type ServeLaunchResult, type ServeRunState } from '../../actors/http-gateway/index.js';
import { describeRunExit } from '../../protocol/run-exit.js';
import { parseRunIpcMessage, SERVE_RUN_UUID_ENV } from './run-ipc.js';
import { childNodeFlags } from '../../runtime/dist-file.js';

export interface RunLauncherOptions {
  /** bin/rex.js, run with this Node (and its V8 thread pool size, `childNodeFlags`). */
  rexBin: string;
  /** `-v` for the run. */
  verbosity: number;
  /** `--config-file` for the run, when `rex serve` was given one. */
  configFile?: string;
  /** Where each run's log file goes. */
  logDir: string;
  /** How long `serve.launch` waits for the run to listen before answering anyway (default 20 s). */
  startWaitMs?: number;
  /** Each line the run logs (default: stderr, prefixed with the run's short id). */
  onRunLog?: (line: string, id: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** The run's environment: the server's, less its token (the script inherits it all), plus the run's UUID. */
export function runEnvironment(serverEnv: NodeJS.ProcessEnv, id: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...serverEnv, [SERVE_RUN_UUID_ENV]: id };
  delete env.REX_SERVE_TOKEN;
  return env;
}

/** The end of the log `GET /run` shows once the run has ended. */
const END_TAIL_LINES = 30;

/** Run logs kept in the log directory (the oldest go first). */
const KEEP_RUN_LOGS = 50;

function pruneOldLogs(dir: string, keep: number): void {
  try {
    const logs = fs
      .readdirSync(dir)
      .filter((name) => name.startsWith('run-') && name.endsWith('.log'))
      .map((name) => ({ file: path.join(dir, name), mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { file } of logs.slice(keep)) fs.rmSync(file, { force: true });
  } catch {
    // Pruning is housekeeping: never a reason not to start a run.
  }
}

/** The `rex run` command line for a launch request (options as `--name=value`, so no value is taken for an option). */
export function runArguments(launch: ServeLaunch, options: Pick<RunLauncherOptions, 'verbosity' | 'configFile'>): string[] {
  return [
    `--verbosity=${options.verbosity}`,
    'run',
    `--output=${launch.outputDir}`,
    `--loops=${launch.loops}`,
    `--delay=${launch.delayMinutes}`,
    ...(launch.dryRun ? ['--dry-run'] : []),
    ...(launch.email !== undefined ? [`--email=${launch.email}`] : []),
    ...(launch.port !== undefined ? [`--port=${launch.port}`] : []),
    ...(launch.config !== undefined ? [`--config=${launch.config}`] : []),
    ...(launch.metaJson !== undefined ? [`--meta-json=${launch.metaJson}`] : []),
    ...(options.configFile !== undefined ? [`--config-file=${options.configFile}`] : []),
    '--',
    launch.scriptPath,
  ];
}

export class RunLauncher {
  private state: ServeRunState = idleRunState();
  /** The current (or last) run's log, as the run goes: `serve.log`. */
  private runLog = new LogRing();
  private child: ChildProcess | null = null;
  private readonly servers: Unsubscribable[];
  /** Settles when the current child has closed (resolved at once when there is none). */
  private closed: Promise<void> = Promise.resolve();
  /** Wakes a pending launch when the run listens or ends. */
  private wake: () => void = () => undefined;

  constructor(
    private readonly bus: Bus,
    private readonly options: RunLauncherOptions,
  ) {
    this.servers = [
      bus.serve('serve.launch', (launch) => this.launch(launch)),
      bus.serve('serve.state', () => this.state),
      bus.serve('serve.log', ({ id, after }) => this.runLog.since(id === this.runLog.id ? after : 0)),
    ];
  }

  get current(): ServeRunState {
    return this.state;
  }

  get running(): boolean {
    return this.state.phase === 'starting' || this.state.phase === 'running';
  }

  async launch(launch: ServeLaunch): Promise<ServeLaunchResult> {
    if (this.running) return { started: false, reason: 'busy' };
    const id = randomUUID();
    // Set synchronously, before any await: a second request arriving now sees 'starting'.
    const logFile = path.join(this.options.logDir, `run-${id}.log`);
    this.runLog = new LogRing(id);
    this.update({
      ...idleRunState(),
      phase: 'starting',
      id,
      script: launch.scriptPath,
      outputDir: launch.outputDir,
      startedAt: new Date().toISOString(),
      logFile,
    });
    try {
      this.spawnRun(id, launch, logFile);
    } catch (error) {
      // E.g. the log directory has gone: the run never started, and the launcher must not stay busy.
      const message = `could not start the run: ${(error as Error).message}`;
      this.runLog.push(message);
      this.update({ ...this.state, phase: 'ended', endedAt: new Date().toISOString(), logTail: [message] });
      this.log('warn', `run ${id}: ${message}`);
      return { started: false, reason: 'failed', id, exitCode: null, message };
    }

    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.startWaitMs ?? 20_000)))]);
    clearTimeout(timer);
    const state = this.state;
    if (state.id === id && state.phase === 'ended' && state.port === null) {
      return { started: false, reason: 'failed', id, exitCode: state.exitCode, message: state.logTail.slice(-8).join('\n') };
    }
    return { started: true, id };
  }

  /** Forwards Ctrl-C to the run (1st: end gracefully, saving the data; 2nd: stop the script now; 3rd: leave). */
  interrupt(): boolean {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return false;
    try {
      process.kill(pid, 'SIGINT');
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once the current run (if any) has ended, or after `timeoutMs`; true if it ended. */
  async whenEnded(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const ended = await Promise.race([this.closed.then(() => true), timedOut]);
    clearTimeout(timer);
    return ended;
  }

  close(): void {
    for (const server of this.servers) server.unsubscribe();
  }

  private spawnRun(id: string, launch: ServeLaunch, logFile: string): void {
    const short = id.slice(0, 8);
    const onRunLog = this.options.onRunLog ?? ((line: string) => process.stderr.write(`[run ${short}] ${line}\n`));
    // A long-lived server's temp directory may have been cleaned up under it.
    fs.mkdirSync(this.options.logDir, { recursive: true });
    pruneOldLogs(this.options.logDir, KEEP_RUN_LOGS);
    const logFd = fs.openSync(logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...childNodeFlags(), this.options.rexBin, ...runArguments(launch, this.options)], {
        env: runEnvironment(this.options.env ?? process.env, id),
        // A log file rather than pipes: the run must not die at its next log line if rex serve is killed.
        stdio: ['ignore', logFd, logFd, 'ipc'],
        // Its own process group: a Ctrl-C in the terminal reaches rex serve, which forwards it once.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } finally {
      fs.closeSync(logFd);
    }
    this.child = child;
    const ring = this.runLog;
    const tail = new LogTail(logFile, (line) => {
      ring.push(line);
      onRunLog(line, id);
    });
    this.log('info', `run ${id} started: ${launch.scriptPath} (pid ${child.pid ?? 'none'}, log ${logFile})`);
    if (child.pid !== undefined) this.update({ ...this.state, pid: child.pid });

    let ended = false;
    let markClosed: () => void = () => undefined;
    this.closed = new Promise<void>((resolve) => (markClosed = resolve));
    const end = (exitCode: number | null, signal: string | null, note?: string): void => {
      if (ended) return;
      ended = true;
      tail.stop();
      if (note) ring.push(note);
      this.update({
        ...this.state,
        phase: 'ended',
        endedAt: new Date().toISOString(),
        exitCode,
        signal,
        logTail: ring.tail(END_TAIL_LINES),
      });
      const level = exitCode === 0 ? 'info' : 'warn';
      this.log(level, `run ${id} ended: ${describeRunExit(exitCode, signal)}${note ? `: ${note}` : ''}`);
      if (this.child === child) this.child = null;
      this.wake();
      markClosed();
    };

    child.on('message', (message: unknown) => {
      const ipc = parseRunIpcMessage(message);
      if (ipc === null || ipc.uuid !== id || ended) return;
      if (ipc.kind === 'rex.run.listening') {
        this.update({ ...this.state, phase: 'running', port: ipc.port });
        this.log('info', `run ${id} listening on port ${ipc.port}`);
        this.wake();
      } else {
        this.update({ ...this.state, outputFiles: ipc.outputFiles });
      }
    });
    // 'close' comes after the IPC channel has delivered everything (the outcome is sent just before exit).
    child.on('close', (code, signal) => end(code, signal));
    child.on('exit', (code, signal) => {
      // Should the channel stay open (it should not), do not wait for it for ever.
      setTimeout(() => end(code, signal), 2000).unref();
    });
    child.on('error', (error) => {
      // Spawning failed: no 'exit' will follow.
      if (child.pid === undefined) end(null, null, `could not start the run: ${error.message}`);
    });
  }

  private update(state: ServeRunState): void {
    this.state = state;
    this.bus.publish('serve.run', state);
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.bus.publish('log', { level, source: 'serve', message, ts: Date.now() });
  }
}
