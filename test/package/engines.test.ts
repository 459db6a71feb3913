/**
 * The Node versions package.json's `engines` claims are true for the whole locked tree: on any
 * of them `npm ci` prints no EBADENGINE. npm checks every package that is not optional (the
 * optional ones that do not fit are skipped silently), the root included; so must this test.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, it } from 'vitest';

// semver is in the tree already (a transitive dependency); its subset() is npm's own range logic.
const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, sup: string): boolean };

const root = path.resolve(import.meta.dirname, '../..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

interface LockedPackage {
  version?: string;
  optional?: boolean;
  engines?: { node?: unknown };
}

it('every locked package accepts every Node version package.json declares', () => {
  const declared: string = readJson('package.json').engines.node;
  const lock = readJson('package-lock.json') as { packages: Record<string, LockedPackage> };
  expect(lock.packages['']?.engines?.node, 'package-lock.json is in step with package.json').toBe(declared);

  const narrower = Object.entries(lock.packages)
    .filter(([, pkg]) => !pkg.optional && typeof pkg.engines?.node === 'string')
    .filter(([, pkg]) => !semver.subset(declared, pkg.engines!.node as string))
    .map(([where, pkg]) => `${where}@${pkg.version}: node ${pkg.engines!.node}`);
  expect(narrower, `packages that would warn EBADENGINE on part of "${declared}"`).toEqual([]);
});
