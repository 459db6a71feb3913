// Journal replication to the hub and `rex fleet archive` (issue 17, docs/fleet.md "Replication
// and the archive"): a real nats-server, real `rex run` / `rex recover` / `rex fleet archive`
// processes and python scripts. The archive's file must be the station's, byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../helpers/nats-server.js';
import { counterLines, processGone, waitFor } from '../helpers/processes.js';
import { freePort, outputFiles, PY_FIXTURES, readToml, runRex, workspace, type RexWorkspace } from '../helpers/rex-cli.js';
import { startStream } from '../helpers/stream-run.js';

const TIMEOUT_MS = 60_000;
let nats: NatsServer;

beforeAll(async () => {
  nats = await NatsServer.start();
});
afterAll(async () => {
  await nats?.dispose();
});

/** `rex fleet archive <dir> --once` with its own durable consumer; the files it wrote for `node`. */
async function archive(ws: RexWorkspace, node: string): Promise<string[]> {
  const dir = path.join(ws.dir, 'archive');
  const result = await runRex(ws, ['fleet', 'archive', dir, '--once', '--durable', `test-${node}`]);
  expect(result.code, result.stderr).toBe(0);
  return outputFiles(path.join(dir, node));
}

function expectSameBytes(archived: string[], station: string[]): void {
  expect(archived.map((f) => path.basename(f))).toEqual(station.map((f) => path.basename(f)));
  for (const [i, file] of archived.entries()) expect(fs.readFileSync(file).equals(fs.readFileSync(station[i]!)), file).toBe(true);
}

describe('replication to the hub and the archive', { timeout: TIMEOUT_MS }, () => {
  it("a run replicates as it goes, and the archive's file is the station's, byte for byte (big lines in side files, cut into chunks)", async () => {
    const ws = workspace();
    ws.writeConfig(nats.fleetSection('st-a'));
    const script = path.join(PY_FIXTURES, 'big_trace.py');
    const run = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { REXT_POINTS: '600000', REXT_STEPS: '2' },
    });
    expect(run.code, run.stderr).toBe(0);
    const station = outputFiles(ws.outputDir);
    expect(station).toHaveLength(1);
    // Everything acknowledged by the hub: the journal is removed as after any clean run.
    expect(fs.existsSync(path.join(ws.outputDir, '.rex'))).toBe(false);
    expectSameBytes(await archive(ws, 'st-a'), station);
    // Run again, the archive finds nothing new and leaves the file as it is.
    expectSameBytes(await archive(ws, 'st-a'), station);
  });

  it('the hub killed mid-run and restarted: the script is answered throughout, and the archive holds every line once', async () => {
    const run = await startStream({
      env: { REXT_SLEEP: '0.01', REXT_MAX_STEPS: '300', REXT_POINTS: '20' },
      config: nats.fleetSection('st-b'),
    });
    await waitFor('50 acknowledgements', () => counterLines(run.ackFile) >= 50);
    await nats.stop('SIGKILL');
    const duringOutage = counterLines(run.ackFile);
    await waitFor('50 more acknowledgements with the hub down', () => counterLines(run.ackFile) >= duringOutage + 50);
    await nats.launch();
    const ended = await run.rex.done;
    expect(ended.code, run.rex.output()).toBe(0);
    expect(counterLines(run.ackFile)).toBe(300);
    const station = outputFiles(run.ws.outputDir);
    const archived = await archive(run.ws, 'st-b');
    expectSameBytes(archived, station);
    expect(readToml(archived[0]!).device.stream.data.n.data).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('a station killed with kill -9 and recovered: `rex recover` replicates the rest, and the archive writes the recovered file', async () => {
    const run = await startStream({ env: { REXT_SLEEP: '0.005', REXT_POINTS: '20' }, config: nats.fleetSection('st-c') });
    await waitFor('100 acknowledgements', () => counterLines(run.ackFile) >= 100);
    run.rex.child.kill('SIGKILL');
    await run.rex.done;
    await waitFor('the script to notice rex is gone', () => processGone(run.pids().script), 10_000);
    const recovered = await runRex(run.ws, ['recover', run.ws.outputDir]);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/replicated the journal to the hub as st-c/);
    const station = outputFiles(run.ws.outputDir);
    expect(station).toHaveLength(1);
    const archived = await archive(run.ws, 'st-c');
    expectSameBytes(archived, station);
    expect(readToml(archived[0]!).device.stream.data.n.data.length).toBeGreaterThanOrEqual(counterLines(run.ackFile));
  });
});
