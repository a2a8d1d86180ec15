/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // A test's timeout catches a hang, not slowness (speed lives in `npm run bench`): jest's 5 s default failed
  // package-modules.test.ts's .rpm case at a load average of 13 with nothing wrong.
  testTimeout: 60_000,
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/kernel-real/'],
};
