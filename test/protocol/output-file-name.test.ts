// The output file name (SPEC §5): the original's pattern, and never a path outside the directory.
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FALLBACK_SESSION_NAME,
  MAX_NAME_BYTES,
  fileNameTimestamp,
  outputFileName,
  withClashSuffix,
  sanitizeSessionName,
} from '../../src/protocol/output/file-name.js';

// Local time on purpose: the suffix is in the local time zone.
const START = new Date(2026, 0, 16, 19, 35, 32, 421);

describe('outputFileName', () => {
  it('follows the original: spaces and / become _, local DD_MM_YYYY_HH_MM_SS_mmm suffix', () => {
    expect(outputFileName('Test', START)).toBe('Test_16_01_2026_19_35_32_421.toml');
    expect(outputFileName('Multi-DAQ Test Experiment', START)).toBe('Multi-DAQ_Test_Experiment_16_01_2026_19_35_32_421.toml');
    expect(outputFileName('run 7/a', START)).toBe('run_7_a_16_01_2026_19_35_32_421.toml');
  });

  it('pads every field', () => {
    expect(fileNameTimestamp(new Date(2026, 1, 3, 4, 5, 6, 7))).toBe('03_02_2026_04_05_06_007');
  });

  it('falls back to a fixed name when there is none', () => {
    expect(outputFileName(undefined, START)).toBe(`${FALLBACK_SESSION_NAME}_16_01_2026_19_35_32_421.toml`);
    expect(outputFileName('', START)).toBe(`${FALLBACK_SESSION_NAME}_16_01_2026_19_35_32_421.toml`);
  });

  it('hostile names stay one file inside the output directory', () => {
    const hostile = [
      '..',
      '../../etc/passwd',
      '/etc/passwd',
      '..\\..\\windows',
      'C:\\Windows\\x',
      '.hidden',
      '...',
      'a\u0000b',
      'line\nbreak',
      'tab\t',
      'del\u007f',
      'c1\u0085',
      '<>:"|?*',
      ' ',
      '/',
      '\\',
      'a\ud800b',
      '~',
      '$(rm -rf /)',
    ];
    const dir = resolve('/data/out');
    for (const name of hostile) {
      const file = outputFileName(name, START);
      expect(file, JSON.stringify(name)).toMatch(/_16_01_2026_19_35_32_421\.toml$/);
      expect(file).not.toMatch(/[/\\\x00-\x1f\x7f-\x9f<>:"|?*]/);
      expect(file).not.toContain('..');
      expect(file.startsWith('.')).toBe(false);
      expect(resolve(dir, file)).toBe(join(dir, file));
      expect(basename(join(dir, file))).toBe(file);
    }
  });

  it('examples of neutralised names', () => {
    expect(sanitizeSessionName('../../etc/passwd')).toBe('____etc_passwd');
    expect(sanitizeSessionName('.hidden')).toBe('_hidden');
    expect(sanitizeSessionName('a\u0000b')).toBe('a_b');
    expect(sanitizeSessionName('v1.2 final')).toBe('v1.2_final');
    expect(sanitizeSessionName('ünï 😀')).toBe('ünï_😀');
  });

  it('overlong names are cut to a bounded number of UTF-8 bytes, never inside a character', () => {
    for (const unit of ['a', 'é', '漢', '😀']) {
      const name = sanitizeSessionName(unit.repeat(1000));
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
      expect(Buffer.byteLength(name)).toBeGreaterThan(MAX_NAME_BYTES - 4);
      expect(name).toBe(unit.repeat(name.length / unit.length));
      expect(Buffer.byteLength(outputFileName(unit.repeat(1000), START))).toBeLessThanOrEqual(255);
    }
  });
});

describe('withClashSuffix', () => {
  it('adds _n before .toml from the second name on', () => {
    expect(withClashSuffix('Test_16_01_2026_19_35_32_421.toml', 1)).toBe('Test_16_01_2026_19_35_32_421.toml');
    expect(withClashSuffix('Test_16_01_2026_19_35_32_421.toml', 2)).toBe('Test_16_01_2026_19_35_32_421_2.toml');
    expect(withClashSuffix('Test_16_01_2026_19_35_32_421.toml', 13)).toBe('Test_16_01_2026_19_35_32_421_13.toml');
  });
});
