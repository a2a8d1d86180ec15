/**
 * Output piped into a reader that leaves early (`| head -3`): the run ends quietly — no EPIPE, no stack
 * trace — with the exit status its verdicts give, for every command and format with outputs that large
 * (check, exports, matrix, diff; explain and dkms print through the same writer). Each output here is far
 * bigger than a pipe's buffer (64 KiB), so the reader really is gone before ksymcheck has written it all.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS, SEED } from '../helpers/fixtures.js';

/** `ksymcheck <args> | head -3` in bash: what head printed, ksymcheck's stderr and exit status. */
function throughHead(args: string[]): { head: string; stderr: string; status: number; bytes: number } {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // ksymcheck's stderr goes to a file of its own; PIPESTATUS[0] is ksymcheck's exit status
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-pipe-'));
  try {
    const script = `node '${CLI}' ${quoted} 2>'${dir}/stderr' | head -3; echo "status=\${PIPESTATUS[0]}"; cat '${dir}/stderr' >&2; node '${CLI}' ${quoted} 2>/dev/null | wc -c`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('status='));
    return { head: lines.slice(0, at).join('\n'), status: Number(lines[at].slice(7)), stderr: r.stderr, bytes: Number(lines[at + 1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('output piped into head', () => {
  const KERNEL_5_4 = join(CORPUS, 'oversize', '15-linux_5.4.symvers'); // 11,129 exports
  let tree: string;
  beforeAll(() => {
    // 600 copies of the seed module, each failing gpl-only against the 4.18-rc5 kernel
    tree = mkdtempSync(join(tmpdir(), 'ksymcheck-pipe-tree-'));
    for (let i = 0; i < 600; i++) copyFileSync(join(SEED, 'openafs', 'libafs.ko'), join(tree, `afs${String(i).padStart(3, '0')}.ko`));
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  test('exports (symvers): three lines, status 0, nothing on stderr', () => {
    const r = throughHead(['exports', '--kernel', KERNEL_5_4]);
    expect(r.bytes).toBeGreaterThan(256 * 1024);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.head.split('\n')).toEqual([
      '0x00000000\tipv6_chk_custom_prefix\tvmlinux\tEXPORT_SYMBOL\t',
      '0x00000000\tflow_indr_add_block_ing_cb\tvmlinux\tEXPORT_SYMBOL_GPL\t',
      '0x00000000\tcros_ec_check_result\tvmlinux\tEXPORT_SYMBOL\t',
    ]);
  });

  test('exports (json): status 0, nothing on stderr', () => {
    const r = throughHead(['exports', '--kernel', KERNEL_5_4, '--format', 'json']);
    expect(r.bytes).toBeGreaterThan(256 * 1024);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.head.split('\n')).toEqual(['{', '  "release": null,', '  "exports": [']);
  });

  test.each([
    ['text', []],
    ['text --verbose', ['--verbose']],
    ['json', ['--format', 'json']],
  ])('check (%s): the verdicts\' status 1, nothing on stderr', (_name, extra) => {
    const r = throughHead(['check', '--kernel', join(SEED, 'kernels', '4.18-rc5'), '--stage', 'build', ...extra, tree]);
    expect(r.bytes).toBeGreaterThan(80 * 1024); // the compact text: 600 lines of ~140 bytes
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.head.split('\n')).toHaveLength(3);
  });

  test.each([
    ['text', []],
    ['json', ['--format', 'json']],
  ])('matrix (%s) of the tree against 4.18-rc5 and 4.18: status 1 (rc5 fails), nothing on stderr', (_name, extra) => {
    const r = throughHead(['matrix', '--kernel', join(SEED, 'kernels', '4.18-rc5'), '--kernel', join(SEED, 'kernels', '4.18'), ...extra, tree]);
    expect(r.bytes).toBeGreaterThan(80 * 1024);
    expect([r.stderr, r.status]).toEqual(['', 1]);
    expect(r.head.split('\n')).toHaveLength(3);
  }, 120_000);

  test.each([
    ['text', []],
    ['json', ['--format', 'json']],
  ])('diff (%s) of the seed kernel and an 11,129-export Module.symvers: status 0, nothing on stderr', (_name, extra) => {
    const r = throughHead(['diff', '--from', join(SEED, 'kernels', '4.18'), '--to', KERNEL_5_4, ...extra]);
    expect(r.bytes).toBeGreaterThan(256 * 1024);
    expect([r.stderr, r.status]).toEqual(['', 0]);
    expect(r.head.split('\n')).toHaveLength(3);
  }, 120_000);
});
