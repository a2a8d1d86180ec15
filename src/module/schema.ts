/** zod schemas for the records read from a module's `.modinfo` (built, and zod loaded, on first use). */
import { zod } from '../zod.js';

function buildModinfoSchema() {
  const z = zod();
  return z.object({
    key: z
      .string()
      .min(1, 'empty key')
      .regex(/^[A-Za-z0-9_.\-]+$/, 'key is not a modinfo identifier'),
    value: z.string(),
  });
}

let schema: ReturnType<typeof buildModinfoSchema> | undefined;

export function modinfoSchema(): ReturnType<typeof buildModinfoSchema> {
  return (schema ??= buildModinfoSchema());
}
