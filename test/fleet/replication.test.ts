// Journal replication to the hub and `rex fleet archive` (issue 17, docs/fleet.md "Replication
// and the archive"): a real nats-server, real `rex run` / `rex recover` / `rex fleet archive`
// processes and python scripts. The archive's file must be the station's, byte for byte.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveOnce, expectSameBytes } from '../helpers/fleet-archive.js';
import { NatsServer, stationUser } from '../helpers/nats-server.js';
import { counterLines, processGone, waitFor } from '../helpers/processes.js';
import { freePort, outputFiles, PY_FIXTURES, readToml, runRex, workspace, type RexWorkspace } from '../helpers/rex-cli.js';
import { startStream } from '../helpers/stream-run.js';

const TIMEOUT_MS = 60_000;
let nats: NatsServer;

/**
 * What a station needs to replicate (docs/fleet.md): publish on its own journal subjects, look the
 * stream up (create it if missing), and get the acknowledgements on its inbox. Nothing else.
 */
const STATION_A = stationUser('st-a');

beforeAll(async () => {
  nats = await NatsServer.start({ users: [{ user: 'rex', password: 'fleet-secret' }, STATION_A] });
});
afterAll(async () => {
  await nats?.dispose();
});

/** `rex fleet archive <dir> --once` on the hub (user `rex`), its own durable consumer; the files it wrote for `node`. */
async function archive(ws: RexWorkspace, node: string): Promise<string[]> {
  const dir = path.join(ws.dir, 'archive');
  await archiveOnce(ws, dir, nats.fleetSection('hub'), ['--durable', `test-${node}`, '--node', node]);
  return outputFiles(path.join(dir, node));
}

describe('replication to the hub and the archive', { timeout: TIMEOUT_MS }, () => {
  it("a run replicates as it goes, and the archive's file is the station's, byte for byte (big lines in side files, cut into chunks)", async () => {
    const ws = workspace();
    // The station as a user that may publish only on its own subjects (the archive is `rex`).
    ws.writeConfig(nats.fleetSection('st-a', STATION_A));
    const script = path.join(PY_FIXTURES, 'big_trace.py');
    const run = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort()), '--keep-journal'], {
      // A body of 4 MiB or more goes to a side file, and takes several messages.
      env: { REXT_POINTS: '540000', REXT_BINARY: '1' },
    });
    expect(run.code, run.stderr).toBe(0);
    // Nothing refused, nothing retried.
    expect(run.stderr).not.toMatch(/WARN|ERROR/);
    const station = outputFiles(ws.outputDir);
    expect(station).toHaveLength(1);
    expectSameBytes(await archive(ws, 'st-a'), station);
    // The journal too, with its side file.
    const journals = (dir: string): string[] =>
      fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.rexj(\..+\.body)?$/.test(f))
        .sort();
    const stationJournals = journals(path.join(ws.outputDir, '.rex'));
    expect(stationJournals.filter((f) => f.endsWith('.body'))).toHaveLength(1);
    expect(journals(path.join(ws.dir, 'archive', 'st-a', '.rex'))).toEqual(stationJournals);
    for (const file of stationJournals) {
      const same = fs
        .readFileSync(path.join(ws.outputDir, '.rex', file))
        .equals(fs.readFileSync(path.join(ws.dir, 'archive', 'st-a', '.rex', file)));
      expect(same, file).toBe(true);
    }
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
