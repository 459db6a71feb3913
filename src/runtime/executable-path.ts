/**
 * A command's file, found the way spawn without a shell finds it: a name with a slash is a path,
 * any other name is searched on PATH (and, on Windows, with PATHEXT's extensions).
 */
import fs from 'node:fs';
import path from 'node:path';

function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type ExecutableLookup = { file: string } | { problem: 'not found' | 'not found on PATH' | 'is not an executable file' };

export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): ExecutableLookup {
  if (command.includes('/') || command.includes(path.sep)) {
    const file = path.resolve(command);
    if (!fs.existsSync(file)) return { problem: 'not found' };
    return isExecutableFile(file) ? { file } : { problem: 'is not an executable file' };
  }
  const extensions = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    for (const extension of extensions) {
      const file = path.join(dir, command + extension);
      if (isExecutableFile(file)) return { file };
    }
  }
  return { problem: 'not found on PATH' };
}
