/**
 * Disk errors: an output directory rex cannot write is refused before the script starts (exit 2,
 * naming the directory); a journal that cannot be written mid-run (disk full: ENOSPC on a small
 * tmpfs; failing writes: EFBIG under RLIMIT_FSIZE) never yields an acknowledgement for a line
 * that is not in the journal, and rex stops the run with exit 4 and says why.
 *
 * Read-only and tiny file systems are tmpfs mounts inside `unshare -rm` (a user + mount namespace:
 * no privileges needed, and the mount vanishes with the run). Root ignores file permissions, so a
 * chmod would not do. Whatever the run leaves on a tmpfs is copied out before the namespace ends.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  PY_FIXTURES,
  REX_BIN,
  freePort,
  onlyOutput,
  outputFiles,
  readToml,
  runRex,
  workspace,
  type RexWorkspace,
} from '../helpers/rex-cli.js';
import { counterLines, processGone } from '../helpers/processes.js';
import { TestJournal } from '../clickhouse/journal-builder.js';

const ENV_PROBE = path.join(PY_FIXTURES, 'env_probe.py');
const STREAM = path.join(PY_FIXTURES, 'stream_with_child.py');
// The interpreter itself, not a version manager's shim script (startRex does the same with PATH).
const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

function pythonWorkspace(): RexWorkspace {
  const ws = workspace();
  ws.writeConfig(`[general]\ninterpreter = ${JSON.stringify(PYTHON)}\n`);
  return ws;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` (which runs rex) in the workspace, like startRex does for rex itself. */
