/**
 * `rex completion bash|zsh|fish` (issue 15 item 10): the scripts come from the real CLI, and the
 * bash one is loaded into a real bash, which is asked for completions the way readline asks
 * (COMP_WORDS / COMP_CWORD). zsh and fish scripts are checked by
 * their own parsers (.ci/run installs both).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRex, workspace } from '../helpers/rex-cli.js';

async function script(shell: string): Promise<{ file: string; text: string }> {
  const ws = workspace();
  const result = await runRex(ws, ['completion', shell]);
  expect(result.code, result.stderr).toBe(0);
  const file = path.join(ws.dir, `rex.${shell}`);
  fs.writeFileSync(file, result.stdout);
  return { file, text: result.stdout };
}

describe('rex completion', () => {
  it('bash: commands, options, option values and argument choices from the command tree', async () => {
    const { file } = await script('bash');
    /** What bash offers for the line `words` with the cursor at the end of the last word. */
    const complete = (...words: string[]): string[] => {
      const out = execFileSync(
        'bash',
        [
          '-c',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: bash, not a template
          'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rex_completion; printf "%s\\n" "${COMPREPLY[@]}"',
          '_',
          file,
          ...words,
        ],
        { encoding: 'utf8' },
      );
      return out.split('\n').filter(Boolean).sort();
    };
    expect(complete('rex', 'r')).toEqual(['recover', 'run']);
    expect(complete('rex', 'ru')).toEqual(['run']);
    expect(complete('rex', '-v', '3', 'se')).toEqual(['serve']);
    const runOptions = complete('rex', 'run', '--');
    expect(runOptions).toEqual(expect.arrayContaining(['--output', '--loops', '--dry-run', '--meta-json', '--config-file', '--help']));
    expect(runOptions).not.toContain('--theme');
    expect(complete('rex', 'run', 'x.py', '-o', '')).toEqual([]); // a directory: bash's own file names
    expect(complete('rex', 'view', '--theme', 'no')).toEqual(['nord']);
    expect(complete('rex', 'db', '')).toEqual(['help', 'init', 'push']);
    expect(complete('rex', 'db', 'push', '--')).toEqual(['--config-file', '--help']);
    expect(complete('rex', 'completion', '')).toEqual(['bash', 'fish', 'zsh']);
    expect(complete('rex', 'view', '--')).not.toContain('--hosted');
  });

  it.each(['zsh', 'fish'])('%s: a script of the whole tree, which the shell parses', async (shell) => {
    const { file, text } = await script(shell);
    for (const word of ['run', 'recover', 'serve', 'view', 'init', 'push', 'completion', 'config-file', 'dracula'])
      expect(text).toContain(word);
    const check = spawnSync(shell, shell === 'zsh' ? ['-n', file] : ['--no-execute', file], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('an unknown shell is refused', async () => {
    const result = await runRex(workspace(), ['completion', 'tcsh']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/tcsh/);
  });
});
