// Tests run as native ESM (the project is "type": "module") on the Node the Lambdas run on
// (node_modules/.bin/node, installed from the `node` package). @swc/jest strips types only;
// `npm run typecheck` does the type checking once for the whole tree.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // package.json "imports" (#core/…), as Node, tsx, esbuild and TypeScript read them
    '^#core/(.*)\\.js$': '<rootDir>/lambdas/core/$1',
    '^#aws/(.*)\\.js$': '<rootDir>/lambdas/aws/$1',
    '^#local/(.*)\\.js$': '<rootDir>/local/$1',
    '^#lib/(.*)\\.js$': '<rootDir>/lib/$1',
    '^#events/(.*)\\.js$': '<rootDir>/events/$1',
    '^#test-support/(.*)\\.js$': '<rootDir>/test/support/$1',
  },
  testEnvironment: 'node',
};

export default {
  // Integration tests wait for messages to cross the twin (webhook → SQS → process → EventBridge
  // → SQS); Jest reads the timeout from the top level only, not from a project.
  testTimeout: 60_000,
  projects: [
    // unit: the domain core and adapters in memory; no socket, no process (enforced).
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/no-io-guard.ts'],
    },
    // component: one part at a time with real loopback servers or child processes (never the whole twin).
    { ...common, displayName: 'component', testMatch: ['<rootDir>/test/component/**/*.test.ts'] },
    { ...common, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
