/**
 * A Python interpreter that can import the given modules (the independent readers of the export
 * tests: Debian's python3-h5py and python3-pandas). `python3` on PATH may be another Python
 * (pyenv) than Debian's, so /usr/bin/python3 is tried too. Fails with what to install.
 */
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['python3', '/usr/bin/python3'];
const found = new Map<string, string>();

export function pythonWith(modules: readonly string[]): string {
  const key = modules.join(',');
  const known = found.get(key);
  if (known) return known;
  for (const python of CANDIDATES) {
    const probe = spawnSync(python, ['-c', `import ${key}`], { stdio: 'ignore' });
    if (probe.status === 0) {
      found.set(key, python);
      return python;
    }
  }
  throw new Error(`no python3 here imports ${key} (Debian: apt-get install ${modules.map((m) => `python3-${m}`).join(' ')})`);
}
