/**
 * elfutils' eu-addr2line as the independent oracle for frames: `eu-addr2line -a -i -f --section=S
 * OFF… -e FILE`, its output parsed into the same { function, file, line, column? } frames, innermost first.
 */
import { execFileSync } from 'node:child_process';
import type { Frame } from '../../src/dwarf/frames.js';

export function haveAddr2line(): boolean {
  try {
    execFileSync('eu-addr2line', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function parseSource(s: string): { file: string; line: number; column?: number } {
  const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`eu-addr2line: cannot parse source line '${s}'`);
  const col = m[3] === undefined ? 0 : Number(m[3]);
  return col > 0 ? { file: m[1], line: Number(m[2]), column: col } : { file: m[1], line: Number(m[2]) };
}

/**
 * Frames per offset of one section. An address eu-addr2line knows nothing of ("??" and "??:0") comes out
 * undefined; otherwise the frames it prints.
 */
export function addr2lineFrames(file: string, section: string, offsets: number[]): Array<Frame[] | undefined> {
  return addr2lineAt(file, offsets.map((o) => `0x${o.toString(16)}`), section);
}

/** The same for addresses as eu-addr2line takes them: `symbol+0xoff`, or offsets in `section`. */
export function addr2lineAt(file: string, addresses: string[], section?: string): Array<Frame[] | undefined> {
  const out: Array<Frame[] | undefined> = [];
  for (let i = 0; i < addresses.length; i += 2000) {
    const chunk = addresses.slice(i, i + 2000);
    const text = execFileSync('eu-addr2line', ['-a', '-i', '-f', ...(section ? [`--section=${section}`] : []), '-e', file, ...chunk], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
    const blocks: string[][] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (/^0x[0-9a-f]+$/.test(line)) blocks.push([]);
      else blocks[blocks.length - 1].push(line);
    }
    if (blocks.length !== chunk.length) throw new Error(`eu-addr2line printed ${blocks.length} blocks for ${chunk.length} addresses`);
    for (const b of blocks) {
      const name = b[0].split(' inlined at ')[0];
      if (name === '??' && b[1] === '??:0' && b.length === 2) {
        out.push(undefined);
        continue;
      }
      const frames: Frame[] = [{ function: name, ...parseSource(b[1]) }];
      for (let k = 2; k + 1 < b.length; k += 2) frames.push({ function: b[k], ...parseSource(b[k + 1]) });
      out.push(frames);
    }
  }
  return out;
}
