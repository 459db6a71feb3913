/**
 * The fleet as docs/fleet.md ("Deployment") draws it, all at once: a hub (nats-server with the
 * JetStream domain `hub`), a leaf node (nats-server without JetStream) linked to it, and three
 * stations with the station permissions: `rex serve` lab-a behind the leaf, `rex serve` lab-b and a
 * lone `rex run` lab-c on the hub; a `rex serve --fleet` control point, `rex fleet` and
 * `rex fleet archive` on the hub. Every one of them has `[fleet] jetstream_domain = "hub"`, which is
 * what lets lab-a reach the registry and the journal stream through its leaf.
 *
 * The three register (a domain that is not the hub's is told as such); lab-a's run is started with
 * `rex fleet run` (through the leaf), lab-b's over the control point's HTTP API and ends; then the
 * hub is killed while lab-a and lab-c stream (lab-a's leaf loses its link, lab-c its connection)
 * and restarted: the scripts are answered throughout, both runs are ended through the fleet and
 * exit 0, the rest replicates without `rex recover`, and the archive holds each station's file
 * byte for byte, every acknowledged line once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveOnce, expectSameBytes } from '../helpers/fleet-archive.js';
import { NatsServer, type NatsUser, stationUser } from '../helpers/nats-server.js';
import { counterLines, waitFor } from '../helpers/processes.js';
import { outputFiles, readToml, runRex, workspace } from '../helpers/rex-cli.js';
import { startStream } from '../helpers/stream-run.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

const DOMAIN = 'hub';
const fleetKeys = { jetstream_domain: DOMAIN };
/** The stations re-register soon after the hub is back (docs/fleet.md: REX_FLEET_TTL_MS). */
const ENV = { REX_FLEET_TTL_MS: '3000' };
/** lab-a and lab-c stream until ended through the fleet; the limit only bounds a failed test's leftovers. */
const STREAM_ENV = { REXT_MAX_STEPS: '3000' };
const CONTROL: NatsUser = { user: 'control', password: 'control-secret' };
/** lab-a's leaf node links to the hub as lab-a: the station's own permissions, and the replies it sends. */
const LAB_A = stationUser('lab-a', DOMAIN);
const LAB_B = stationUser('lab-b');
const LAB_C = stationUser('lab-c');
/** lab-a's user on its own leaf node (the leaf's local credentials). */
const LAB_A_LOCAL: NatsUser = { user: 'lab-a', password: 'lab-a-local' };
const STREAM_SCRIPT = 'fixtures/python/stream_with_child.py';

