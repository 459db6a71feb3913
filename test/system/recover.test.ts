// System tests of `rex recover` (SPEC §12): after `kill -9` of rex at different moments of a run,
// the journal rebuilds a valid output file holding every acknowledged message exactly once; on a
// clean kept journal it rebuilds exactly the live run's final file.
//
// SIGKILL reaches the rex process only: nothing can run on SIGKILL, so the script (in its own
// process group) is not stopped by rex. A streaming script notices the broken connection and
// exits; an idle one keeps running. The test kills the script's group itself afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputFileName } from '../../src/protocol/output/file-name.js';
import { T0_NS, TestJournal } from '../clickhouse/journal-builder.js';
import { freePort, outputFiles, PY_FIXTURES, readToml, runRex, workspace, type RexWorkspace, type TomlTable } from '../helpers/rex-cli.js';
import { counterLines, processGone, waitFor } from '../helpers/processes.js';
import { type StreamRun, startStream } from '../helpers/stream-run.js';

/** Generous: these spawn rex and python, and the whole suite shares two cores. */
const SYSTEM_TEST_TIMEOUT_MS = 120_000;

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

/** `rex recover <target> [-o dir]`: the file it reports, parsed, plus its path. */
async function recover(ws: RexWorkspace, target: string, outputDir?: string): Promise<Array<{ file: string; doc: TomlTable }>> {
  const result = await runRex(ws, ['recover', target, ...(outputDir ? ['-o', outputDir] : [])]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  const files = [...result.stdout.matchAll(/^recovered .+ -> (.+)$/gm)].map((m) => m[1]!.trim());
  expect(files.length, result.stdout).toBeGreaterThan(0);
  return files.map((file) => ({ file, doc: readToml(file) }));
}

function journalFiles(outputDir: string, uuid: string): string[] {
  const dir = path.join(outputDir, '.rex', uuid);
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.rexj'))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

/** The recovered stream holds messages 1..M, each once, with acked ≤ M ≤ sent. */
function expectAcknowledgedOnce(doc: TomlTable, acked: number, sent: number, points: number): number {
  expect(doc.session.info.session_name).toBe('Stream with child');
  expect(doc.device.stream.kind).toBe('counter');
  const values = doc.device.stream.data.n.data as number[];
  // The journal is written before the reply: it may hold the one message whose reply was lost.
  expect(values.length).toBeGreaterThanOrEqual(acked);
  expect(values.length).toBeLessThanOrEqual(sent);
  expect(values).toEqual(range(values.length));
  expect(doc.device.stream.timestamps.n).toHaveLength(values.length);
  if (points > 0) {
    const rows = doc.device.stream.data.trace.data as number[][];
    expect(rows).toHaveLength(values.length);
    for (const [k, row] of rows.entries()) expect(row).toEqual(range(points).map((j) => k + j / 1000));
    expect(doc.device.stream.timestamps.trace).toHaveLength(values.length);
  }
  return values.length;
}

interface Moment {
  name: string;
  env: Record<string, string>;
  points: number;
  /** Resolves when it is time for kill -9. */
  reached(run: StreamRun): Promise<unknown>;
  /** The script is still sending when rex dies (so it will stop by itself). */
  streaming: boolean;
}

const MOMENTS: Moment[] = [
  {
    name: 'right after the first acknowledged message',
    env: { REXT_SLEEP: '0.3' },
    points: 0,
    reached: (run) => waitFor('the first acknowledgement', () => counterLines(run.ackFile) >= 1),
    streaming: true,
  },
  {
    name: 'mid-stream, fast, with traces, after the live file was written',
    env: { REXT_SLEEP: '0', REXT_POINTS: '50' },
    points: 50,
    reached: (run) =>
      waitFor(
        'a live file and 300 acknowledgements',
        () => outputFiles(run.ws.outputDir).length > 0 && counterLines(run.ackFile) >= 300,
        30_000,
      ),
    streaming: true,
  },
  {
    name: 'after the script sent everything and idles',
    env: { REXT_SLEEP: '0', REXT_MAX_STEPS: '40', REXT_LINGER: '60' },
    points: 0,
    reached: async (run) => {
      await waitFor('40 acknowledgements', () => counterLines(run.ackFile) === 40);
      await new Promise((resolve) => setTimeout(resolve, 200)); // into the idle time after the last line
    },
    streaming: false,
  },
];

describe('rex recover after kill -9 of rex', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  for (const moment of MOMENTS) {
    it(`kill -9 ${moment.name}: the recovered file holds every acknowledged message once`, async () => {
      const run = await startStream({ env: moment.env });
      await moment.reached(run);
      run.rex.child.kill('SIGKILL');
      const ended = await run.rex.done;
      expect(ended.signal).toBe('SIGKILL');
      const { script, uuid } = run.pids();
      if (moment.streaming) {
        // It finds out at its next send and stops sending (exit 3).
        await waitFor('the streaming script to notice rex is gone', () => processGone(script), 10_000);
      } else {
        // Expected: an idle script outlives a SIGKILLed rex (cleaned up by this test).
        expect(processGone(script)).toBe(false);
      }
      const acked = counterLines(run.ackFile);
      const sent = counterLines(run.sentFile);
      if (!moment.streaming) expect([acked, sent]).toEqual([40, 40]);

      const journals = journalFiles(run.ws.outputDir, uuid);
      expect(journals).toHaveLength(1);
      // By output dir (the file goes back where the run would have put it) ...
      const [byDir] = await recover(run.ws, run.ws.outputDir);
      expect(path.dirname(byDir!.file)).toBe(run.ws.outputDir);
      const stored = expectAcknowledgedOnce(byDir!.doc, acked, sent, moment.points);
      if (!moment.streaming) expect(stored).toBe(40);
      expect(byDir!.doc.session.UUID).toBe(uuid);
      expect(outputFiles(run.ws.outputDir)).toEqual([byDir!.file]);
      // ... and by journal file path, elsewhere: the same content.
      const elsewhere = path.join(run.ws.dir, 'recovered');
      const [byJournal] = await recover(run.ws, journals[0]!, elsewhere);
      expect(path.dirname(byJournal!.file)).toBe(elsewhere);
      expect(path.basename(byJournal!.file)).toBe(path.basename(byDir!.file));
      expect(byJournal!.doc).toEqual(byDir!.doc);
    });
  }
});

describe('rex recover on clean journals and bad targets', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  it('a kept journal of a finished run rebuilds exactly the live final files (both loops)', async () => {
    const run = await startStream({
      env: { REXT_SLEEP: '0', REXT_MAX_STEPS: '15', REXT_POINTS: '8' },
      args: ['--keep-journal', '--loops', '2'],
    });
    const { code, stdout } = await run.rex.done;
    expect(code, run.rex.output()).toBe(0);
    const liveFiles = [...stdout.matchAll(/output file: (.+)/g)].map((m) => m[1]!.trim());
    expect(liveFiles).toHaveLength(2);
    const live = liveFiles.map((file) => readToml(file));
    const { uuid } = run.pids();
    const journals = journalFiles(run.ws.outputDir, uuid);
    expect(journals.map((j) => path.basename(j))).toEqual(['loop-1.rexj', 'loop-2.rexj']);

    // The run's journal directory, into another directory: one file per loop, same names, same trees.
    const elsewhere = path.join(run.ws.dir, 'recovered');
    const recovered = await recover(run.ws, path.dirname(journals[0]!), elsewhere);
    expect(recovered.map((r) => path.basename(r.file)).sort()).toEqual(liveFiles.map((f) => path.basename(f)).sort());
    for (const [index, file] of liveFiles.entries()) {
      const twin = recovered.find((r) => path.basename(r.file) === path.basename(file))!;
      expect(twin.doc).toEqual(live[index]);
    }
    // One journal file, in place: the same tree as the live file it overwrites.
    const [inPlace] = await recover(run.ws, journals[1]!);
    expect(inPlace!.file).toBe(liveFiles[1]);
    expect(inPlace!.doc).toEqual(live[1]);
    expect(inPlace!.doc.device.stream.data.n.data).toEqual(range(15));
  });

  it('a directory without journals: exit 2 and a clear message', async () => {
    const ws = workspace();
    const empty = path.join(ws.dir, 'nothing-here');
    fs.mkdirSync(path.join(empty, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(empty, 'notes.toml'), 'a = 1\n');
    const result = await runRex(ws, ['recover', empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no rex journal (*.rexj) found in ${empty}`);
    expect(result.stdout).toBe('');

    const missing = await runRex(ws, ['recover', path.join(ws.dir, 'missing')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing does not exist/);
  });
});

describe('rex recover and other runs: names and temporary directories', { timeout: SYSTEM_TEST_TIMEOUT_MS }, () => {
  /** A finished run's journal in `<outputDir>/.rex/<uuid>/`: session "Clash" at T0, one value. */
  function clashJournal(outputDir: string, uuid: string, value: number): void {
    const journal = new TestJournal(path.join(outputDir, '.rex', uuid, 'loop-1.rexj'), { uuid });
    journal.line({ info: { name: 'Jane', email: 'j@lab.org', session_name: 'Clash', session_description: 'd' } });
    journal.line({ device_name: 'dev', device_config: {}, measurements: { ch: { data: [value], unit: 'V' } } });
    journal.end();
    journal.close();
  }

  it("two runs started in the same millisecond: each recovered into its own file, never over another's", async () => {
    const ws = workspace();
    const out = ws.outputDir;
    clashJournal(out, 'run-a', 1);
    clashJournal(out, 'run-b', 2);
    const name = outputFileName('Clash', new Date(Number(T0_NS / 1_000_000n)));
    const suffixed = (n: number): string => path.join(out, name.replace(/\.toml$/, `_${n}.toml`));
    // Another run's file already has the name.
    fs.writeFileSync(path.join(out, name), 'another run\n');

    for (let again = 0; again < 2; again++) {
      const recovered = await recover(ws, out, out);
      expect(recovered.map(({ file, doc }) => [file, doc.session.UUID, doc.device.dev.data.ch.data])).toEqual([
        [suffixed(2), 'run-a', [1]],
        [suffixed(3), 'run-b', [2]],
      ]);
    }
    expect(fs.readFileSync(path.join(out, name), 'utf8')).toBe('another run\n');
    expect(outputFiles(out)).toHaveLength(3);
  });

  it('the temporary directories of runs that are gone are removed by recover and by the next run, no others', async () => {
    const ws = workspace();
    const tmp = path.join(ws.dir, 'tmp');
    fs.mkdirSync(tmp);
    const gonePid = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '']);
      child.on('exit', () => resolve(child.pid!));
    });
    const precious = path.join(ws.dir, 'precious');
    fs.writeFileSync(precious, 'keep\n');
    /** Stores as rex makes them (`rex-run-<pid>-XXXXXX`); the gone run's holds a link out. */
    const makeStores = () => {
      const gone = fs.mkdtempSync(path.join(tmp, `rex-run-${gonePid}-`));
      fs.writeFileSync(path.join(gone, 'rex.toml'), 'x = 1\n');
      fs.symlinkSync(precious, path.join(gone, 'link'));
      const live = fs.mkdtempSync(path.join(tmp, `rex-run-${process.pid}-`));
      const linked = path.join(tmp, `rex-run-${gonePid}-alink`);
      fs.symlinkSync(ws.dir, linked);
      const kept = [live, linked, fs.mkdtempSync(path.join(tmp, 'rex-serve-'))];
      // Another user's store of a gone run is theirs to remove (only root can make one here).
      if (process.getuid?.() === 0) {
        kept.push(fs.mkdtempSync(path.join(tmp, `rex-run-${gonePid}-`)));
        fs.chownSync(kept.at(-1)!, 65534, 65534);
      }
      return { gone, kept };
    };
    const expectCleaned = (stores: ReturnType<typeof makeStores>, stderr: string) => {
      expect(fs.existsSync(stores.gone), stderr).toBe(false);
      expect(stderr).toContain(`removed ${stores.gone}, the temporary directory of a run that is gone`);
      for (const dir of stores.kept) expect(fs.lstatSync(dir, { throwIfNoEntry: false }), dir).toBeDefined();
      expect(fs.readFileSync(precious, 'utf8')).toBe('keep\n');
    };

    let stores = makeStores();
    clashJournal(ws.outputDir, 'run-a', 1);
    const recovered = await runRex(ws, ['recover', ws.outputDir, '-o', ws.outputDir], { env: { TMPDIR: tmp } });
    expect(recovered.code, recovered.stderr).toBe(0);
    expectCleaned(stores, recovered.stderr);

    for (const dir of stores.kept) fs.rmSync(dir, { recursive: true });
    stores = makeStores();
    const run = await runRex(ws, ['run', path.join(PY_FIXTURES, 'env_probe.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { TMPDIR: tmp, REXT_OUT: path.join(ws.dir, 'probe.json') },
    });
    expect(run.code, run.stderr).toBe(0);
    expectCleaned(stores, run.stderr);
    // The run's own store was made there too, and is gone with the run.
    const { env } = JSON.parse(fs.readFileSync(path.join(ws.dir, 'probe.json'), 'utf8')) as { env: { REX_STORE: string } };
    expect(path.dirname(env.REX_STORE)).toBe(tmp);
    expect(fs.existsSync(env.REX_STORE)).toBe(false);
  });
});
