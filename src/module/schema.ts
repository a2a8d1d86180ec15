/** zod schemas for the records read from a module's `.modinfo`. */
import { z } from 'zod';

export const modinfoSchema = z.object({
  key: z
    .string()
    .min(1, 'empty key')
    .regex(/^[A-Za-z0-9_.\-]+$/, 'key is not a modinfo identifier'),
  value: z.string(),
});
