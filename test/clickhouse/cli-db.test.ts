/**
 * `rex db init`, `rex db push`, and the end of a run whose database is down, against a real
 * ClickHouse engine in its own process (reached over HTTP).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEDUP_WINDOW } from '../../src/actors/clickhouse-writer/schema.js';
import { PY_FIXTURES, freePort, onlyOutput, runRex, startRex, workspace } from '../helpers/rex-cli.js';
import { ChdbServer } from '../helpers/clickhouse-server.js';

let server: ChdbServer;

beforeAll(async () => {
  server = await ChdbServer.start();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const TABLES = {
  measurement_table: 'm_data',
  session_meta_table: 's_info',
  device_meta_table: 'd_info',
  results_table: 'r_store',
};

async function measurementCount(uuid: string, table = 'measurement_data', database = 'default'): Promise<number> {
  const [row] = await server.query<{ n: string }>(`SELECT count() AS n FROM ${database}.${table} WHERE session_id = '${uuid}'`);
  return Number(row!.n);
}

describe('rex db init', () => {
  it('creates the four tables with the original schema, in a new database, under the configured names; again: changes nothing', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection(TABLES, 'lab'));
    const first = await runRex(ws, ['db', 'init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^database lab: created$/m);
    expect(first.stdout).toMatch(/^ClickHouse 2\d\.\S+ at http:\/\/127\.0\.0\.1:\d+, database lab$/m);
    for (const table of Object.values(TABLES)) expect(first.stdout).toMatch(new RegExp(`^${table}: created$`, 'm'));

    const columns = async (table: string) =>
      (await server.query<{ name: string; type: string }>(`DESCRIBE TABLE lab.${table}`)).map((c) => `${c.name} ${c.type}`);
    expect(await columns('s_info')).toEqual([
      'session_id UUID',
      'start_time String',
      'end_time String',
      'name String',
      'email String',
      'session_name String',
      'session_description String',
      'session_meta JSON',
    ]);
    expect(await columns('m_data')).toEqual([
      'session_id UUID',
      'device_name String',
      'channel_name String',
      'channel_unit String',
      'sample_index UInt32',
      'channel_index UInt32',
      'value Float64',
      "timestamp DateTime64(6, 'UTC')",
    ]);
    expect(await columns('d_info')).toEqual(['session_id UUID', 'device_name String', 'device_config JSON']);
    expect(await columns('r_store')).toEqual([
      'session_id UUID',
      'result_type String',
      'result_info String',
      'result_status Bool',
      'measured_value Float64',
      'upper_bound Float64',
      'lower_bound Float64',
      'result_meta JSON',
    ]);
    const engines = await server.query<{ name: string; sorting_key: string; engine_full: string }>(
      "SELECT name, sorting_key, engine_full FROM system.tables WHERE database = 'lab' ORDER BY name",
    );
    expect(engines.map((e) => [e.name, e.sorting_key])).toEqual([
      ['d_info', 'session_id'],
      ['m_data', 'session_id, channel_name, sample_index'],
      ['r_store', 'session_id, result_type'],
      ['s_info', 'session_id'],
    ]);
    for (const e of engines)
      expect(e.engine_full).toMatch(new RegExp(`^MergeTree .*non_replicated_deduplication_window = ${DEDUP_WINDOW}`));

    const again = await runRex(ws, ['db', 'init']);
    expect(again.code, again.stderr).toBe(0);
    for (const table of Object.values(TABLES)) expect(again.stdout).toMatch(new RegExp(`^${table}: already there$`, 'm'));
  });

  it("keeps tables made by the original's init.sql and makes them drop retried inserts", async () => {
    await server.command(
      "CREATE TABLE default.legacy_measurements (session_id UUID, device_name String, channel_name String, channel_unit String, sample_index UInt32, channel_index UInt32, value Float64, timestamp DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY (session_id, channel_name, sample_index)",
    );
    const ws = workspace();
    ws.writeConfig(server.configSection({ measurement_table: 'legacy_measurements' }));
    const result = await runRex(ws, ['db', 'init']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^legacy_measurements: already there; now drops retried inserts$/m);
    const [table] = await server.query<{ engine_full: string }>(
      "SELECT engine_full FROM system.tables WHERE database = 'default' AND name = 'legacy_measurements'",
    );
    expect(table!.engine_full).toContain(`non_replicated_deduplication_window = ${DEDUP_WINDOW}`);
  });

  it('wrong password, unreachable server, no [click_house_server]: a clear message and a failing exit code', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection({ password: 'wrong' }));
    const wrong = await runRex(ws, ['db', 'init']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `rex: ClickHouse at http://127\\.0\\.0\\.1:${server.port} refused user 'rex': wrong username or password \\(check \\[click_house_server\\] username and password\\)`,
      ),
    );

    ws.writeConfig(server.configSection({ port: String(await freePort()) }));
    const down = await runRex(ws, ['db', 'init']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/rex: cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+: connection refused/);

    ws.writeConfig('[general]\nport = 7676\n');
    const none = await runRex(ws, ['db', 'init']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/has no \[click_house_server\] section/);
  });
});

describe('the database is down at the end of a run', () => {
  it('rex waits (with a progress line) and stores everything once the server is back', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection());
    const init = await runRex(ws, ['db', 'init']);
    expect(init.code, init.stderr).toBe(0);
    await server.kill();
    const run = startRex(ws, ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { REXT_STEPS: '5' },
    });
    await run.waitForOutput(
      /ClickHouse: 0% of the run stored \(0 measurement rows stored\); waiting for the database: cannot reach ClickHouse/,
      60_000,
    );
    await server.restart();
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/ClickHouse: all rows stored \(15 measurement rows stored\)/);
    expect(fs.existsSync(path.join(ws.outputDir, '.rex'))).toBe(false);
    expect(await measurementCount(onlyOutput(ws.outputDir).session.UUID as string)).toBe(15);
  }, 90_000);

  it('wait_at_end = false: the journal is kept and `rex db push` stores it later, once, however often it runs', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection({ wait_at_end: false }));
    await server.kill();
    const result = await runRex(ws, ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { REXT_STEPS: '7' },
    });
    expect(result.code, result.stderr).toBe(0);
    const uuid = onlyOutput(ws.outputDir).session.UUID as string;
    const journalDir = path.join(ws.outputDir, '.rex', uuid);
    expect(result.stderr).toContain(`the journal is kept: \`rex db push ${journalDir}\` stores the rest`);
    expect(fs.existsSync(path.join(journalDir, 'loop-1.rexj'))).toBe(true);

    await server.restart();
    const push = await runRex(ws, ['db', 'push', journalDir]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/ClickHouse: all rows stored \(21 measurement rows stored\) from 1 journal\(s\)/);
    const again = await runRex(ws, ['db', 'push', ws.outputDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(await measurementCount(uuid)).toBe(21);
    const [counts] = await server.query<{ s: number; d: number; r: number }>(
      `SELECT (SELECT count() FROM session_info WHERE session_id = '${uuid}') AS s, (SELECT count() FROM device_info WHERE session_id = '${uuid}') AS d, (SELECT count() FROM results_store WHERE session_id = '${uuid}') AS r`,
    );
    expect(counts).toEqual({ s: 1, d: 1, r: 1 });
  }, 90_000);

  it('tables never made: the run ends without waiting, naming `rex db init` and `rex db push`, which then store it all', async () => {
    const ws = workspace();
    const fresh = { measurement_table: 'fresh_m', session_meta_table: 'fresh_s', device_meta_table: 'fresh_d', results_table: 'fresh_r' };
    ws.writeConfig(server.configSection(fresh));
    const run = await runRex(ws, ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())], {
      env: { REXT_STEPS: '4' },
    });
    expect(run.code, run.stderr).toBe(0);
    const uuid = onlyOutput(ws.outputDir).session.UUID as string;
    const journalDir = path.join(ws.outputDir, '.rex', uuid);
    // The reason is the tables, not 60 s without progress: nobody had to wait for a database that cannot change by itself.
    expect(run.stderr).toContain(
      `ClickHouse: not every row is stored (ClickHouse at ${server.url}: table(s) fresh_s, fresh_m, fresh_d, fresh_r do not exist: create them with \`rex db init\`); the journal is kept: \`rex db push ${journalDir}\` stores the rest`,
    );
    expect(run.stderr).not.toMatch(/no progress for/);
    expect(run.stderr).toContain(`journal kept in ${journalDir} (\`rex db push ${journalDir}\` stores the rest in ClickHouse)`);

    const early = await runRex(ws, ['db', 'push', journalDir]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/rex: gave up: .*do not exist: create them with `rex db init`/);
    expect((await runRex(ws, ['db', 'init'])).code).toBe(0);
    const push = await runRex(ws, ['db', 'push', journalDir]);
    expect(push.code, push.stderr).toBe(0);
    expect(await measurementCount(uuid, 'fresh_m')).toBe(12);
  }, 90_000);

  it('dry run: nothing goes to ClickHouse', async () => {
    const ws = workspace();
    ws.writeConfig(server.configSection());
    const before = await server.query<{ n: string }>('SELECT count() AS n FROM measurement_data');
    const result = await runRex(ws, ['run', '-n', path.join(PY_FIXTURES, 'scalars.py'), '-P', String(await freePort())], {
      env: { REXT_STEPS: '3' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/ClickHouse/);
    expect(await server.query<{ n: string }>('SELECT count() AS n FROM measurement_data')).toEqual(before);
  }, 60_000);
});
