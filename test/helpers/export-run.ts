/**
 * The output files the export tests read: one written by a real `rex run` of
 * test/fixtures/python/export_mix.py (every corner an export keeps), and the original rex's
 * reference file. Both are copied into the test's workspace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { outputFiles, PY_FIXTURES, REPO_ROOT, type RexWorkspace, runRex } from './rex-cli.js';

export const REFERENCE_OUTPUT = path.join(REPO_ROOT, 'test/fixtures/reference/rex_output_example.toml');

/** Runs export_mix.py under rex into `ws.outputDir`; returns the output file's path. */
export async function exportMixRun(ws: RexWorkspace): Promise<string> {
  const result = await runRex(ws, ['run', path.join(PY_FIXTURES, 'export_mix.py'), '-o', ws.outputDir]);
  expect(result.code, result.stderr).toBe(0);
  const files = outputFiles(ws.outputDir);
  expect(files).toHaveLength(1);
  return files[0]!;
}

/** The reference file, copied into `ws.dir` (exports are written beside it). */
export function referenceCopy(ws: RexWorkspace): string {
  const copy = path.join(ws.dir, 'reference.toml');
  fs.copyFileSync(REFERENCE_OUTPUT, copy);
  return copy;
}
