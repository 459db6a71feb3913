// System tests of `rex recover` (SPEC §12): after `kill -9` of rex at different moments of a run,
// the journal rebuilds a valid output file holding every acknowledged message exactly once; on a
// clean kept journal it rebuilds exactly the live run's final file.
//
// SIGKILL reaches the rex process only: nothing can run on SIGKILL, so the script (in its own
// process group) is not stopped by rex. A streaming script notices the broken connection and
// exits; an idle one keeps running. The test kills the script's group itself afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputFiles, readToml, runRex, workspace, type RexWorkspace, type TomlTable } from '../helpers/rex-cli.js';
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
