/**
 * npm installs each command of package.json's "bin" as a symlink on Linux and macOS (the kernel
 * runs the file's shebang) and, on Windows, as shims (.cmd, .ps1, and a sh script for Git Bash)
 * that start the program the shebang names. A `#!/bin/sh` launcher became a Windows command that
 * cannot start: its .cmd ran "/bin/sh". npm's own shim maker (cmd-shim, shipped inside npm) writes
 * the Windows shims here; each must start node, and the sh one, run here, must start rex.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

/** npm's cli, as `npm test` names it, or the `npm` on PATH. */
const npmCli = process.env.npm_execpath ?? fs.realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim());
const cmdShim = createRequire(npmCli)('cmd-shim') as (from: string, to: string) => Promise<void>;

const shims = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bin-shims-'));
afterAll(() => fs.rmSync(shims, { recursive: true, force: true }));

it("npm's Windows shims start every command of the package with node", async () => {
  expect(Object.keys(pkg.bin)).toEqual(['rex']);
  for (const [name, file] of Object.entries(pkg.bin)) {
    const target = path.join(root, file);
    expect(fs.readFileSync(target, 'utf8').split('\n')[0], file).toBe('#!/usr/bin/env node');
    const shim = path.join(shims, name);
    await cmdShim(target, shim);
    expect(fs.readFileSync(`${shim}.cmd`, 'utf8')).toContain('SET "_prog=node"');
    expect(fs.readFileSync(`${shim}.ps1`, 'utf8')).toContain('& "node$exe"');
    expect(execFileSync('sh', [shim, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  }
});
