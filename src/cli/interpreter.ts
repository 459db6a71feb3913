/**
 * The script's interpreter (config `general.interpreter`), looked up the way the script will be
 * started (spawn without a shell): a name with a slash is a path, any other name is searched on
 * PATH. Checked before anything starts, so a typo is not found after the listener and the actors.
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

/** What is wrong with `interpreter`, or null when it can be started. */
export function interpreterProblem(interpreter: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (interpreter.includes('/') || interpreter.includes(path.sep)) {
    const file = path.resolve(interpreter);
    if (!fs.existsSync(file)) return `interpreter ${interpreter} not found`;
    return isExecutableFile(file) ? null : `interpreter ${interpreter} is not an executable file`;
  }
  // Windows finds `python` as python.exe (PATHEXT); elsewhere the name is the file name.
  const extensions = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    for (const extension of extensions) if (isExecutableFile(path.join(dir, interpreter + extension))) return null;
  }
  return `interpreter ${interpreter} not found on PATH`;
}
