#!/usr/bin/env node
/**
 * Fleet replication (issue 17, docs/fleet.md "Replication and the archive"): a station streams
 * 10k-point traces; how fast and how far behind its journal reaches the hub's JetStream stream,
 * against the station's own ingest rate in the same run; and what replication costs the station's
 * ingest (runs with `[fleet]` alternated with runs without it, same client, medians).
 *
 *   npm run build && node bench/fleet-replication.mjs [messages=300] [rounds=3] [setupMs=0]
 *
 * `setupMs`: the client pauses this long after its session line before the first trace, as a
 * script setting up its instruments does; with 0 its traces come while the station's fleet
 * threads are still starting (loading the NATS client, connecting, registering).
 *
 * Per run: `rex run bench/clients/traces.py` (one connection, BENCH_WINDOW lines in flight, 10,000
 * JSON doubles a line), a real nats-server on loopback with JetStream on a temp store. The bench
 * reads the run's messages back from the stream and takes each record's lag = the stream's
 * timestamp − its arrival time in the journal header (one clock: same machine). The nats-server
 * runs at nice 19: in a lab the hub is another machine. After each run with `[fleet]`, `rex fleet archive --once` rebuilds its file (timed,
 * and checked byte for byte against the station's).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REX = path.join(HERE, '../bin/rex.js');
const MESSAGES = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 3);
const SETUP_MS = Number(process.argv[4] ?? 0);
const POINTS = 10_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-fleet-'));
const USER = { user: 'rex', password: 'bench-secret' };

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startNats() {
  const port = await freePort();
  const conf = path.join(work, 'nats.conf');
  fs.writeFileSync(
    conf,
    `listen: "127.0.0.1:${port}"\njetstream { store_dir: ${JSON.stringify(path.join(work, 'js'))} }\nauthorization { users: [ { user: ${USER.user}, password: ${USER.password} } ] }\n`,
  );
  // Niced: in a lab the hub is another machine; here it takes only what the station leaves.
  const child = spawn('nice', ['-n', '19', '/usr/sbin/nats-server', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve) => {
    let out = '';
    const onData = (d) => {
      out += d;
      if (out.includes('Server is ready')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
  return { child, url: `nats://127.0.0.1:${port}` };
}

let keptJournal = null;

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSecondsOf(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * The replicator alone, on a finished run's journal (nothing else running in this process): its
 * capacity in MB/s and the CPU it and the hub spend per MB, figures the machine's load disturbs less.
 */
