/**
 * The user's cache directory for ksymcheck: where the command line keeps what a run may reuse (V8's code
 * cache of the program, ./code-cache.ts; a kernel's Module.symvers index, src/kernel/symvers-cache.ts).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** `${XDG_CACHE_HOME:-~/.cache}/ksymcheck` (an XDG_CACHE_HOME that is not absolute is ignored, as the spec says); undefined without a home. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'ksymcheck');
  let home: string;
  try {
    home = env.HOME || homedir();
  } catch {
    return undefined;
  }
  return home && isAbsolute(home) ? join(home, '.cache', 'ksymcheck') : undefined;
}

/** Where `check`, `matrix` and `dkms` keep Module.symvers indexes: the user's cache directory; none with KSYMCHECK_SYMVERS_CACHE=0. */
export function symversCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.KSYMCHECK_SYMVERS_CACHE === '0' ? undefined : userCacheDir(env);
}