function runWrapped(ws: RexWorkspace, command: string, args: string[], env: Record<string, string>): Promise<Finished> {
  const child = spawn(command, args, {
    cwd: ws.dir,
    env: { ...process.env, XDG_CONFIG_HOME: ws.configHome, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// Mounts a tmpfs, optionally copies files onto it and fills it, runs rex, copies what is on the tmpfs out, exits with rex's code.
const IN_NAMESPACE = `
node="$1"; shift
mount -t tmpfs -o "$REXTEST_MOUNT_OPTS" tmpfs "$REXTEST_MOUNT_DIR" || { echo "disk-errors: cannot mount a tmpfs in unshare -rm" >&2; exit 97; }
if [ -n "$REXTEST_COPY_IN" ]; then cp -a "$REXTEST_COPY_IN/." "$REXTEST_MOUNT_DIR/"; fi
if [ -n "$REXTEST_FILL" ]; then dd if=/dev/zero of="$REXTEST_MOUNT_DIR/filler" bs=4k 2>/dev/null; fi
"$node" "$@"; code=$?
if [ -n "$REXTEST_SAVE_DIR" ]; then cp -a "$REXTEST_MOUNT_DIR/." "$REXTEST_SAVE_DIR/"; fi
exit $code
`;

interface TmpfsOptions {
  /** Where the tmpfs is mounted (created here first). */
  mountDir: string;
  /** tmpfs mount options, e.g. `ro,size=64k` or `size=128k`. */
  options: string;
  /** Copied onto the tmpfs before it is filled. */
  copyIn?: string;
  /** Fill the tmpfs before rex starts. */
  fill?: boolean;
  /** Copy the tmpfs' content here after rex exits. */
  saveDir?: string;
}

/** `rex <args>` with a tmpfs mounted at `tmpfs.mountDir`, in a private user + mount namespace. */
function runRexOnTmpfs(ws: RexWorkspace, tmpfs: TmpfsOptions, args: string[], env: Record<string, string> = {}): Promise<Finished> {
  fs.mkdirSync(tmpfs.mountDir, { recursive: true });
  if (tmpfs.saveDir) fs.mkdirSync(tmpfs.saveDir, { recursive: true });
  return runWrapped(ws, 'unshare', ['-rm', 'sh', '-c', IN_NAMESPACE, 'sh', process.execPath, REX_BIN, ...args], {
    ...env,
    REXTEST_MOUNT_DIR: tmpfs.mountDir,
    REXTEST_MOUNT_OPTS: tmpfs.options,
    REXTEST_COPY_IN: tmpfs.copyIn ?? '',
    REXTEST_FILL: tmpfs.fill ? '1' : '',
    REXTEST_SAVE_DIR: tmpfs.saveDir ?? '',
  });
}

/** `rex <args>` with RLIMIT_FSIZE = `bytes`: a write past it fails with EFBIG (Node ignores SIGXFSZ). */
function runRexWithFileSizeLimit(ws: RexWorkspace, bytes: number, args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return runWrapped(ws, 'prlimit', [`--fsize=${bytes}`, process.execPath, REX_BIN, ...args], env);
}

describe('an output directory rex cannot write: refused before the script starts', () => {
  /** env_probe.py writes REXT_OUT first thing: its absence proves the script never ran. */
  async function expectRefused(
    result: Finished,
    dir: string,
    probeFile: string,
    problem = /^rex: output directory \S+: .+/,
  ): Promise<void> {
    expect(result.code, result.stderr).toBe(2);
    const message = result.stderr.split('\n').find((line) => line.includes(dir));
    expect(message, `no message naming ${dir} in:\n${result.stderr}`).toMatch(problem);
    expect(fs.existsSync(probeFile), 'the script ran').toBe(false);
    expect(result.stdout).not.toMatch(/output file:/);
  }

  it('the output path is a file', async () => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    const file = path.join(ws.dir, 'not-a-dir');
    fs.writeFileSync(file, 'precious\n');
    const result = await runRex(ws, ['run', ENV_PROBE, '-o', file, '-P', String(await freePort())], { env: { REXT_OUT: probe } });
    await expectRefused(result, file, probe);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious\n');
  });

  it('the output path is below a file (cannot be created)', async () => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    fs.writeFileSync(path.join(ws.dir, 'file'), '');
    const dir = path.join(ws.dir, 'file', 'out');
    const result = await runRex(ws, ['run', ENV_PROBE, '-o', dir, '-P', String(await freePort())], { env: { REXT_OUT: probe } });
    await expectRefused(result, dir, probe);
  });

  it('an existing read-only directory', async () => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    const dir = path.join(ws.dir, 'readonly');
    const result = await runRexOnTmpfs(
      ws,
      { mountDir: dir, options: 'ro,size=64k' },
      ['run', ENV_PROBE, '-o', dir, '-P', String(await freePort())],
      {
        REXT_OUT: probe,
      },
    );
    await expectRefused(result, dir, probe);
  });

  it('a missing directory under a read-only one', async () => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    const parent = path.join(ws.dir, 'readonly');
    const dir = path.join(parent, 'runs', 'today');
    const result = await runRexOnTmpfs(
      ws,
      { mountDir: parent, options: 'ro,size=64k' },
      ['run', ENV_PROBE, '-o', dir, '-P', String(await freePort())],
      {
        REXT_OUT: probe,
      },
    );
    await expectRefused(result, dir, probe);
  });

  // Node's recursive mkdir loops for ever there (ENOENT for /proc/x, EEXIST for /proc, again and again).
  it.each(['/proc/rex-test/out', '/sys/rex-test'])('on a pseudo-file system: %s', async (dir) => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    const result = await runRex(ws, ['run', ENV_PROBE, '-o', dir, '-P', String(await freePort())], { env: { REXT_OUT: probe } });
    await expectRefused(result, dir, probe, /is on (proc|sysfs), a pseudo-file system/);
  });

  it('a directory without write permission (0500)', async () => {
    const ws = workspace();
    // An interpreter nobody can reach too (never started: the directory is refused first).
    ws.writeConfig('[general]\ninterpreter = "/bin/sh"\n');
    const probe = path.join(ws.dir, 'probe.json');
    const dir = path.join(ws.dir, 'locked');
    fs.mkdirSync(dir, { mode: 0o500 });
    const args = ['run', ENV_PROBE, '-o', dir, '-P', String(await freePort())];
    // Root ignores permissions: then rex runs as nobody (the workspace opened to it).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) fs.chmodSync(ws.dir, 0o755);
    const result = asRoot
      ? await runWrapped(ws, 'setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, REX_BIN, ...args], {
          REXT_OUT: probe,
        })
      : await runRex(ws, args, { env: { REXT_OUT: probe } });
    await expectRefused(result, dir, probe, /cannot create a file in it: permission denied \(EACCES\)/);
  });

  it('rex recover -o on a pseudo-file system: exit 2 naming it, nothing recovered', async () => {
    const ws = workspace();
    const journal = new TestJournal(path.join(ws.outputDir, '.rex', 'run-1', 'loop-1.rexj'), { uuid: 'run-1', outputDir: ws.outputDir });
    journal.line({ info: { name: 'Jane', email: 'j@lab.org', session_name: 'Proc', session_description: 'd' } });
    journal.end();
    journal.close();
    const result = await runRex(ws, ['recover', ws.outputDir, '-o', '/proc/rex-test']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^rex: output directory \/proc\/rex-test: \/proc is on proc, a pseudo-file system/m);
    expect(result.stdout).not.toMatch(/recovered/);
  });

  it('a missing directory that can be created is created, and the run works', async () => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    const dir = path.join(ws.outputDir, 'runs', 'today');
    const result = await runRex(ws, ['run', ENV_PROBE, '-o', dir, '-P', String(await freePort())], { env: { REXT_OUT: probe } });
    expect(result.code, result.stderr).toBe(0);
    expect(fs.existsSync(probe)).toBe(true);
    expect(onlyOutput(dir).device.probe.data.x.data).toEqual([1]);
  });
});

