#!/usr/bin/env node
/**
 * ClickHouse insert throughput of the clickhouse-writer (rows/s), against a real ClickHouse engine
 * (chdb 26.x behind test/helpers/chdb-http-server.mjs, its own process, reached over HTTP).
 *
 *   npm run build && node bench/clickhouse-insert.mjs [totalRows=5000000]
 *
 * 1. insert path: Native blocks of measurement rows (what the writer sends), batches of
 *    500,000 rows, through RexClickHouse.insert — encode + HTTP + the engine storing them.
 * 2. the same 500,000 rows in other formats, for comparison (RowBinary, TabSeparated, JSONEachRow).
 * 3. journal → ClickHouse: the whole writer path (read the journal, parse, merge, derive rows,
 *    encode, insert, progress file) over a finished run's journal, JSON-text and binary traces.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RexClickHouse } from '../dist/actors/clickhouse-writer/clickhouse-client.js';
import { initDatabase } from '../dist/actors/clickhouse-writer/db-init.js';
import { ClickHouseFeeder } from '../dist/actors/clickhouse-writer/feeder.js';
import { encodeMeasurementBlock, uuidBytes } from '../dist/actors/clickhouse-writer/native-block.js';
import { tableNames } from '../dist/actors/clickhouse-writer/schema.js';
import { DEFAULT_CLICKHOUSE } from '../dist/protocol/config.js';
import { LineKind, RecordType, encodeJsonRecord, encodeRecord } from '../dist/runtime/journal/codec.js';
import { JournalWriter } from '../dist/runtime/journal/writer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOTAL_ROWS = Number(process.argv[2] ?? 5_000_000);
const BATCH_ROWS = 500_000;
const POINTS = 1000; // one oscilloscope row = one segment

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-ch-'));
const server = spawn(process.execPath, [path.join(HERE, '../test/helpers/chdb-http-server.mjs'), '--data', path.join(work, 'data')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { port, version } = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(JSON.parse(d.toString()))));
const config = { ...DEFAULT_CLICKHOUSE, port };
await initDatabase(config);
const client = new RexClickHouse(config);
const tables = tableNames(config);

console.log(
  `ClickHouse ${version} (chdb) on 127.0.0.1:${port}; node ${process.version}; nproc ${os.cpus().length}; load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// ---------------------------------------------------------------------------------------------
// 1. Native insert path

function segments(rows, sessionRowBase) {
  const channel = { id: 0, device: 'scope', channel: 'trace', unit: 'V' };
  const out = [];
  const micros = 1_768_545_332_000_000;
  for (let i = 0; i < rows / POINTS; i++) {
    const values = new Float64Array(POINTS);
    for (let j = 0; j < POINTS; j++) values[j] = sessionRowBase + i + j / 1000;
    out.push({ channel, values, firstSample: 0, channelIndex: sessionRowBase + i, micros: micros + i * 1000, journalOffset: 0 });
  }
  return out;
}

const sessionId = '8c6f0d3a-1b8e-4c3e-9d7e-2f9a6b1c0e11';
let encodeMs = 0;
let inserted = 0;
const cpu0 = process.cpuUsage();
const serverCpu0 = serverCpuMs();
const t0 = performance.now();
for (let batch = 0; inserted < TOTAL_ROWS; batch++) {
  const rows = Math.min(BATCH_ROWS, TOTAL_ROWS - inserted);
  const segs = segments(rows, inserted / POINTS);
  const e0 = performance.now();
  const body = encodeMeasurementBlock(sessionId, segs);
  encodeMs += performance.now() - e0;
  await client.insert(tables.measurement, 'Native', body, `bench:${sessionId}:${batch}`);
  inserted += rows;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const serverCpu = serverCpuMs() - serverCpu0;
const [stored] = await client.select(`SELECT count() AS n FROM measurement_data WHERE session_id = '${sessionId}'`);
console.log('\n1. Native insert path (writer side: encode + HTTP; server: chdb stores)');
console.log(`   ${inserted.toLocaleString('en-US')} rows in ${(wallMs / 1000).toFixed(2)} s = ${rate(inserted, wallMs)} rows/s`);
console.log(`   encoding alone: ${rate(inserted, encodeMs)} rows/s; stored ${stored.n}`);
console.log(
  `   CPU: writer ${((cpu.user + cpu.system) / 1000 / 1000).toFixed(2)} s, server ${(serverCpu / 1000).toFixed(2)} s = ${rate(inserted, serverCpu)} rows per server CPU-second`,
);

// ---------------------------------------------------------------------------------------------
// 2. Formats compared (500,000 rows each)

const comparison = [];
const segs = segments(BATCH_ROWS, 0);
for (const [format, encode] of [
  ['Native', () => encodeMeasurementBlock(sessionId, segs)],
  ['RowBinary', () => rowBinary(segs)],
  [
    'TabSeparated',
    () =>
      Buffer.from(
        textRows(segs, (r) => r.join('\t')),
        'utf8',
      ),
  ],
  [
    'JSONEachRow',
    () =>
      Buffer.from(
        textRows(segs, (r) =>
          JSON.stringify({
            session_id: r[0],
            device_name: r[1],
            channel_name: r[2],
            channel_unit: r[3],
            sample_index: r[4],
            channel_index: r[5],
            value: r[6],
            timestamp: r[7],
          }),
        ),
        'utf8',
      ),
  ],
]) {
  const e0 = performance.now();
  const body = encode();
  const e1 = performance.now();
  const bytes = Array.isArray(body) ? body.reduce((n, b) => n + b.length, 0) : body.length;
  const c0 = serverCpuMs();
  await insertAs(format, body, `bench:cmp:${format}:${Date.now()}`);
  const e2 = performance.now();
  comparison.push({ format, bytes, encodeMs: e1 - e0, insertMs: e2 - e1, serverCpuMs: serverCpuMs() - c0 });
}
console.log('\n2. the same 500,000 rows in each format');
console.log('   | format | body MB | encode rows/s | send + store rows/s | total rows/s | rows per server CPU-s |');
for (const c of comparison) {
  console.log(
    `   | ${c.format} | ${(c.bytes / 1e6).toFixed(1)} | ${rate(BATCH_ROWS, c.encodeMs)} | ${rate(BATCH_ROWS, c.insertMs)} | ${rate(BATCH_ROWS, c.encodeMs + c.insertMs)} | ${rate(BATCH_ROWS, c.serverCpuMs)} |`,
  );
}

// ---------------------------------------------------------------------------------------------
// 3. journal → ClickHouse, the whole writer path

console.log('\n3. journal → ClickHouse (feeder: read, parse, merge, derive, encode, insert, progress file)');
for (const form of ['json', 'binary']) {
  const uuid = form === 'json' ? '11111111-2222-4333-8444-555555555555' : '11111111-2222-4333-8444-666666666666';
  const dir = path.join(work, form);
  const lines = Math.max(1, Math.floor(Math.min(TOTAL_ROWS, 2_000_000) / POINTS));
  writeJournal(path.join(dir, 'loop-1.rexj'), uuid, lines, form);
  const feeder = new ClickHouseFeeder({
    client,
    tables,
    journals: () => [path.join(dir, 'loop-1.rexj')],
    log: (level, message) => console.error(`   ${level}: ${message}`),
  });
  feeder.finalize();
  const f0 = performance.now();
  const fc0 = process.cpuUsage();
  const sc0 = serverCpuMs();
  await feeder.run(true);
  const ms = performance.now() - f0;
  const writerCpuMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(fc0));
  const serverMs = serverCpuMs() - sc0;
  const [row] = await client.select(`SELECT count() AS n FROM measurement_data WHERE session_id = '${uuid}'`);
  const journalMb = fs.statSync(path.join(dir, 'loop-1.rexj')).size / 1e6;
  console.log(
    `   ${form === 'json' ? 'JSON-text traces  ' : 'binary traces (§12)'}: ${Number(row.n).toLocaleString('en-US')} rows (${journalMb.toFixed(0)} MB of journal) in ${(ms / 1000).toFixed(2)} s = ${rate(Number(row.n), ms)} rows/s (CPU: writer ${(writerCpuMs / 1000).toFixed(2)} s, server ${(serverMs / 1000).toFixed(2)} s)`,
  );
}

await client.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
fs.rmSync(work, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------

/** CPU time (ms) the server process has used so far (Linux /proc; 0 elsewhere). */
function serverCpuMs() {
  try {
    const fields = fs.readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function rate(rows, ms) {
  return Math.round((rows / ms) * 1000).toLocaleString('en-US');
}

async function insertAs(format, body, token) {
  if (format === 'Native' || format === 'JSONEachRow') return client.insert(tables.measurement, format, body, token);
  // RexClickHouse speaks Native and JSONEachRow only; the others go through the same client call shape.
  const { createClient, ClickHouseLogLevel } = await import('@clickhouse/client');
  const { Readable } = await import('node:stream');
  const raw = createClient({ url: `http://127.0.0.1:${port}`, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 300_000 });
  const result = await raw.exec({
    query: `INSERT INTO measurement_data FORMAT ${format}`,
    values: Readable.from([body]),
    clickhouse_settings: { insert_deduplication_token: token },
  });
  for await (const chunk of result.stream) void chunk;
  await raw.close();
}

function rowBinary(segments) {
  const prefix = Buffer.concat([uuidBytes(sessionId), str('scope'), str('trace'), str('V')]);
  const rowBytes = prefix.length + 24;
  const rows = segments.reduce((n, s) => n + s.values.length, 0);
  const out = Buffer.allocUnsafe(rows * rowBytes);
  let at = 0;
  for (const s of segments) {
    for (let i = 0; i < s.values.length; i++) {
      prefix.copy(out, at);
      at += prefix.length;
      out.writeUInt32LE(s.firstSample + i, at);
      out.writeUInt32LE(s.channelIndex, at + 4);
      out.writeDoubleLE(s.values[i], at + 8);
      out.writeBigInt64LE(BigInt(s.micros), at + 16);
      at += 24;
    }
  }
  return out;
}

function textRows(segments, line) {
  const parts = [];
  for (const s of segments) {
    const ts = new Date(s.micros / 1000).toISOString().replace('T', ' ').replace('Z', '');
    for (let i = 0; i < s.values.length; i++)
      parts.push(line([sessionId, 'scope', 'trace', 'V', s.firstSample + i, s.channelIndex, s.values[i], ts]));
  }
  return `${parts.join('\n')}\n`;
}

function str(text) {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

function writeJournal(file, uuid, lines, form) {
  const t0 = 1_768_545_332_000_000_000n;
  const start = { uuid, loop: 0, loops: 1, startTimeNs: String(t0), outputDir: work, dryRun: false, run: {} };
  const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, start, t0)], { syncIntervalMs: 0 });
  const record = (kind, text, i) =>
    encodeRecord({ type: RecordType.Line, flags: kind, connId: 1, arrivalNs: t0 + BigInt(i) * 1_000_000n, streamOffset: 0n }, text);
  writer.append([
    record(LineKind.Session, JSON.stringify({ info: { name: 'b', email: 'b', session_name: 'bench', session_description: '' } }), 0),
  ]);
  const batch = [];
  for (let i = 0; i < lines; i++) {
    const values = new Float64Array(POINTS);
    for (let j = 0; j < POINTS; j++) values[j] = Math.random();
    const data = form === 'json' ? [Array.from(values)] : { f64: Buffer.from(values.buffer).toString('base64'), shape: [1, POINTS] };
    batch.push(
      record(
        LineKind.Device,
        JSON.stringify({ device_name: 'scope', device_config: {}, measurements: { trace: { data, unit: 'V' } } }),
        i + 1,
      ),
    );
    if (batch.length === 100) writer.append(batch.splice(0));
  }
  if (batch.length > 0) writer.append(batch);
  writer.append([
    encodeJsonRecord(
      RecordType.RunEnd,
      { endTimeNs: String(t0 + BigInt(lines + 1) * 1_000_000n), reason: 'script-exit', exitCode: 0, signal: null },
      t0,
    ),
  ]);
  writer.close();
}
