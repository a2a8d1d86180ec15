// globalSetup of jest.kernel.config.js: run the real kbuild/modpost oracle (6.1 on the host, 6.12 in the
// trixie chroot, 7.x in the unstable chroot) once before the suite.
// Runs whose inputs did not change are reused from .cache/kernels/oracle, so a warm start costs < 1 s.
import { runOracle } from '../../scripts/kbuild-oracle.mjs';

export default async function globalSetup() {
  const t0 = Date.now();
  for (const target of ['6.1', '6.12', '7.2']) {
    const s = await runOracle({ target, quiet: true, jobs: 2 });
    process.stderr.write(
      `\n[kernel-real] kbuild oracle ${target}: ${s.runs} runs over ABIs ${s.abis.join(', ')} (${s.rebuilt} rebuilt) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  }
}
