/**
 * Where POST /run may read scripts and write output, checked on the real file system (symbolic
 * links included).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOutputDir, checkScript, listScripts } from '../../src/runtime/run-control/path-policy.js';

let root: string;
let scripts: string;
let allowed: string;

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rex-policy-')));
  scripts = path.join(root, 'scripts');
  allowed = path.join(root, 'data');
  fs.mkdirSync(path.join(scripts, 'a/b/c/d/e'), { recursive: true });
  fs.mkdirSync(allowed);
  fs.mkdirSync(path.join(root, 'secret'));
  fs.writeFileSync(path.join(scripts, 'scan.py'), '');
  fs.writeFileSync(path.join(scripts, 'notes.txt'), '');
  fs.writeFileSync(path.join(scripts, 'a/fit.m'), '');
  fs.writeFileSync(path.join(scripts, 'a/b/c/deep.rs'), '');
  fs.writeFileSync(path.join(scripts, 'a/b/c/d/e/too_deep.py'), '');
  fs.writeFileSync(path.join(root, 'secret/evil.py'), '');
  fs.symlinkSync(path.join(root, 'secret'), path.join(scripts, 'escape'));
  fs.symlinkSync(path.join(root, 'secret'), path.join(allowed, 'escape'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('checkScript', () => {
  it('takes a relative path from the scripts directory, or an absolute one inside it', () => {
    expect(checkScript('scan.py', scripts)).toEqual({ ok: true, path: path.join(scripts, 'scan.py') });
    expect(checkScript(path.join(scripts, 'a/fit.m'), scripts)).toEqual({ ok: true, path: path.join(scripts, 'a/fit.m') });
  });

  it.each([
    ['an absolute path elsewhere', () => path.join(root, 'secret/evil.py')],
    ['a path climbing out with ..', () => '../secret/evil.py'],
    ['a symbolic link leading out', () => 'escape/evil.py'],
  ])('refuses %s with 403', (_name, requested) => {
    const result = checkScript(requested(), scripts);
    expect(result).toMatchObject({ ok: false, status: 403, field: 'path' });
    expect(!result.ok && result.message).toMatch(/is outside the scripts directory/);
  });

  it('answers 400 for a missing script or a directory', () => {
    expect(checkScript('missing.py', scripts)).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/no such script/) });
    expect(checkScript('a', scripts)).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/not a file/) });
  });
});

describe('checkOutputDir', () => {
  it('accepts allowed directories and new folders below them; defaults to the first', () => {
    expect(checkOutputDir(undefined, [allowed], root)).toEqual({ ok: true, path: allowed });
    expect(checkOutputDir('data/run7/new', [allowed], root)).toEqual({ ok: true, path: path.join(allowed, 'run7/new') });
  });

  it.each([
    ['a directory elsewhere', () => path.join(root, 'secret')],
    ['a climb out with ..', () => path.join(allowed, '../secret')],
    ['a symbolic link leading out', () => path.join(allowed, 'escape/inner')],
  ])('refuses %s with 403', (_name, requested) => {
    const result = checkOutputDir(requested(), [allowed], root);
    expect(result).toMatchObject({ ok: false, status: 403, field: 'output' });
    expect(!result.ok && result.message).toMatch(/is not inside an allowed output directory/);
  });

  it('refuses everything when no directory is allowed', () => {
    expect(checkOutputDir(allowed, [], root)).toMatchObject({ ok: false, status: 403 });
  });
});

describe('listScripts', () => {
  it('lists .py, .rs and .m files up to four levels down, as the original did', () => {
    const listing = listScripts(scripts);
    expect(listing.base_dir).toBe(scripts);
    expect(listing.files.sort()).toEqual(
      [path.join(scripts, 'a/b/c/deep.rs'), path.join(scripts, 'a/fit.m'), path.join(scripts, 'scan.py')].sort(),
    );
  });

  it('answers an empty list for a missing directory', () => {
    expect(listScripts(path.join(root, 'nope'))).toEqual({ base_dir: path.join(root, 'nope'), files: [] });
  });
});