describe('the journal cannot be written mid-run', () => {
  interface DiskFailureRun {
    result: Finished;
    acked: number;
    /** Lines in the journal, counted by recovering it (in order 0..n-1 or the test fails). */
    journaled: number;
    journalPath: string;
    pids: { script: number; child: number };
  }

  const streamEnv = (ws: RexWorkspace): Record<string, string> => ({
    REXT_ACK_FILE: path.join(ws.dir, 'ack'),
    REXT_SENT_FILE: path.join(ws.dir, 'sent'),
    REXT_PID_FILE: path.join(ws.dir, 'pids.json'),
    // Scalars only: journal lines (~150 bytes) are by far the biggest writes, so the journal fails first.
    REXT_POINTS: '0',
    REXT_SLEEP: '0.001',
  });

  /** What the failed run left: `runDir` holds the output dir's content (`.rex/<uuid>/loop-1.rexj`). */
  async function inspect(ws: RexWorkspace, result: Finished, runDir: string): Promise<DiskFailureRun> {
    const pids = JSON.parse(fs.readFileSync(path.join(ws.dir, 'pids.json'), 'utf8')) as { script: number; child: number };
    onTestFinished(() => {
      for (const pid of [pids.script, pids.child]) if (!processGone(pid)) process.kill(pid, 'SIGKILL');
    });
    const rexDir = path.join(runDir, '.rex');
    expect(fs.existsSync(rexDir), `no journal kept in ${runDir}\n${result.stderr}`).toBe(true);
    const [uuid] = fs.readdirSync(rexDir);
    const journalPath = path.join(ws.outputDir, '.rex', uuid!, 'loop-1.rexj');
    const recoveredDir = path.join(ws.dir, 'recovered');
    const recovered = await runRex(ws, ['recover', path.join(rexDir, uuid!), '-o', recoveredDir]);
    expect(recovered.code, recovered.stderr).toBe(0);
    const n: number[] = readToml(outputFiles(recoveredDir)[0]!).device?.stream?.data?.n?.data ?? [];
    expect(n).toEqual(Array.from({ length: n.length }, (_, i) => i));
    return { result, acked: counterLines(path.join(ws.dir, 'ack')), journaled: n.length, journalPath, pids };
  }

  function expectStoppedClearly(run: DiskFailureRun, osError: RegExp): void {
    const { result } = run;
    const log = result.stderr;
    // Never an acknowledgement for a line that is not in the journal; and the run did stream first.
    expect(run.acked).toBeGreaterThan(0);
    expect(run.acked, `acked ${run.acked}, journaled ${run.journaled}`).toBeLessThanOrEqual(run.journaled);
    // A fatal stop: rex itself failed, the journal is kept.
    expect(result.code, log).toBe(4);
    expect(log).toContain(`journal kept in ${path.dirname(run.journalPath)}`);
    // The failure is named: which file, and the OS's reason.
    const named = log.split('\n').find((line) => line.includes(run.journalPath) && osError.test(line));
    expect(named, `no line names the journal ${run.journalPath} and ${osError}:\n${log}`).toBeDefined();
    // The run's final error says what went wrong, not an internal consequence of it.
    const finalError = log.split('\n').find((line) => line.startsWith('rex: ') && !line.startsWith('rex: exit code'));
    expect(finalError, log).toMatch(osError);
    // The script and its child were stopped with the run.
    expect(processGone(run.pids.script) && processGone(run.pids.child), 'script or its child still alive').toBe(true);
    // Its connection was closed when the ingest was given up: it learned at once that no reply
    // would come, instead of waiting on its line in flight until the grace ran out (SIGKILL).
    expect(log).toMatch(/the ingest was given up: closing 1 client connection/);
    expect(log).not.toMatch(/script ended \(fatal, signal SIGKILL\)/);
    // A full disk or a size limit is not waited out: the journal is kept for `rex recover`.
    expect(log).not.toMatch(/writing the output file failed .*trying again/);
  }

  it('disk full (ENOSPC on a 128 KiB tmpfs)', async () => {
    const ws = pythonWorkspace();
    const saved = path.join(ws.dir, 'saved');
    const result = await runRexOnTmpfs(
      ws,
      { mountDir: ws.outputDir, options: 'size=128k', saveDir: saved },
      ['run', STREAM, '-o', ws.outputDir, '-P', String(await freePort())],
      streamEnv(ws),
    );
    expectStoppedClearly(await inspect(ws, result, saved), /ENOSPC|no space left on device/);
  }, 90_000);

  it('writes fail (EFBIG: the journal reaches RLIMIT_FSIZE of 64 KiB)', async () => {
    const ws = pythonWorkspace();
    const result = await runRexWithFileSizeLimit(
      ws,
      64 * 1024,
      ['run', STREAM, '-o', ws.outputDir, '-P', String(await freePort())],
      streamEnv(ws),
    );
    const run = await inspect(ws, result, ws.outputDir);
    expect(fs.statSync(run.journalPath).size).toBe(64 * 1024);
    expectStoppedClearly(run, /EFBIG|file too large/);
  }, 90_000);

  it('disk already full when the run starts: the journal cannot be created, the script never runs', async () => {
    const ws = pythonWorkspace();
    const probe = path.join(ws.dir, 'probe.json');
    const result = await runRexOnTmpfs(
      ws,
      { mountDir: ws.outputDir, options: 'size=64k', fill: true },
      ['run', ENV_PROBE, '-o', ws.outputDir, '-P', String(await freePort())],
      { REXT_OUT: probe },
    );
    expect(result.code, result.stderr).not.toBe(0);
    expect(fs.existsSync(probe), 'the script ran').toBe(false);
    const finalError = result.stderr.split('\n').find((line) => line.startsWith('rex: ') && !line.startsWith('rex: exit code'));
    expect(finalError, result.stderr).toMatch(/ENOSPC|no space left on device/);
    expect(finalError, result.stderr).toContain(ws.outputDir);
  }, 60_000);
});

