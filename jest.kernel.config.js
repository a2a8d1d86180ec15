/**
 * The real-kernel differential suite (test/kernel-real/): needs Debian's 6.1 kernel packages, installed by
 * `npm run fetch-kernels`; its globalSetup runs the real kbuild/modpost oracle (scripts/kbuild-oracle.mjs,
 * cached in .cache/kernels). Run with `npm run test:kernel`. See docs/real-kernel-suite.md.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/kernel-real/**/*.test.ts'],
  globalSetup: '<rootDir>/test/kernel-real/global-setup.mjs',
  // One suite reads ~4,000 modules; the machine has 2 cores.
  maxWorkers: 2,
  testTimeout: 15 * 60 * 1000,
};