describe('a hub, a leaf node and three stations', () => {
  let hub: NatsServer;
  let leaf: NatsServer;
  let labA: ServeProcess;
  let labB: ServeProcess;
  let control: ServeProcess;
  let scratch: string;
  let labAAcks: string;

  beforeAll(async () => {
    hub = await NatsServer.start({ users: [LAB_A, LAB_B, LAB_C, CONTROL], domain: DOMAIN, leafnodes: true });
    leaf = await NatsServer.start({ users: [LAB_A_LOCAL], leafOf: { hub, user: LAB_A }, jetstream: false });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-leaf-'));
    labAAcks = path.join(scratch, 'acks');
    // A station's runs inherit its environment: lab-a's streaming script records its acknowledgements,
    // lab-b's sends 20 lines and ends.
    [labA, labB, control] = await Promise.all([
      startServe({
        serveConfig: leaf.fleetSection('lab-a', LAB_A_LOCAL, fleetKeys).split('\n'),
        env: { ...ENV, ...STREAM_ENV, REXT_ACK_FILE: labAAcks },
      }),
      startServe({ serveConfig: hub.fleetSection('lab-b', LAB_B, fleetKeys).split('\n'), env: { ...ENV, REXT_MAX_STEPS: '20' } }),
      startServe({ serveConfig: hub.fleetSection('control', CONTROL, fleetKeys).split('\n'), args: ['--fleet'] }),
    ]);
  }, 60_000);
  afterAll(async () => {
    // A run outlives its server (docs/serve.md): end lab-a's first, whatever the test got to.
    await labA
      ?.http('POST', '/kill')
      .then(() => labA.waitForRun((run) => run.phase !== 'running', 10_000))
      .catch(() => {});
    await Promise.allSettled([labA?.dispose(), labB?.dispose(), control?.dispose()]);
    await Promise.allSettled([leaf?.dispose(), hub?.dispose()]);
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('all register and are controlled; the hub killed mid-run and restarted: every run ends 0, and the archive holds each file', {
    timeout: 90_000,
  }, async () => {
    const ws = workspace();
    ws.writeConfig(hub.fleetSection('control', CONTROL, fleetKeys));
    const fleet = (args: string[]) => runRex(ws, ['fleet', ...args], { env: ENV });
    await vi.waitFor(
      async () => {
        const nodes = (await control.http('GET', '/stations')).json() as Array<{ node: string }>;
        if (nodes.length !== 2) throw new Error(`not yet: ${JSON.stringify(nodes.map((n) => n.node))}`);
      },
      { timeout: 15_000, interval: 200 },
    );

    // lab-a (behind the leaf) with `rex fleet run`, lab-b over the control point's HTTP API, lab-c alone.
    const [startedA, startedB, labC] = await Promise.all([
      fleet(['run', 'lab-a', STREAM_SCRIPT, '-o', labA.outputDir]),
      control.http('POST', '/stations/lab-b/run', { body: { path: STREAM_SCRIPT } }),
      startStream({ config: hub.fleetSection('lab-c', LAB_C, fleetKeys), env: { ...ENV, ...STREAM_ENV } }),
    ]);
    expect(startedA.code, startedA.stderr).toBe(0);
    expect(startedB.status, startedB.text).toBe(200);
    await vi.waitFor(
      async () => {
        const stations = (await control.http('GET', '/stations')).json() as Array<{ node: string; run: { phase: string } }>;
        if (stations.find((s) => s.node === 'lab-c')?.run.phase !== 'running') {
          throw new Error(`not yet: ${JSON.stringify(stations.map((s) => [s.node, s.run.phase]))}; lab-c's rex: ${labC.rex.output()}`);
        }
      },
      { timeout: 15_000, interval: 100 },
    );
    const listed = JSON.parse((await fleet(['ls', '--json'])).stdout) as Array<{ node: string; kind: string }>;
    expect(listed.map((s) => [s.node, s.kind])).toEqual([
      ['lab-a', 'serve'],
      ['lab-b', 'serve'],
      ['lab-c', 'run'],
    ]);
    // A domain that is not the hub's: nothing answers there, and rex fleet says what to check.
    const wrongDomain = path.join(ws.dir, 'wrong-domain.toml');
    fs.writeFileSync(wrongDomain, hub.fleetSection('control', CONTROL, { jetstream_domain: 'lab' }));
    const wrong = await runRex(ws, ['fleet', 'ls', '--config-file', wrongDomain]);
    expect([wrong.code, wrong.stderr.trim()]).toEqual([
      5,
      `rex fleet: no JetStream answers at $JS.lab.API: the hub is out of reach of this host's leaf node, or its jetstream { domain } is not "lab" ([fleet] jetstream_domain) (docs/fleet.md, "Leaf nodes")`,
    ]);
    expect((await labB.waitForRun((run) => run.phase === 'ended')).exit_code, labB.output()).toBe(0);

    // The hub goes (lab-a's leaf loses its link, lab-c its connection) while lab-a and lab-c stream.
    const acks = (): number[] => [counterLines(labAAcks), counterLines(labC.ackFile)];
    await waitFor('30 acknowledgements on lab-a and lab-c', () => acks().every((n) => n >= 30));
    await hub.stop('SIGKILL');
    const before = acks();
    await waitFor('50 more acknowledgements on each with the hub down', () => acks().every((n, i) => n >= before[i]! + 50));
    await hub.launch();
    // Once the hub is back and they are registered again, both runs are ended through the fleet.
    for (const node of ['lab-a', 'lab-c'])
      await vi.waitFor(
        async () => {
          const killed = await control.http('POST', `/stations/${node}/kill`);
          if (killed.status !== 200) throw new Error(`not yet: ${killed.status} ${killed.text}`);
        },
        { timeout: 20_000, interval: 200 },
      );
    const endedC = await labC.rex.done;
    expect(endedC.code, labC.rex.output()).toBe(0);
    expect((await labA.waitForRun((run) => run.phase === 'ended')).exit_code, labA.output()).toBe(0);
    // Nothing failed on the stations: the outage was only retried, and caught up without `rex recover`.
    expect(`${labA.output()}${labB.output()}${labC.rex.output()}`).not.toMatch(/ERROR|rex recover/);

    const archiveDir = path.join(ws.dir, 'archive');
    await archiveOnce(ws, archiveDir, hub.fleetSection('control', CONTROL, fleetKeys));
    const stationDirs = { 'lab-a': labA.outputDir, 'lab-b': labB.outputDir, 'lab-c': labC.ws.outputDir };
    for (const [node, dir] of Object.entries(stationDirs)) {
      const station = outputFiles(dir);
      expect(station, node).toHaveLength(1);
      expectSameBytes(outputFiles(path.join(archiveDir, node)), station);
    }
    // Every acknowledged line once: the counter 0, 1, ... up to the last acknowledged.
    for (const [dir, count] of [
      [labA.outputDir, counterLines(labAAcks)],
      [labC.ws.outputDir, counterLines(labC.ackFile)],
    ] as const)
      expect(readToml(outputFiles(dir)[0]!).device.stream.data.n.data).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
