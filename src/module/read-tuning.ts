/**
 * How a module file's bytes are fetched, shared by the readers that fetch them (read.ts opens, deferred.ts
 * prefetches the fact sections, relocation-scan.ts reads the relocation tables ahead).
 *
 * How a module file is read (plain files): sections closer than `mergeGap` bytes are read in one call
 * (the gap read and dropped), and `tableLead` bytes before the section header table come with it (see
 * OpenOptions), and when the file ends within `tableTrail` bytes after the table, those too (a signed module's
 * signature: three reads fewer). A module is ~15 small sections and ~10 relocation tables: one read each
 * was 16 reads per module, 64,700 for Debian's tree; now 6 (signed: 6, was 9). Tests set them to 0 to see
 * which sections are asked for.
 */
export const readTuning = { mergeGap: 4096, tableLead: 4096, tableTrail: 8192 };
