/**
 * The import rules (.dependency-cruiser.cjs) hold on the real tree, and each rule really fires:
 * a small tree that breaks every rule once is cruised with the same configuration.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const root = path.resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;

async function violations(baseDir: string): Promise<string[]> {
  const cwd = process.cwd();
  // dependency-cruiser resolves paths and the tsconfig against the working directory.
  process.chdir(baseDir);
  try {
    const { output } = await cruise(['src'], {
      ...config.options,
      ruleSet: { forbidden: config.forbidden },
      tsConfig: { fileName: path.join(root, 'tsconfig.json') },
      validate: true,
    });
    const result = output as ICruiseResult;
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('import rules', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-import-rules-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('hold on the source tree', async () => {
    expect(await violations(root)).toEqual([]);
  }, 60_000);

  it('fire on a tree that breaks each of them', async () => {
    const files: Record<string, string> = {
      'src/protocol/pure.ts': "import fs from 'node:fs';\nimport { Host } from '../host/run/host.js';\nexport const p = [fs, Host];\n",
      'src/bus/topics.ts':
        "import { Store } from '../actors/store/store.js';\nimport type { M } from '../actors/store/messages.js';\nexport const t: [unknown, M?] = [Store];\n",
      'src/actors/store/messages.ts': 'export type M = number;\n',
      'src/actors/store/store.ts':
        "import { Ingest } from '../ingest/ingest.js';\nimport { Host } from '../../host/run/host.js';\nexport const Store = [Ingest, Host];\n",
      'src/actors/store/index.ts': "export type { M } from './messages.js';\n",
      'src/actors/ingest/ingest.ts': 'export const Ingest = 1;\n',
      'src/host/run/host.ts':
        "import type { M } from '../../actors/store/index.js';\nimport { Ingest } from '../../actors/ingest/ingest.js';\nexport const Host: [number, M?] = [Ingest];\n",
      'src/view/view.ts': "import { Host } from '../host/run/host.js';\nexport const v = Host;\n",
      'src/web/page.ts':
        "import fs from 'node:fs';\nimport { Ingest } from '../actors/ingest/ingest.js';\nexport const w = [fs, Ingest];\n",
      'src/runtime/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
      'src/runtime/b.ts': "import { a } from './a.js';\nexport const b = (): number => a();\n",
    };
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
      fs.writeFileSync(path.join(scratch, file), text);
    }
    const found = await violations(scratch);
    const rules = new Set(found.map((line) => line.split(':')[0]));
    expect([...rules].sort()).toEqual([
      'actors-run-in-their-worker',
      'bus-knows-actors-by-messages',
      'host-and-cli-through-public-entry',
      'no-actor-imports-another',
      'no-circular',
      'protocol-has-no-io',
      'protocol-is-pure',
      'view-is-its-own-program',
      'web-has-no-node',
      'web-is-the-browser',
    ]);
    // What is allowed stays allowed: the bus may read messages.ts, the host an actor's index.ts.
    expect(found.some((line) => line.endsWith('src/actors/store/messages.ts'))).toBe(false);
    expect(found.some((line) => line.endsWith('src/actors/store/index.ts'))).toBe(false);
  }, 60_000);
});