describe('rex recover when the journal is on a full disk', () => {
  it('-o OTHER writes the file there; without -o a clear error, no stack trace', async () => {
    const ws = pythonWorkspace();
    // A finished run's journal of 2,000 values, copied onto a tmpfs that is then filled up.
    // Its run's output directory is the full disk too: recovering in place has nowhere to write.
    const source = path.join(ws.dir, 'source');
    const full = path.join(ws.dir, 'full');
    const journal = new TestJournal(path.join(source, '.rex', 'run-full', 'loop-1.rexj'), { uuid: 'run-full', outputDir: full });
    journal.line({ info: { name: 'Jane', email: 'j@lab.org', session_name: 'Full', session_description: 'd' } });
    journal.lines(
      Array.from({ length: 2000 }, (_, i) => ({ device_name: 'dev', device_config: {}, measurements: { n: { data: [i], unit: 'V' } } })),
    );
    journal.end();
    journal.close();
    const tmpfs = { mountDir: full, options: 'size=1m', copyIn: source, fill: true };

    const other = path.join(ws.dir, 'other');
    const recovered = await runRexOnTmpfs(ws, tmpfs, ['recover', full, '-o', other]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(onlyOutput(other).device.dev.data.n.data).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(fs.readdirSync(other).filter((name) => !name.endsWith('.toml'))).toEqual([]); // its work files are gone

    const inPlace = await runRexOnTmpfs(ws, tmpfs, ['recover', full]);
    expect(inPlace.code).toBe(4);
    expect(inPlace.stderr).toMatch(/^rex: could not recover .*loop-1\.rexj: ENOSPC: no space left on device/m);
    expect(inPlace.stderr).not.toMatch(/internal error|^\s+at /m);
  }, 60_000);
});
