// Atomic writes (output files, the REX_STORE snapshot) on a real filesystem: all or nothing,
// synced as they go, and a snapshot that keeps its version when the file is written again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linkOrCopyAtomically, placeExclusively, writeFileAtomically } from '../../src/runtime/atomic-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-atomic-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function* lines(count: number, failAt = -1): AsyncIterable<string> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error('the source failed');
    yield `line ${i} ${'x'.repeat(1000)}\n`;
  }
}

describe('writeFileAtomically', () => {
  it('writes every chunk, syncing along the way, and leaves no temp file', async () => {
    const file = path.join(tempDir(), 'out.toml');
    const progress: number[] = [];
    const bytes = await writeFileAtomically(file, lines(5000), { syncEveryBytes: 1 << 20, onProgress: (n) => progress.push(n) });
    const text = fs.readFileSync(file, 'utf8');
    expect(bytes).toBe(Buffer.byteLength(text));
    expect(text.split('\n')).toHaveLength(5001);
    expect(text.endsWith(`line 4999 ${'x'.repeat(1000)}\n`)).toBe(true);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(fs.readdirSync(path.dirname(file))).toEqual(['out.toml']);
  });

  it('a failing source leaves the old file as it was, and no temp file', async () => {
    const file = path.join(tempDir(), 'out.toml');
    fs.writeFileSync(file, 'old\n');
    await expect(writeFileAtomically(file, lines(5000, 3000), { syncEveryBytes: 1 << 20 })).rejects.toThrow('the source failed');
    expect(fs.readFileSync(file, 'utf8')).toBe('old\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['out.toml']);
  });

  it('an aborted write stops between chunks and leaves the old file', async () => {
    const file = path.join(tempDir(), 'out.toml');
    fs.writeFileSync(file, 'old\n');
    const abort = new AbortController();
    const progress: number[] = [];
    const writing = writeFileAtomically(file, lines(50_000), {
      signal: abort.signal,
      onProgress: (n) => {
        progress.push(n);
        if (progress.length === 2) abort.abort();
      },
    });
    await expect(writing).rejects.toThrow(/abort/i);
    expect(progress).toHaveLength(2);
    expect(fs.readFileSync(file, 'utf8')).toBe('old\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['out.toml']);
  });
});

describe('linkOrCopyAtomically', () => {
  it('the snapshot keeps its version when the file is written atomically again', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'out.toml');
    const snapshot = path.join(dir, 'store', 'rex.toml');
    await writeFileAtomically(file, lines(3));
    await linkOrCopyAtomically(file, snapshot);
    const first = fs.readFileSync(file, 'utf8');
    expect(fs.readFileSync(snapshot, 'utf8')).toBe(first);
    expect(fs.statSync(snapshot).ino).toBe(fs.statSync(file).ino); // one filesystem: linked, not copied
    await writeFileAtomically(file, lines(5));
    expect(fs.readFileSync(snapshot, 'utf8')).toBe(first);
    await linkOrCopyAtomically(file, snapshot);
    expect(fs.readFileSync(snapshot, 'utf8')).toBe(fs.readFileSync(file, 'utf8'));
    expect(fs.readdirSync(path.dirname(snapshot))).toEqual(['rex.toml']);
  });
});

describe('placeExclusively and stale temp files', () => {
  it('never replaces what has the name, nor writes through a link there', async () => {
    const dir = tempDir();
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'keep\n');
    fs.writeFileSync(path.join(dir, 'taken.toml'), 'someone else\n');
    fs.symlinkSync(victim, path.join(dir, 'linked.toml'));
    const temp = path.join(dir, '.new.tmp');
    fs.writeFileSync(temp, 'mine\n');
    expect(await placeExclusively(temp, path.join(dir, 'taken.toml'))).toBe(false);
    expect(await placeExclusively(temp, path.join(dir, 'linked.toml'))).toBe(false);
    expect(await placeExclusively(temp, path.join(dir, 'free.toml'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'taken.toml'), 'utf8')).toBe('someone else\n');
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep\n');
    expect(fs.readFileSync(path.join(dir, 'free.toml'), 'utf8')).toBe('mine\n');
    expect(fs.existsSync(temp)).toBe(false);
  });

  it("a write removes its file's temp files left by gone processes, not a live process's", async () => {
    const dir = tempDir();
    const gone = path.join(dir, '.out.toml.999999999.aaaa.tmp'); // no such pid
    const live = path.join(dir, `.out.toml.${process.ppid}.bbbb.tmp`);
    fs.writeFileSync(gone, '');
    fs.writeFileSync(live, '');
    await writeFileAtomically(path.join(dir, 'out.toml'), lines(1));
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(live), 'out.toml'].sort());
  });
});
