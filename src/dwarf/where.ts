/**
 * A frame of an inline chain, and how people name its place. Apart from the reader (frames.ts) so that
 * the text report, which prints frames, does not load the DWARF reader with it (CLI start-up).
 */

export interface Frame {
  function: string;
  file: string;
  line: number;
  /** Omitted when the producer recorded none (0). */
  column?: number;
}

/**
 * A frame's file as people name it: from its first `include/` or `arch/` component on (a kernel
 * header: `include/linux/mm.h`), else the file's own name (the module's source: `osi_vm.c`).
 */
export function shortPath(file: string): string {
  const m = /(?:^|\/)((?:include|arch)\/.*)$/.exec(file);
  if (m) return m[1];
  const slash = file.lastIndexOf('/');
  return slash >= 0 ? file.slice(slash + 1) : file;
}

/** `file:line` for people. */
export function frameWhere(f: Frame): string {
  return `${shortPath(f.file)}:${f.line}`;
}
