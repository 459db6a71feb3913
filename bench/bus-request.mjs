/**
 * Bus request vs comlink call, both between real worker threads (docs/architecture.md "Why not
 * comlink"):
 * - bus: a client worker asks `store.query`, the hub (main thread) routes it to a server worker
 *   and the answer back: worker → main → worker → main → worker;
 * - comlink: the client worker calls the server worker directly over one MessageChannel.
 * Rounds alternate between the two; each call is timed in the client worker. Then the death
 * check: a call is left pending, its server thread is terminated, and we see what the caller gets.
 *
 *   npm run build && node bench/bus-request.mjs [calls per round, default 5000]
 *
 * comlink is no dependency of rex-daq (this bench is why): install it for the comparison,
 * `npm install --no-save comlink@4`; without it only the bus paths are measured.
 */
import os from 'node:os';
import { once } from 'node:events';
import { MessageChannel, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const ROUNDS = 6;
const CALLS = Number(process.argv[2] ?? 5000);
const WARMUP = 2000;
const DEATH_WAIT_MS = 3000;
/** A STATE answer of about the usual size. */
const ANSWER = { text: JSON.stringify({ state: 'running', loop: 1, loops: 1, paused: false, devices: ['scope', 'dmm'] }) };

/** comlink and its Node adapter, or undefined when it is not installed. */
async function loadComlink() {
  try {
    const Comlink = await import('comlink');
    const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
    return { Comlink, nodeEndpoint };
  } catch {
    return undefined;
  }
}

if (isMainThread) await main();
else await worker();

async function main() {
  const { BusHub } = await import('../dist/bus/hub.js');
  const hub = new BusHub({ validate: false }); // production default: no payload checks
  const spawn = (role, port) => new Worker(new URL(import.meta.url), { workerData: { role, port }, transferList: [port] });
  const ready = (w) => once(w, 'message');

  const busServerLink = hub.connect('server');
  const busServer = spawn('bus-server', busServerLink.port);
  busServer.on('exit', () => busServerLink.close()); // what the supervisor does
  await ready(busServer);
  const busClient = spawn('bus-client', hub.connect('client').port);
  await ready(busClient);

  const withComlink = (await loadComlink()) !== undefined;
  let comlinkServer;
  let comlinkClient;
  if (withComlink) {
    const channel = new MessageChannel();
    comlinkServer = spawn('comlink-server', channel.port2);
    await ready(comlinkServer);
    comlinkClient = spawn('comlink-client', channel.port1);
    await ready(comlinkClient);
  } else {
    console.log('comlink is not installed (npm install --no-save comlink@4): measuring the bus only\n');
  }

  // run.current is served by the main thread in rex too: one hop each way, like comlink's.
  hub.bus.serve('run.current', () => ({ journalPath: '/tmp/rex/loop-1.rexj', loop: 0 }));
  const busMainClient = spawn('bus-main-client', hub.connect('main-client').port);
  await ready(busMainClient);

  const ask = async (w, message) => {
    w.postMessage(message);
    const [reply] = await once(w, 'message');
    return reply;
  };
  const clients = { bus: busClient, busMain: busMainClient, ...(withComlink ? { comlink: comlinkClient } : {}) };
  for (const client of Object.values(clients)) await ask(client, { cmd: 'run', n: WARMUP });

  const samples = { bus: [], busMain: [], comlink: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate which goes first, so drift in the machine's load hits all alike.
    const kinds = Object.keys(clients);
    const order = [...kinds.slice(round % kinds.length), ...kinds.slice(0, round % kinds.length)];
    for (const kind of order) {
      const { us } = await ask(clients[kind], { cmd: 'run', n: CALLS });
      samples[kind].push(...us);
    }
  }

  console.log(`# bus request vs comlink call — ${new Date().toISOString()}`);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load ${load}`);
  console.log(`${ROUNDS} rounds × ${CALLS} sequential calls each, after ${WARMUP} warm-up calls`);
  console.log('round trip per call, µs\n');
  console.log('| path | p50 | p90 | p99 | mean | calls/s (sequential) |');
  console.log('|---|---|---|---|---|---|');
  for (const [kind, label] of [
    ['bus', 'bus `store.query`, worker → hub → worker'],
    ['busMain', 'bus `run.current`, worker → hub (served on the main thread)'],
    ['comlink', 'comlink call, worker → worker (one MessageChannel)'],
  ]) {
    if (samples[kind].length === 0) continue;
    const s = samples[kind].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    console.log(`| ${label} | ${q(0.5)} | ${q(0.9)} | ${q(0.99)} | ${mean.toFixed(1)} | ${Math.round(1e6 / mean)} |`);
  }

  // Death: a pending call, then its server's thread ends.
  console.log(`\nA call pending when its server thread is terminated (waited ${DEATH_WAIT_MS} ms):`);
  for (const [kind, client, server] of [
    ['bus', busClient, busServer],
    ['comlink', comlinkClient, comlinkServer],
  ]) {
    if (client === undefined) continue;
    client.postMessage({ cmd: 'pending' });
    await once(client, 'message'); // 'sent': the call is on its way
    const outcome = once(client, 'message').then(([reply]) => reply);
    const killedAt = performance.now();
    await server.terminate();
    const { settled, code } = await outcome;
    const afterKillMs = (performance.now() - killedAt).toFixed(1);
    const told =
      settled === 'pending'
        ? `still pending ${DEATH_WAIT_MS} ms later (it never settles)`
        : `${settled} with ${code}, ${afterKillMs} ms after the kill`;
    console.log(`- ${kind}: ${told}`);
  }
  for (const client of Object.values(clients)) await client.terminate();
  await busServer.terminate();
  hub.close();
}

async function worker() {
  const { role, port } = workerData;
  if (role === 'bus-server') {
    const { connectPortBus } = await import('../dist/bus/port-bus.js');
    const bus = connectPortBus(port, 'server');
    // GET_DATASTREAM never answers here: it stands for a call in flight when the thread dies.
    bus.serve('store.query', (req) => (req.command === 'STATE' ? ANSWER : new Promise(() => undefined)));
    await bus.flush();
    parentPort.postMessage('ready');
  } else if (role === 'comlink-server') {
    const { Comlink, nodeEndpoint } = await loadComlink();
    const query = (req) => (req.command === 'STATE' ? ANSWER : new Promise(() => undefined));
    Comlink.expose({ query }, nodeEndpoint(port));
    parentPort.postMessage('ready');
  } else {
    let call;
    if (role === 'bus-client' || role === 'bus-main-client') {
      const { connectPortBus } = await import('../dist/bus/port-bus.js');
      const bus = connectPortBus(port, role);
      const name = role === 'bus-client' ? 'store.query' : 'run.current';
      call = (req, timeoutMs) => bus.request(name, name === 'store.query' ? req : {}, { timeoutMs });
    } else {
      const { Comlink, nodeEndpoint } = await loadComlink();
      const api = Comlink.wrap(nodeEndpoint(port));
      call = (req) => api.query(req);
    }
    parentPort.on('message', async ({ cmd, n }) => {
      if (cmd === 'run') {
        const us = new Array(n);
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await call({ command: 'STATE' }, 10_000);
          us[i] = (performance.now() - t0) * 1000;
        }
        parentPort.postMessage({ us });
        return;
      }
      // cmd === 'pending': start a call that only the server's death can end.
      const pending = call({ command: 'GET_DATASTREAM' }, 60_000).then(
        () => ({ settled: 'resolved' }),
        (error) => ({ settled: 'rejected', code: error?.code ?? String(error) }),
      );
      parentPort.postMessage('sent');
      const timeout = new Promise((resolve) => setTimeout(() => resolve({ settled: 'pending' }), DEATH_WAIT_MS));
      const outcome = await Promise.race([pending, timeout]);
      parentPort.postMessage(outcome);
    });
    parentPort.postMessage('ready');
  }
}
