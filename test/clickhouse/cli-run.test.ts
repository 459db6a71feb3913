/**
 * `rex run` with `[click_house_server]`: rows stream into a real ClickHouse (its own process, over
 * HTTP) while the run goes on, and neither a database outage nor a crash of the clickhouse-writer
 * loses or duplicates a row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initDatabase } from '../../src/actors/clickhouse-writer/db-init.js';
import { DEFAULT_CLICKHOUSE } from '../../src/protocol/config.js';
import { PY_FIXTURES, freePort, onlyOutput, runRex, startRex, workspace, type RexWorkspace } from '../helpers/rex-cli.js';
import { ChdbServer } from '../helpers/clickhouse-server.js';

let server: ChdbServer;

beforeAll(async () => {
  server = await ChdbServer.start();
  const report = await initDatabase({ ...DEFAULT_CLICKHOUSE, port: server.port, username: server.user, password: server.password });
  expect(report.failed).toBe(false);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function countRows(uuid: string): Promise<{ n: number; cells: number; channels: Record<string, number> }> {
  const rows = await server.query<{ channel_name: string; n: string; cells: string }>(
    `SELECT channel_name, count() AS n, uniqExact(channel_index, sample_index) AS cells FROM measurement_data WHERE session_id = '${uuid}' GROUP BY channel_name`,
  );
  return {
    n: rows.reduce((sum, r) => sum + Number(r.n), 0),
    cells: rows.reduce((sum, r) => sum + Number(r.cells), 0),
    channels: Object.fromEntries(rows.map((r) => [r.channel_name, Number(r.n)])),
  };
}

const STEPS = 300;
const POINTS = 50;

/** long_running.py for STEPS steps: channel n (one value a step) and a flat trace of POINTS (a row a step). */
async function longRun(ws: RexWorkspace, env: Record<string, string> = {}) {
  const ackFile = path.join(ws.dir, 'acks');
  const run = startRex(ws, ['run', path.join(PY_FIXTURES, 'long_running.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
    env: { REXT_ACK_FILE: ackFile, REXT_SLEEP: '0.01', REXT_POINTS: String(POINTS), REXT_MAX_STEPS: String(STEPS), ...env },
  });
  return run;
}

async function expectLongRunStored(uuid: string): Promise<void> {
  const stored = await countRows(uuid);
  expect(stored.channels).toEqual({ n: STEPS, trace: STEPS * POINTS });
  expect(stored.cells).toBe(stored.n);
  const [bad] = await server.query<{ bad: string }>(
    `SELECT countIf(channel_name = 'n' AND value != sample_index) + countIf(channel_name = 'trace' AND abs(value - (channel_index + sample_index / 1000)) > 1e-9) AS bad
     FROM measurement_data WHERE session_id = '${uuid}'`,
  );
  expect(Number(bad!.bad)).toBe(0);
}

describe('rex run with ClickHouse', () => {
  it('stores the run: measurements, device config, session (with --meta-json) and results', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection());
    const result = await runRex(
      ws,
      [
        'run',
        path.join(PY_FIXTURES, 'scalars.py'),
        '-o',
        ws.outputDir,
        '-P',
        String(await freePort()),
        '--meta-json',
        '{"operator": "ann"}',
      ],
      {
        env: { REXT_STEPS: '5' },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/ClickHouse: all rows stored \(15 measurement rows stored\)/);
    const uuid = onlyOutput(ws.outputDir).session.UUID as string;
    expect(fs.existsSync(path.join(ws.outputDir, '.rex'))).toBe(false);

    const rows = await server.query<{ channel_name: string; unit: string; samples: number[]; values: number[] }>(
      `SELECT channel_name, any(channel_unit) AS unit, groupArray(sample_index) AS samples, groupArray(value) AS values
       FROM (SELECT * FROM measurement_data WHERE session_id = '${uuid}' ORDER BY sample_index) GROUP BY channel_name ORDER BY channel_name`,
    );
    expect(rows).toEqual([
      { channel_name: 'counts', unit: 'dimensionless', samples: [0, 1, 2, 3, 4], values: [0.5, 1.5, 2.5, 3.5, 4.5] },
      { channel_name: 'current (mA)', unit: 'mA', samples: [0, 1, 2, 3, 4], values: [0, 10, 20, 30, 40] },
      { channel_name: 'voltage', unit: 'V', samples: [0, 1, 2, 3, 4], values: [0, 0.25, 0.5, 0.75, 1] },
    ]);
    const [device] = await server.query<{ device_name: string; config: string }>(
      `SELECT device_name, toString(device_config) AS config FROM device_info WHERE session_id = '${uuid}'`,
    );
    expect(device!.device_name).toBe('daq');
    expect(JSON.parse(device!.config)).toEqual({ gate_time: 1000, averages: 100, nested: { mode: 'fast', gain: 2.5 } });
    const [session] = await server.query<{ session_name: string; name: string; meta: string; end_time: string }>(
      `SELECT session_name, name, toString(session_meta) AS meta, end_time FROM session_info WHERE session_id = '${uuid}'`,
    );
    expect(session).toMatchObject({ session_name: 'Scalars test', name: 'Test Runner' });
    expect(JSON.parse(session!.meta)).toEqual({ sample_id: 'S-001', operator: 'ann' });
    expect(session!.end_time).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    const results = await server.query<Record<string, unknown>>(
      `SELECT result_type, result_status, measured_value, lower_bound, upper_bound FROM results_store WHERE session_id = '${uuid}'`,
    );
    expect(results).toEqual([{ result_type: 'mean_counts', result_status: true, measured_value: 2.5, lower_bound: 0, upper_bound: 6 }]);
  });

  it('streams during the run; the server killed and restarted mid-run: every row stored exactly once', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection());
    const run = await longRun(ws, { REXT_SLEEP: '0.02' });
    // Rows arrive while the script still runs (streaming, not at the end).
    const uuid = await waitForRunUuid(ws);
    // Rows stored are only seen by asking the server: polled.
    await vi.waitFor(async () => expect((await countRows(uuid)).n).toBeGreaterThan(0), { timeout: 30_000, interval: 100 });
    await server.kill();
    await run.waitForOutput(/cannot reach ClickHouse|lost the connection/);
    // The server stays down a while on purpose: the run goes on and the writer keeps retrying.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.restart();
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(fs.readFileSync(path.join(ws.dir, 'acks'), 'utf8').trim().split('\n')).toHaveLength(STEPS);
    expect(result.stderr).toMatch(/storing rows again/);
    await expectLongRunStored(uuid);
    expect(onlyOutput(ws.outputDir).session.UUID).toBe(uuid);
  }, 90_000);

  it('the clickhouse-writer crashed twice mid-run (exit, throw): restarted, nothing lost or duplicated', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection());
    const run = await longRun(ws, {
      REX_FAULT_INJECTION: '1',
      REX_FAULT_PLAN: JSON.stringify([
        { actor: 'clickhouse-writer', mode: 'exit', afterReplies: 80 },
        { actor: 'clickhouse-writer', mode: 'throw', afterReplies: 200 },
      ]),
    });
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/injecting exit into clickhouse-writer/);
    expect(result.stderr).toMatch(/injecting throw into clickhouse-writer/);
    const uuid = onlyOutput(ws.outputDir).session.UUID as string;
    await expectLongRunStored(uuid);
    expect(Number((await server.query<{ n: string }>(`SELECT count() AS n FROM session_info WHERE session_id = '${uuid}'`))[0]!.n)).toBe(1);
  }, 90_000);
});

/** The run's UUID, from its journal directory (`<output>/.rex/<uuid>/`). */
async function waitForRunUuid(ws: RexWorkspace): Promise<string> {
  const rexDir = path.join(ws.outputDir, '.rex');
  // Made by another process: polled.
  return vi.waitFor(
    () => {
      const [uuid] = fs.existsSync(rexDir) ? fs.readdirSync(rexDir) : [];
      expect(uuid, 'the journal directory').toBeDefined();
      return uuid!;
    },
    { timeout: 30_000, interval: 50 },
  );
}