async function replicateAlone(nats, journal) {
  fs.rmSync(journal.replace(/\.rexj$/, '.fleet.json'), { force: true });
  const { JournalReplicator } = await import('../dist/actors/fleet-replicator/replicator.js');
  const nc = await connect({ servers: nats.url, user: USER.user, pass: USER.password });
  const replicator = new JournalReplicator({
    connection: Promise.resolve(nc),
    node: `alone_${Date.now()}`,
    journals: () => [journal],
    log: () => {},
  });
  replicator.finalize();
  const bytes = fs.statSync(journal).size;
  const cpu0 = process.cpuUsage();
  const hub0 = cpuSecondsOf(nats.child.pid);
  const t0 = performance.now();
  await replicator.run(true);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const hub = cpuSecondsOf(nats.child.pid) - hub0;
  await nc.close();
  return {
    MB: bytes / 1e6,
    seconds,
    MBps: bytes / 1e6 / seconds,
    cpuMsPerMB: (cpu.user + cpu.system) / 1e3 / (bytes / 1e6),
    hubCpuMsPerMB: (hub * 1e3) / (bytes / 1e6),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** One `rex run` of the trace client; with `fleet`, its replication observed on the hub. */
async function oneRun(label, nats, nc, fleet) {
  const dir = path.join(work, label);
  const configHome = path.join(dir, 'config');
  fs.mkdirSync(path.join(configHome, 'rex'), { recursive: true });
  const node = label.replaceAll('.', '_');
  if (fleet) {
    fs.writeFileSync(
      path.join(configHome, 'rex', 'config.toml'),
      `[fleet]\nurl = "${nats.url}"\nnode = "${node}"\nuser = "${USER.user}"\npassword = "${USER.password}"\n`,
    );
  }
  const result = path.join(dir, 'result.json');
  const out = path.join(dir, 'out');
  const started = performance.now();
  // With [fleet] the journal is kept: the replicator is measured alone on it at the end.
  const args = ['run', path.join(HERE, 'clients/traces.py'), '-o', out, '-P', String(await freePort()), '-v', '1'];
  const run = spawnSync(process.execPath, [REX, ...args, ...(fleet ? ['--keep-journal'] : [])], {
    env: {
      ...process.env,
      XDG_CONFIG_HOME: configHome,
      BENCH_RESULT: result,
      BENCH_POINTS: String(POINTS),
      BENCH_COUNT: String(MESSAGES),
      BENCH_FORM: 'json',
      BENCH_MODE: 'pipelined',
      BENCH_WINDOW: '8',
      BENCH_SETUP_MS: String(SETUP_MS),
    },
    encoding: 'utf8',
  });
  const runSeconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`rex run exited ${run.status}: ${run.stderr}`);
  const client = JSON.parse(fs.readFileSync(result, 'utf8'));
  const row = { label, fleet, ingestPerS: client.messages_per_s, ingestMBps: client.mb_per_s, runSeconds };
  const clientSeconds = client.seconds;
  if (!fleet) return row;
  const seen = await fromTheStream(nc, node);
  // The archive, on the "hub" (this machine): rebuild and compare.
  const archiveDir = path.join(dir, 'archive');
  const a0 = performance.now();
  const archived = spawnSync(
    process.execPath,
    [REX, 'fleet', 'archive', archiveDir, '--once', '--node', node, '--durable', `bench-${node}`],
    {
      env: { ...process.env, XDG_CONFIG_HOME: configHome },
      encoding: 'utf8',
    },
  );
  const archiveSeconds = (performance.now() - a0) / 1000;
  if (archived.status !== 0) throw new Error(`rex fleet archive exited ${archived.status}: ${archived.stderr}`);
  const stationFile = fs.readdirSync(out).find((f) => f.endsWith('.toml'));
  const same = fs.readFileSync(path.join(out, stationFile)).equals(fs.readFileSync(path.join(archiveDir, node, stationFile)));
  keptJournal = path.join(out, '.rex', fs.readdirSync(path.join(out, '.rex'))[0], 'loop-1.rexj');
  return {
    ...row,
    ...seen,
    journalMBps: seen.linesMB / clientSeconds,
    archiveSeconds,
    archiveMBps: seen.linesMB / archiveSeconds,
    sameFile: same,
  };
}

/**
 * The run's messages as the stream stored them: each record's lag is the stream's timestamp of
 * its first message minus its arrival time in the journal header (one clock: one machine).
 */
/** A message of an accepted line (type 2 at byte 8 of its first chunk; later chunks follow their first). */
let inLine = false;
function isLineRecord(m) {
  if (m.headers?.get('Rex-Chunk') === '0') inLine = m.data.length > 8 && m.data[8] === 2;
  return inLine;
}

async function fromTheStream(nc, node) {
  const js = jetstream(nc);
  const consumer = await js.consumers.get('REX_JOURNAL', { filter_subjects: `rex.journal.${node}.>` });
  const lags = [];
  let bytes = 0;
  let first = null;
  let last = null;
  let lastLineLagMs = null;
  const messages = await consumer.consume();
  for await (const m of messages) {
    const at = BigInt(m.info.timestampNanos);
    // The lines' stretch: from the run-start record to the end there are start-up and the file.
    if (isLineRecord(m)) {
      first ??= at;
      last = at;
      bytes += m.data.length;
    }
    if (m.headers?.get('Rex-Chunk') === '0' && m.data.length >= 32) {
      const data = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
      const lagMs = Number(at - data.readBigInt64LE(16)) / 1e6;
      lags.push(lagMs);
      if (data.readUInt8(8) === 2) lastLineLagMs = lagMs;
    }
    if (m.info.pending === 0) break;
  }
  await messages.close();
  return {
    linesMB: bytes / 1e6,
    replicationMBps: bytes / 1e6 / (Number(last - first) / 1e9),
    lagP50Ms: quantile(lags, 0.5),
    lagP99Ms: quantile(lags, 0.99),
    lagMaxMs: Math.max(...lags),
    lastLineLagMs,
  };
}

const nats = await startNats();
const nc = await connect({ servers: nats.url, ...{ user: USER.user, pass: USER.password } });
console.log(
  `fleet-replication: ${MESSAGES} lines of ${POINTS} doubles, ${ROUNDS} rounds, set-up ${SETUP_MS} ms; node ${process.version}; nproc ${os.cpus().length}; load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; ${new Date().toISOString()}`,
);
const rows = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternated, and the order swapped every round: the shared cores' load drifts.
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const fleet of order) {
      const row = await oneRun(`r${round}.${fleet ? 'on' : 'off'}`, nats, nc, fleet);
      rows.push(row);
      console.log(JSON.stringify(row, (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
    }
  }
  // Its first run in this process compiles its code: not counted.
  await replicateAlone(nats, keptJournal);
  for (let i = 0; i < ROUNDS; i++) {
    const alone = await replicateAlone(nats, keptJournal);
    rows.push({ alone });
    console.log(JSON.stringify({ alone }, (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
  }
} finally {
  await nc.close();
  nats.child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
}
const on = rows.filter((r) => r.fleet);
const off = rows.filter((r) => r.fleet === false);
const m = (xs, key) => median(xs.map((r) => r[key]));
console.log('\nmedians');
console.log(`  ingest without [fleet]: ${m(off, 'ingestPerS').toFixed(1)} lines/s (${m(off, 'ingestMBps').toFixed(1)} MB/s of lines)`);
console.log(`  ingest with [fleet]:    ${m(on, 'ingestPerS').toFixed(1)} lines/s (${m(on, 'ingestMBps').toFixed(1)} MB/s of lines)`);
// Each round's two runs are minutes apart at most: their ratio is less exposed to the load's drift.
const ratios = on.map((r) => r.ingestPerS / off.find((o) => o.label.split('.')[0] === r.label.split('.')[0]).ingestPerS);
console.log(
  `  cost of replication to ingest: ${((1 - m(on, 'ingestPerS') / m(off, 'ingestPerS')) * 100).toFixed(1)} % between the medians, ${((1 - median(ratios)) * 100).toFixed(1)} % by the median of the rounds' ratios (${ratios.map((x) => x.toFixed(2)).join(', ')}) (target ≤ 10 %)`,
);
console.log(
  `  replication: ${m(on, 'replicationMBps').toFixed(1)} MB/s of journal lines (the station journals ${m(on, 'journalMBps').toFixed(1)} MB/s of them); lag p50 ${m(on, 'lagP50Ms').toFixed(0)} ms, p99 ${m(on, 'lagP99Ms').toFixed(0)} ms, max ${m(on, 'lagMaxMs').toFixed(0)} ms; last line ${m(on, 'lastLineLagMs').toFixed(0)} ms after its arrival`,
);
console.log(
  `  archive --once: ${m(on, 'archiveSeconds').toFixed(2)} s (${m(on, 'archiveMBps').toFixed(1)} MB/s of journal, start-up included); files identical: ${on.every((r) => r.sameFile)}`,
);
const alone = rows.filter((r) => r.alone).map((r) => r.alone);
console.log(
  `  the replicator alone, on one run's ${median(alone.map((a) => a.MB)).toFixed(1)} MB journal: ${median(alone.map((a) => a.MBps)).toFixed(1)} MB/s; CPU ${median(alone.map((a) => a.cpuMsPerMB)).toFixed(1)} ms per MB (the hub's nats-server ${median(alone.map((a) => a.hubCpuMsPerMB)).toFixed(1)} ms per MB)`,
);
