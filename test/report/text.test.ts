/**
 * The text report's folder of a run's modules (what each module's label is cut to), for paths that share
 * all, some or none of their folders — an absolute path beside a relative one shares none (this looped
 * for ever once: the parent of '/' was '/').
 */
import { commonFolder } from '../../src/report/text.js';

describe('commonFolder', () => {
  test.each([
    [[], ''],
    [['a.ko'], ''],
    [['/tmp/a.ko'], '/tmp/'],
    [['/tmp/a.ko', 'samples/m/b.ko'], ''],
    [['samples/m/b.ko', '/tmp/a.ko'], ''],
    [['/tmp/a.ko', '/usr/b.ko'], '/'],
    [['/tmp/x/a.ko', '/tmp/y/b.ko', '/tmp/x/c.ko'], '/tmp/'],
    [['m/x/a.ko', 'm/x/b.ko'], 'm/x/'],
    [['m/x/a.ko', 'n/x/b.ko'], ''],
    [['mm/a.ko', 'm/b.ko'], ''],
    [['/a.ko', 'b.ko'], ''],
  ] as Array<[string[], string]>)('%j → %j', (paths, folder) => {
    expect(commonFolder(paths)).toBe(folder);
  });
});
