/**
 * CRC-32 (src/codec/crc32.ts): the table loop and crc32Of() (zlib's native CRC where Node has one) give
 * the same values, whole or continued piece by piece, for bytes and for strings (as their UTF-8 bytes).
 */
import fc from 'fast-check';
import { crc32, crc32Of } from '../../src/codec/crc32.js';

test('the check value of "123456789" (CRC-32/ISO-HDLC) and of nothing', () => {
  expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  expect(crc32Of('123456789')).toBe(0xcbf43926);
  expect(crc32(new Uint8Array(0))).toBe(0);
  expect(crc32Of('')).toBe(0);
});

test('crc32() and crc32Of() agree on random bytes and strings, whole and continued', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 }), (a, b, s) => {
      const whole = crc32(Buffer.concat([a, b]));
      expect(crc32Of(Buffer.concat([a, b]))).toBe(whole);
      expect(crc32(b, crc32(a))).toBe(whole);
      expect(crc32Of(b, crc32Of(a))).toBe(whole);
      expect(crc32Of(s)).toBe(crc32(Buffer.from(s, 'utf8')));
    }),
    { numRuns: 300, seed: 0x63726333 },
  );
});
