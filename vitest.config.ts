import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll's own default (1 s) is shorter than a loaded 2-core CI machine can promise.
    expect: { poll: { timeout: 10_000 } },
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    pool: 'forks',
    // Most of a test's time is spent waiting on the rex and python3 processes it starts: vitest's
    // default (cores - 1) would run one file at a time on a 2-core machine (645 s against 431 s).
    maxWorkers: Math.max(availableParallelism() - 1, 2),
    // Every bus hub, in the test process and in each `rex` it spawns, checks every payload
    // against the topic table (docs/bus.md "Validation"): real traffic must pass.
    env: { REX_BUS_VALIDATE: '1' },
  },
});
