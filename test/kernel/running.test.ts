/**
 * Without --kernel, the running kernel's build, where DKMS and kmod look: /lib/modules/<release>/build,
 * then /boot/symvers-<release>.gz, then /lib/modules/<release>/symvers.gz; none: an error naming each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/errors.js';
import { runningKernel } from '../../src/kernel/locate.js';
import { CLI, sample } from '../helpers/fixtures.js';

const REL = '6.1.0-99-amd64';
const K61 = sample('v6', 'kernels', '6.1');

function root(files: Array<'build' | 'boot' | 'lib'>): string {
  const r = mkdtempSync(join(tmpdir(), 'ksymcheck-root-'));
  mkdirSync(join(r, 'lib', 'modules', REL), { recursive: true });
  mkdirSync(join(r, 'boot'));
  const gz = gzipSync(readFileSync(join(K61, 'Module.symvers')));
  if (files.includes('build')) symlinkSync(K61, join(r, 'lib', 'modules', REL, 'build'));
  if (files.includes('boot')) writeFileSync(join(r, 'boot', `symvers-${REL}.gz`), gz);
  if (files.includes('lib')) writeFileSync(join(r, 'lib', 'modules', REL, 'symvers.gz'), gz);
  return r;
}

describe('runningKernel', () => {
  test.each([
    [['build', 'boot', 'lib'], ['lib', 'modules', REL, 'build']],
    [['boot', 'lib'], ['boot', `symvers-${REL}.gz`]],
    [['lib'], ['lib', 'modules', REL, 'symvers.gz']],
  ] as const)('with %j present: %j', (present, expected) => {
    const r = root([...present]);
    expect(runningKernel({ release: REL, root: r })).toBe(join(r, ...expected));
  });

  test('none present: an input error listing the three paths tried', () => {
    const r = root([]);
    const tried = [join(r, 'lib', 'modules', REL, 'build'), join(r, 'boot', `symvers-${REL}.gz`), join(r, 'lib', 'modules', REL, 'symvers.gz')];
    expect(() => runningKernel({ release: REL, root: r })).toThrow(
      new InputError(
        `running kernel ${REL}`,
        `no --kernel given, and no build of it was found: tried ${tried.join(', ')}; install its headers package, or name a kernel build or headers directory, a Module.symvers or a vmlinux with --kernel`,
      ),
    );
  });

  test('a dangling build link (headers package removed) is passed over', () => {
    const r = root(['lib']);
    symlinkSync('/nonexistent/linux-headers', join(r, 'lib', 'modules', REL, 'build'));
    expect(runningKernel({ release: REL, root: r })).toBe(join(r, 'lib', 'modules', REL, 'symvers.gz'));
  });

  test('the CLI without --kernel uses the running kernel (uname -r), or says what it tried', () => {
    const rel = release();
    const tried = [`/lib/modules/${rel}/build`, `/boot/symvers-${rel}.gz`, `/lib/modules/${rel}/symvers.gz`];
    const found = tried.find((p) => existsSync(p));
    const r = spawnSync(process.execPath, [CLI, '--stage', 'build', '--format', 'json', sample('v6', 'modules', 'ns-imported', 'ns-imported.o')], { encoding: 'utf8' });
    if (found === undefined) {
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
      expect(r.stderr).toBe(
        `ksymcheck: running kernel ${rel}: no --kernel given, and no build of it was found: tried ${tried.join(', ')}; ` +
          'install its headers package, or name a kernel build or headers directory, a Module.symvers or a vmlinux with --kernel\n',
      );
    } else {
      expect(JSON.parse(r.stdout).kernel.source).toBe(found);
    }
  });
});
