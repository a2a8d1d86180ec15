/**
 * Reports the formatter tests share: the v6 sample modules against the "6.16" sample kernel (passes,
 * namespace, module-only and unresolved findings at both stages, references with function+offset), the
 * compressed OpenAFS-like module (.ko.xz) and a file that is not ELF (an entry in `errors`). Module paths
 * are relative to the working directory, as a user types them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { check } from '../../src/check.js';
import type { Report } from '../../src/report/schema.js';
import { sample } from '../helpers/fixtures.js';

export async function variedReport(): Promise<Report> {
  const bad = join(mkdtempSync(join(tmpdir(), 'ksymcheck-report-')), 'broken.ko');
  writeFileSync(bad, 'not an ELF file\n');
  return check({
    kernel: sample('v6', 'kernels', '6.16'),
    modules: [relative(process.cwd(), sample('v6', 'modules')), relative(process.cwd(), sample('compressed', 'xz-crc32', 'libafs.ko.xz')), bad],
  });
}
