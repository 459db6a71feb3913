/**
 * The experiment script as a child process: started without a shell in its own process group, its
 * output turned into log lines, and stopped together with everything it spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { ByteTail } from './stderr-tail.js';

export interface ScriptLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ScriptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type ScriptOutputLine = { stream: 'stdout' | 'stderr'; level: 'error' | 'warn' | 'debug' | 'info'; text: string };

/** `<interpreter> [-u if .py] <script>` (SPEC §3). */
export function scriptLaunchCommand(interpreter: string, scriptPath: string): { command: string; args: string[] } {
  const unbuffered = scriptPath.toLowerCase().endsWith('.py') ? ['-u'] : [];
  return { command: interpreter, args: [...unbuffered, scriptPath] };
}

export class ScriptProcess {
  readonly exited: Promise<ScriptExit>;
  /** The end of what the script wrote to stderr (it still goes to the log line by line too). */
  readonly stderrTail = new ByteTail();
  private readonly child: ChildProcess;
  private exitInfo: ScriptExit | null = null;

  constructor(launch: ScriptLaunch, onOutput: (line: ScriptOutputLine) => void) {
    this.child = spawn(launch.command, launch.args, {
      env: launch.env,
      cwd: launch.cwd,
      // Own process group (POSIX): the whole tree can be signalled at once, and a terminal's Ctrl-C
      // reaches rex only, which then stops the script in order (SPEC §3).
      detached: process.platform !== 'win32',
      stdio: ['inherit', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        onOutput({ stream: 'stderr', level: 'error', text: `could not start ${launch.command}: ${error.message}` });
        this.exitInfo ??= { code: 127, signal: null };
        resolve(this.exitInfo);
      });
      // 'exit', not 'close': a child the script left running may hold its stdout open for good.
      this.child.once('exit', (code, signal) => {
        this.exitInfo ??= { code, signal };
        resolve(this.exitInfo);
      });
    });
    forwardLines(this.child.stdout, 'stdout', onOutput);
    forwardLines(this.child.stderr, 'stderr', onOutput);
    this.child.stderr?.on('data', (chunk: Buffer) => this.stderrTail.write(chunk));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  /**
   * Stops the script and its whole process tree: SIGTERM to the group, then SIGKILL after
   * `graceMs` if anything is still alive. Resolves with the script's exit.
   */
  async stop(graceMs: number): Promise<ScriptExit> {
    if (!this.hasExited) this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    // The script is gone, but children it started may linger in its group.
    this.signalGroup('SIGKILL');
    return exit;
  }

  /** Kills the script's whole process group now (a forced stop). */
  kill(): void {
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.child.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

/** stderr lines of a Python traceback are errors (as the original logged them); other lines debug/info. */
function forwardLines(stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr', onOutput: (line: ScriptOutputLine) => void): void {
  if (!stream) return;
  let inTraceback = false;
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (text) => {
    let level: ScriptOutputLine['level'] = name === 'stdout' ? 'info' : 'warn';
    if (name === 'stderr') {
      if (text.startsWith('Traceback (most recent call last):')) inTraceback = true;
      if (inTraceback) {
        level = 'error';
        if (/^\w*(Error|Exception|Interrupt|Exit)\b/.test(text) || text.trim() === '') inTraceback = false;
      }
    }
    onOutput({ stream: name, level, text });
  });
}
