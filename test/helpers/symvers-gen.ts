/**
 * A generated Module.symvers in the modern layout, large enough for the on-disk index
 * (src/kernel/symvers-cache.ts), with what its look-ups must get right: duplicates, a CRLF line and two
 * names whose hashes collide.
 */
import { hashRange } from '../../src/kernel/symvers-index.js';

/** Two names with the same hashRange(): the first in the file, the second never (a probe whose hash is there). */
function collision(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const n = `clash_${i}`;
    const h = hashRange(n, 0, n.length);
    const other = seen.get(h);
    if (other !== undefined) return [other, n];
    seen.set(h, n);
  }
}
export const [CLASH, CLASH_ABSENT] = collision();

/**
 * A modern-layout Module.symvers of `lines` lines and more than MIN_BYTES: exports of vmlinux and modules,
 * both types, namespaces, CRCs 0 and not, a name exported twice (the first line wins), a CRLF line, and
 * CLASH.
 */
export function symversText(lines = 1500): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const crc = i % 7 === 0 ? 0 : (Math.imul(i + 1, 0x9e3779b1) >>> 0);
    const owner = i % 5 === 0 ? `drivers/net/mod_${i % 13}` : 'vmlinux';
    const type = i % 3 === 0 ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL';
    const ns = i % 11 === 0 ? 'USB_STORAGE' : '';
    out.push(`0x${crc.toString(16).padStart(8, '0')}\tsym_${i}\t${owner}\t${type}\t${ns}${i === 40 ? '\r' : ''}\n`);
  }
  out.splice(700, 0, `0x0badcafe\t${CLASH}\tvmlinux\tEXPORT_SYMBOL\t\n`);
  out.push('0x12345678\tsym_5\tdrivers/other/again\tEXPORT_SYMBOL\t\n'); // sym_5 again: line 6 wins
  return out.join('');
}

