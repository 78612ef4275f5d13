// Layering rules, checked by `npm run lint:layers` (part of `npm test`). See docs/design.md, "Code layout".
//
// The domain core (lambdas/core) is a stack of floors: a folder may import its own files and
// the floors below it, never one above or beside it. The core imports nothing from AWS, the
// handlers, the AWS adapters (lambdas/aws), the twin, the CDK app or the CLI, so it runs and
// is tested without any of them.
const FLOORS = [
  ['shared'],
  ['patterns'],
  ['engagement'],
  ['config', 'intake', 'enrichment', 'platforms', 'assignments'],
  ['routing', 'polling', 'voice'],
  ['lifecycle'],
  ['replies'],
  ['audit'],
  ['management'],
  ['simulate'],
  ['rules'],
];

const floorRules = FLOORS.flatMap((folders, level) => {
  const notBelow = FLOORS.slice(level).flat();
  return folders.map((folder) => ({
    name: `core-floor-${folder}`,
    comment: `lambdas/core/${folder} may only import its own folder and the floors below it (${FLOORS.slice(0, level).flat().join(', ') || 'none'})`,
    severity: 'error',
    from: { path: `^lambdas/core/${folder}/` },
    to: { path: `^lambdas/core/(${notBelow.filter((f) => f !== folder).join('|')})/` },
  }));
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other (directly or round a loop) cannot be read, tested or bundled apart.',
      severity: 'error',
      from: { path: '^(lambdas|local|lib|bin)/' },
      to: { circular: true },
    },
    {
      name: 'core-without-aws',
      comment:
        'The domain core has no AWS import: the AWS SDK, Powertools and middy belong to the handlers and lambdas/aws.',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '^node_modules/(@aws-sdk|@aws-lambda-powertools|@middy|aws-cdk-lib|constructs)/' },
    },
    {
      name: 'core-stays-inside',
      comment:
        'The domain core does not reach out to the handlers, the AWS adapters, the twin, the CDK app or the CLI.',
      severity: 'error',
      from: { path: '^lambdas/core/' },
      to: { path: '^(lambdas/(aws|webhook|process|publish|poller)|local|lib|bin)/' },
    },
    {
      name: 'functions-not-from-twin-or-cli',
      comment: 'What is deployed (lambdas/) never imports the local twin or the CLI.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '^(local|bin)/' },
    },
    ...floorRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a floor that needs a type from above is a floor in the wrong place.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
