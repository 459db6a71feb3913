// ClickHouse fed on the hub (issue 17, item 4; docs/fleet.md "ClickHouse on the hub"): a station
// without `[click_house_server]` replicates its run; the hub's `rex fleet archive` rebuilds the
// journal and `rex db push` stores its rows in a real ClickHouse engine, once, however often
// either runs. Real nats-server, chdb over HTTP, `rex` processes and a python script.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbServer } from '../helpers/clickhouse-server.js';
import { NatsServer, stationUser } from '../helpers/nats-server.js';
import { freePort, onlyOutput, PY_FIXTURES, runRex, workspace } from '../helpers/rex-cli.js';

let nats: NatsServer;
let clickhouse: ChdbServer;

beforeAll(async () => {
  [nats, clickhouse] = await Promise.all([
    NatsServer.start({ users: [{ user: 'rex', password: 'fleet-secret' }, stationUser('st-h')] }),
    ChdbServer.start(),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([nats?.dispose(), clickhouse?.stop()]);
});

describe('ClickHouse on the hub', () => {
  it('the archive of a station with no database feeds ClickHouse with `rex db push`: every row once, however often both run', async () => {
    const ws = workspace();
    ws.writeConfig(nats.fleetSection('st-h', stationUser('st-h')));
    const run = await runRex(ws, ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { REXT_STEPS: '7' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/ClickHouse/);
    const uuid = onlyOutput(ws.outputDir).session.UUID as string;

    // The hub: the control user's [fleet] and the database.
    const hubConfig = path.join(ws.dir, 'hub.toml');
    fs.writeFileSync(hubConfig, `${nats.fleetSection('hub')}\n${clickhouse.configSection()}`);
    const archiveDir = path.join(ws.dir, 'archive');
    const archive = (): Promise<{ code: number | null; stderr: string }> =>
      runRex(ws, ['fleet', 'archive', archiveDir, '--once', '--durable', 'ch-hub', '--node', 'st-h', '--config-file', hubConfig]);
    const push = (): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      runRex(ws, ['db', 'push', path.join(archiveDir, 'st-h'), '--config-file', hubConfig]);

    const init = await runRex(ws, ['db', 'init', '--config-file', hubConfig]);
    expect(init.code, init.stderr).toBe(0);
    expect((await archive()).code).toBe(0);
    const first = await push();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/ClickHouse: all rows stored \(21 measurement rows stored\) from 1 journal\(s\)/);
    // Again, both: the archive finds nothing new, the push stores nothing twice.
    expect((await archive()).code).toBe(0);
    const again = await push();
    expect(again.code, again.stderr).toBe(0);
    const [counts] = await clickhouse.query<{ m: number; s: number; d: number; r: number }>(
      `SELECT (SELECT count() FROM measurement_data WHERE session_id = '${uuid}') AS m, (SELECT count() FROM session_info WHERE session_id = '${uuid}') AS s, (SELECT count() FROM device_info WHERE session_id = '${uuid}') AS d, (SELECT count() FROM results_store WHERE session_id = '${uuid}') AS r`,
    );
    expect(counts).toEqual({ m: 21, s: 1, d: 1, r: 1 });
  }, 90_000);
});
