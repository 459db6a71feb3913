/**
 * Crashing an actor mid-run loses nothing: the supervisor restarts it, it catches up from the
 * journal, and (for every actor but the controller) the script's connections stay up and the run
 * finishes normally. Faults are scheduled with REX_FAULT_PLAN (src/runtime/fault-plan.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/raw-client.js';
import { PY_FIXTURES, freePort, onlyOutput, runRex, startRex, workspace } from '../helpers/rex-cli.js';

const STEPS = 300;

async function crashRun(plan: unknown[], extraEnv: Record<string, string> = {}) {
  const ws = workspace();
  const ackFile = path.join(ws.dir, 'acks');
  const result = await runRex(ws, ['run', path.join(PY_FIXTURES, 'long_running.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
    env: {
      REX_FAULT_INJECTION: '1',
      REX_FAULT_PLAN: JSON.stringify(plan),
      REXT_ACK_FILE: ackFile,
      REXT_SLEEP: '0.002',
      REXT_POINTS: '1000',
      ...extraEnv,
    },
  });
  const acks = fs.readFileSync(ackFile, 'utf8').trim().split('\n').length;
  return { ws, result, acks };
}

describe('an actor crashed mid-run', () => {
  for (const actor of ['ingest', 'store', 'file-writer']) {
    it(`${actor}: restarted twice (exit, throw); every acknowledged message stored once; connections stay up`, async () => {
      const { ws, result, acks } = await crashRun(
        [
          { actor, mode: 'exit', afterReplies: 80 },
          { actor, mode: 'throw', afterReplies: 200 },
        ],
        // For the ingest, lines of ~70 KB: the socket front keeps such reads as copies and hands the reads themselves over.
        { REXT_MAX_STEPS: String(STEPS), ...(actor === 'ingest' && { REXT_POINTS: '8000' }) },
      );
      expect(result.stderr).toMatch(new RegExp(`injecting exit into ${actor}`));
      expect(result.stderr).toMatch(new RegExp(`injecting throw into ${actor}`));
      // The script ran to its end without losing its connection (it exits 3 when rex goes away).
      expect(result.code).toBe(0);
      expect(acks).toBe(STEPS);
      const toml = onlyOutput(ws.outputDir);
      const n: number[] = toml.device.stream.data.n.data;
      expect(n).toEqual(Array.from({ length: STEPS }, (_, i) => i));
      const rows: number[][] = toml.device.stream.data.trace.data;
      expect(rows).toHaveLength(STEPS);
      expect(rows[STEPS - 1]![999]).toBeCloseTo(STEPS - 1 + 0.999, 9);
      expect(toml.device.stream.timestamps.n).toHaveLength(STEPS);
    }, 60_000);
  }

  it('file-writer crashed in the middle of writing the final file: it is written again, whole', async () => {
    const { ws, result, acks } = await crashRun([{ actor: 'file-writer', mode: 'exit', afterFinalBytes: 1 << 20 }], {
      REXT_MAX_STEPS: '400',
      REXT_POINTS: '2000',
      REXT_SLEEP: '0',
    });
    expect(result.stderr).toMatch(/injecting exit into file-writer after \d+ bytes of the final file/);
    expect(result.stderr).toMatch(/the file-writer was restarted: asking it again/);
    expect(result.code).toBe(0);
    expect(acks).toBe(400);
    const toml = onlyOutput(ws.outputDir);
    expect(toml.device.stream.data.n.data).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(toml.device.stream.data.trace.data).toHaveLength(400);
    // No temp file of the interrupted write is left beside the output.
    expect(fs.readdirSync(ws.outputDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 90_000);

  it('file-writer hung while writing the final file: logged as an error, terminated, restarted; the file is written whole', async () => {
    const { ws, result, acks } = await crashRun([{ actor: 'file-writer', mode: 'hang', afterFinalBytes: 1 << 20 }], {
      REXT_MAX_STEPS: '400',
      REXT_POINTS: '2000',
      REXT_SLEEP: '0',
      // The hung-actor limit is 10 s; the test need not wait it out.
      REX_FAULT_HEARTBEAT_TIMEOUT_MS: '4000',
    });
    expect(result.stderr).toMatch(/injecting hang into file-writer after \d+ bytes of the final file/);
    expect(result.stderr).toMatch(
      /ERROR \[supervisor\] actor "file-writer" failed \[REX_ACTOR_HUNG\]: .*\(last heartbeat \d+ ms before\); restarting it \(restart 1\)/,
    );
    expect(result.code).toBe(0);
    expect(acks).toBe(400);
    const toml = onlyOutput(ws.outputDir);
    expect(toml.device.stream.data.n.data).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(toml.device.stream.data.trace.data).toHaveLength(400);
    expect(fs.readdirSync(ws.outputDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 90_000);

  // The run does not wait for the journal's followers before the script starts (RunHost.open):
  // one that never comes up must still stop the run, whenever its failure comes.
  for (const actor of ['store', 'file-writer']) {
    it(`${actor} failing its first start: the run stops with exit 4 and says why; nothing acknowledged is lost`, async () => {
      const ws = workspace();
      const ackFile = path.join(ws.dir, 'acks');
      const started = Date.now();
      const result = await runRex(
        ws,
        ['run', path.join(PY_FIXTURES, 'long_running.py'), '-o', ws.outputDir, '-P', String(await freePort())],
        {
          env: { REX_FAULT_INJECTION: '1', REX_FAULT_BOOT: actor, REXT_ACK_FILE: ackFile },
        },
      );
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toMatch(new RegExp(`actor "${actor}" failed \\[REX_ACTOR_FAULT_INJECTED\\].*never became ready`));
      // The script streams until stopped: it was (or never started), well before any timeout.
      expect(Date.now() - started).toBeLessThan(20_000);
      const acks = fs.existsSync(ackFile) ? fs.readFileSync(ackFile, 'utf8').trim().split('\n').filter(Boolean).length : 0;
      if (actor === 'store') {
        const n: number[] = onlyOutput(ws.outputDir).device?.stream?.data.n.data ?? [];
        expect(n.length).toBeGreaterThanOrEqual(acks);
        expect(n).toEqual(Array.from({ length: n.length }, (_, i) => i));
      } else if (acks > 0) {
        // No file-writer, no output file: the journal is kept for `rex recover`.
        expect(result.stderr).toMatch(/rex recover/);
      }
    }, 60_000);
  }

  it('controller: the run ends cleanly, the data is saved, the script is stopped', async () => {
    const { ws, result, acks } = await crashRun([{ actor: 'controller', mode: 'exit', afterReplies: 100 }]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/controller restarted mid-run/);
    const toml = onlyOutput(ws.outputDir);
    const n: number[] = toml.device.stream.data.n.data;
    // Everything acknowledged is there (the script may have sent a few more before it was stopped).
    expect(n.length).toBeGreaterThanOrEqual(acks);
    expect(n).toEqual(Array.from({ length: n.length }, (_, i) => i));
    expect(toml.session.run.status).toBe('fatal');
  }, 60_000);

  it('ingest crashed while a half-closed client waits for its replies: every reply comes, then the close', async () => {
    const ws = workspace();
    const exitFile = path.join(ws.dir, 'exit');
    const port = await freePort();
    const rex = startRex(ws, ['run', path.join(PY_FIXTURES, 'idle.py'), '-o', ws.outputDir, '-P', String(port)], {
      env: {
        REX_FAULT_INJECTION: '1',
        REX_FAULT_PLAN: JSON.stringify([{ actor: 'ingest', mode: 'exit', afterReplies: 2 }]),
        REXT_EXIT_FILE: exitFile,
      },
    });
    await rex.waitForOutput(/idle: ready/, 60_000);
    const client = await RawClient.connect(port);
    // Ten lines of ~300 KB (each parsed on the pool) and then the end of our stream, all at once:
    // the front forwards it all, and the crash comes while most lines are still being handled.
    const lines = Array.from({ length: 10 }, (_, i) =>
      JSON.stringify({
        device_name: 'scope',
        device_config: {},
        measurements: { n: { data: [i], unit: 'V' }, trace: { data: Array.from({ length: 20_000 }, (_, k) => k + i / 7), unit: 'V' } },
      }),
    );
    await client.write(`${lines.join('\n')}\n`);
    client.end();
    expect(await client.readLines(10, 30_000)).toEqual(Array(10).fill('Device measurements recorded'));
    await client.waitClosed(10_000);
    await rex.waitForOutput(/injecting exit into ingest/);
    fs.writeFileSync(exitFile, '');
    const result = await rex.done;
    expect(result.code).toBe(0);
    expect(onlyOutput(ws.outputDir).device.scope.data.n.data).toEqual(Array.from({ length: 10 }, (_, i) => i));
  }, 90_000);
});
