/**
 * What a station sends in parts (docs/fleet.md "Large answers and downloads"), in-process on real
 * files: a past run's file read part by part is the file, a file replaced between two parts is a
 * 409 (never a mix of two files), and a held answer is given once, in parts, and then dropped; the
 * oldest goes when too many are held, and one nobody pulls goes after its time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeldReplies } from '../../src/actors/fleet-station/held-replies.js';
import type { ControlReply, StationPart } from '../../src/protocol/fleet/stations.js';
import { PastRunAnswers } from '../../src/runtime/run-file/past-run-answers.js';
import { runId } from '../../src/runtime/run-file/past-runs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-station-parts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A run output file of `n` values, written whole and renamed into place as rex writes it. */
function writeRun(name: string, n: number, value: number): Buffer {
  const text = `[device.gen.data.wave]\ndata = [${Array.from({ length: n }, (_, i) => (i * value).toFixed(3)).join(', ')}]\nunit = "V"\n\n[session]\nUUID = "11111111-2222-3333-4444-555555555555"\n`;
  fs.writeFileSync(path.join(dir, `.${name}.tmp`), text);
  fs.renameSync(path.join(dir, `.${name}.tmp`), path.join(dir, name));
  return Buffer.from(text);
}

const isPart = (answer: StationPart | ControlReply): answer is StationPart => 'bytes' in answer;
const json = (data: object) => new TextEncoder().encode(JSON.stringify(data));

describe('a past run file in parts (run_file)', () => {
  const answers = new PastRunAnswers([dir]);
  const LIMIT = 4096;

  it('the parts, pulled in order, are the file; a bad id is the 404 of the other past-run answers', async () => {
    const file = writeRun('a.toml', 5000, 1.5);
    const id = runId(0, 'a.toml');
    const parts: Buffer[] = [];
    const first = await answers.part(id, 0, undefined, LIMIT);
    if (!isPart(first)) throw new Error(JSON.stringify(first));
    expect(first).toMatchObject({ total: file.length, name: 'a.toml' });
    parts.push(Buffer.from(first.bytes));
    while (parts.reduce((n, p) => n + p.length, 0) < first.total) {
      const part = await answers.part(
        id,
        parts.reduce((n, p) => n + p.length, 0),
        first.identity,
        LIMIT,
      );
      if (!isPart(part)) throw new Error(JSON.stringify(part));
      expect(part.bytes.length).toBeLessThanOrEqual(LIMIT);
      parts.push(Buffer.from(part.bytes));
    }
    expect(parts.length).toBeGreaterThan(5);
    expect(Buffer.concat(parts).equals(file)).toBe(true);

    const bad = runId(0, 'nope.toml');
    expect(await answers.part(bad, 0, undefined, LIMIT)).toEqual(await answers.index(bad));
    expect((await answers.part(bad, 0, undefined, LIMIT)) as ControlReply).toMatchObject({ status: 404 });
  });

  it('a file replaced between two parts is a 409, as is one removed', async () => {
    writeRun('b.toml', 5000, 1.5);
    const id = runId(0, 'b.toml');
    const first = await answers.part(id, 0, undefined, LIMIT);
    if (!isPart(first)) throw new Error(JSON.stringify(first));
    // Written whole and renamed over it, as rex writes: another file, whatever its bytes.
    writeRun('b.toml', 5000, 2.5);
    const next = (await answers.part(id, LIMIT, first.identity, LIMIT)) as ControlReply;
    expect(next.status).toBe(409);
    expect(JSON.stringify(next.body)).toMatch(/replaced or removed during the download/);
    fs.rmSync(path.join(dir, 'b.toml'));
    expect(((await answers.part(id, LIMIT, first.identity, LIMIT)) as ControlReply).status).toBe(409);
  });
});

describe('held answers (reply_part)', () => {
  it('a held answer is pulled in parts once, then it is gone (410)', () => {
    const held = new HeldReplies();
    const text = JSON.stringify({ status: 200, body: { y: Array.from({ length: 3000 }, (_, i) => i) } });
    const reply = held.hold(text);
    // An older hub, which does not pull, shows a 502 that says why.
    expect(reply).toMatchObject({
      status: 502,
      body: expect.stringMatching(/held for reply_part/),
      held: { size: Buffer.byteLength(text) },
    });
    const ref = reply.held!.ref;
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < reply.held!.size; ) {
      const part = held.part(json({ ref, offset }), 1000);
      if (!isPart(part)) throw new Error(JSON.stringify(part));
      parts.push(part.bytes);
      offset += part.bytes.length;
    }
    expect(Buffer.concat(parts).toString()).toBe(text);
    expect(held.part(json({ ref, offset: 0 }), 1000)).toMatchObject({ status: 410 });
    expect(held.part(json({ ref }), 1000)).toMatchObject({ status: 400 });
  });

  it('at most 8 are held: the oldest goes first; one nobody pulls goes after its time', async () => {
    const held = new HeldReplies(200);
    const refs = Array.from({ length: 9 }, (_, i) => held.hold(`"answer ${i}"`).held!.ref);
    expect(held.part(json({ ref: refs[0], offset: 0 }), 100)).toMatchObject({ status: 410 });
    expect(held.part(json({ ref: refs[1], offset: 0 }), 2)).toMatchObject({ total: '"answer 1"'.length });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(held.part(json({ ref: refs[1], offset: 2 }), 100)).toMatchObject({ status: 410 });
    held.close();
  });
});
