/**
 * deriveVermagic(): the preempt word by version (include/linux/vermagic.h, read in 6.1.192, 6.12.117 and
 * 7.2.13: before 6.13 CONFIG_PREEMPT_BUILD is tested first, from 6.13 CONFIG_PREEMPT_RT).
 */
import { deriveVermagic } from '../../src/kernel/vermagic.js';
import { kv } from '../../src/kernel/version.js';

const RT = new Map(
  Object.entries({ CONFIG_X86_64: 'y', CONFIG_SMP: 'y', CONFIG_PREEMPT_BUILD: 'y', CONFIG_PREEMPT_RT: 'y', CONFIG_MODULE_UNLOAD: 'y', CONFIG_MODVERSIONS: 'y' }),
);

describe('vermagic preempt word', () => {
  test('an rt kernel with PREEMPT_BUILD too: "preempt" before 6.13 (Debian 6.12 rt), "preempt_rt" from 6.13', () => {
    expect(deriveVermagic('6.12.117+deb13-rt-amd64', RT, kv('6.12.117'))).toBe('6.12.117+deb13-rt-amd64 SMP preempt mod_unload modversions ');
    expect(deriveVermagic('6.13.0-rt', RT, kv('6.13.0'))).toBe('6.13.0-rt SMP preempt_rt mod_unload modversions ');
    expect(deriveVermagic('7.2.13+deb14-rt-amd64', RT, kv('7.2.13'))).toBe('7.2.13+deb14-rt-amd64 SMP preempt_rt mod_unload modversions ');
  });

  test('unknown version: the newest order; PREEMPT_RT alone is preempt_rt at every version', () => {
    expect(deriveVermagic('x', RT)).toBe('x SMP preempt_rt mod_unload modversions ');
    const rtOnly = new Map(RT);
    rtOnly.delete('CONFIG_PREEMPT_BUILD');
    expect(deriveVermagic('6.1.0', rtOnly, kv('6.1.0'))).toBe('6.1.0 SMP preempt_rt mod_unload modversions ');
  });
});
