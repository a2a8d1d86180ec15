/**
 * zod, loaded on first use. Records are checked by hand-written tests that a property test holds equal to
 * the zod schemas (kernel/symvers.ts, module/modinfo.ts); zod itself runs only to word the message for a
 * record that failed. Loading it eagerly cost a one-module run ~35 ms of its ~200 (755 kB of code to
 * compile and initialise), so the command line loads it only when an input is bad. The report's schema
 * (report/schema.ts) is for library users and tests, and imports zod as usual.
 */
import { createRequire } from 'node:module';
import type * as Zod from 'zod';

let loaded: typeof Zod.z | undefined;

export function zod(): typeof Zod.z {
  if (!loaded) loaded = (createRequire(import.meta.url)('zod') as typeof Zod).z;
  return loaded;
}
