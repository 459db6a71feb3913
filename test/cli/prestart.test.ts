/** Which command lines start the run's threads before the CLI loads (src/cli/prestart.ts). */
import { expect, it } from 'vitest';
import { commandOf } from '../../src/cli/prestart.js';

it.each([
  [['run', 'exp.py'], 'run'],
  [['-v', '3', 'run', 'exp.py'], 'run'],
  [['--verbosity', '0', 'run'], 'run'],
  [['-v3', 'run'], 'run'],
  [['--verbosity=4', 'run', '-o', 'x'], 'run'],
  [['-v', 'run', 'x'], 'x'], // 'run' is -v's value here, as commander reads it
  [['serve', 'run'], 'serve'],
  [['view'], 'view'],
  [['--version'], undefined],
  [[], undefined],
] as const)('%j names the command %s', (args, command) => {
  expect(commandOf(args)).toBe(command);
});
