/**
 * The run's name table (src/module/names.ts): internBytes() of a name's bytes gives the id internId()
 * gives its latin1 decoding, whichever way the name was met first.
 */
import { internBytes, internId, nameId, nameOf } from '../../src/module/names.js';

test('a name met as bytes first, then as a string, and the other way round, has one id', () => {
  const table = Buffer.from('\0bytes_first_7f3a\0string_first_7f3a\0', 'latin1');
  const a = internBytes(table, 1, 17);
  expect(nameOf(a)).toBe('bytes_first_7f3a');
  expect(internId('bytes_first_7f3a')).toBe(a);
  expect(internBytes(table, 1, 17)).toBe(a);

  const b = internId('string_first_7f3a');
  expect(internBytes(table, 18, 35)).toBe(b);
  expect(internBytes(Buffer.from('string_first_7f3a', 'latin1'), 0, 17)).toBe(b);
  expect(b).not.toBe(a);
});

test('bytes above 0x7f are their latin1 characters; a name no bytes can spell keeps an id of its own', () => {
  const bytes = Buffer.from([0x6e, 0xe9, 0x5f, 0xff, 0x31]);
  const id = internBytes(bytes, 0, 5);
  expect(nameOf(id)).toBe('n\u00e9_\u00ff1');
  expect(nameId('n\u00e9_\u00ff1')).toBe(id);
  // U+0101 has no latin1 byte: Buffer writes it as 0x01, a different name
  const wide = internId('n\u0101_names_test');
  const narrow = internBytes(Buffer.from('n\u0101_names_test', 'latin1'), 0, 14);
  expect(nameOf(narrow)).toBe('n\u0001_names_test');
  expect(narrow).not.toBe(wide);
});
