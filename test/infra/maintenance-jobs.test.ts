import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { loadConfig, parseConfig } from '#core/config/load-config.js';
import { bundledConfigDefines, functionEsbuildOptions } from '#lib/constructs/function-bundling.js';
import { SwitchboardStack } from '#lib/switchboard-stack.js';

const featureFlags = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, unknown> }).context;

/** Synthesizes as test/infra/stack.test.ts does: cdk.json's flags, bundling skipped. */
function synth(withNag = false) {
  const app = new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
  const stack = new SwitchboardStack(app, 'Switchboard', {
    config: parseConfig(readFileSync('config/switchboard.yaml', 'utf8')),
  });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const template = Template.fromStack(synth().stack);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** The logical id of the one function whose description names the jobs state machine. */
function jobFunctionId(): string {
  const ids = Object.keys(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('for the jobs state machine') },
    }),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** Statements of the inline policies attached to a role. */
function roleStatements(roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** The state machine's definition, with the function's ARN put back as `<fn>`. */
function definition(): { StartAt: string; TimeoutSeconds: number; States: Record<string, Record<string, unknown>> } {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const parts = (machine!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts.map((p) => (typeof p === 'string' ? p : '"<fn>"')).join('');
  return JSON.parse(text.replaceAll('""<fn>""', '"<fn>"'));
}

describe('maintenance jobs (replay and erase on AWS)', () => {
  it('passes cdk-nag AwsSolutions with every acknowledgement justified', () => {
    const { app } = synth(true);
    expect(() => app.synth()).not.toThrow();
  });

  it('calls the job function in a loop until it returns done, failing at once on refused input', () => {
    const { StartAt, States, TimeoutSeconds } = definition();
    const step = States[StartAt]!;
    expect(step).toMatchObject({ Type: 'Task', Resource: '<fn>', Next: 'Done?' });
    const choice = States['Done?'] as { Type: string; Choices: { Next: string }[]; Default: string };
    expect(choice.Type).toBe('Choice');
    // Not done: the same step again, with the state it returned.
    expect(choice.Default).toBe(StartAt);
    expect(States[choice.Choices[0]!.Next]).toMatchObject({ Type: 'Succeed' });
    expect(JSON.stringify(choice.Choices[0])).toContain('"Variable":"$.done","BooleanEquals":true');
    // Hours, not the default of a year.
    expect(TimeoutSeconds).toBeGreaterThanOrEqual(3_600);
    expect(TimeoutSeconds).toBeLessThanOrEqual(24 * 3_600);

    const retries = step.Retry as { ErrorEquals: string[]; MaxAttempts?: number }[];
    expect(retries.map((r) => r.ErrorEquals)).toEqual([
      expect.arrayContaining(['Lambda.ServiceException', 'Lambda.SdkClientException']),
      ['JobInputError'],
      ['States.ALL'],
    ]);
    expect(retries[1]!.MaxAttempts).toBe(0);
    expect(retries[2]!.MaxAttempts).toBeGreaterThan(0);
  });

  it('logs every state change to an encrypted log group without the states’ data, and traces with X-Ray', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/Switchboard-jobs',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobsLogKey'), 'Arn'] },
    });
  });

  it('lets the job function use the table and nothing else, with no wildcard action or resource', () => {
    const fnId = jobFunctionId();
    const role = (template.toJSON().Resources[fnId].Properties.Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    const statements = roleStatements(role);
    const dynamodb = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
    for (const s of dynamodb) {
      // The table itself: no `*`, no other table, no index it does not read.
      expect([s.Resource].flat()).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^EngagementsTable/), 'Arn'] }]);
    }
    // Besides the table, only X-Ray (which has no resource-level permissions).
    const others = statements.filter((s) => !dynamodb.includes(s)).flatMap((s) => [s.Action].flat());
    expect(others.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(statements.flatMap((s) => [s.Action].flat()).some((a) => a.endsWith(':*') || a === '*')).toBe(false);
  });

  it('lets the state machine invoke only the job function', () => {
    const fnId = jobFunctionId();
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const role = (machine!.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const invoke = roleStatements(role).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke.flatMap((s) => [s.Resource].flat()))).toBe(
      JSON.stringify([{ 'Fn::GetAtt': [fnId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] }]),
    );
  });

  it('gives the job function the deployed config and the table, with a timeout past its safety margin', () => {
    const fn = template.toJSON().Resources[jobFunctionId()].Properties;
    expect(fn.Environment.Variables.TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^EngagementsTable/) });
    // The function keeps a minute in hand (lambdas/jobs/run-job.ts): most of its time is work.
    expect(fn.Timeout).toBeGreaterThanOrEqual(180);
  });

  it('names the state machine in the stack outputs, for the CLI', () => {
    template.hasOutput('JobsStateMachineArn', { Value: { Ref: Match.stringLikeRegexp('^JobsStateMachine') } });
  });

  it('bundles the job function with the config as data: no YAML parser, no config schema, no file reading', () => {
    const result = buildSync(
      functionEsbuildOptions({
        entryPoints: ['lambdas/jobs/handler.ts'],
        write: false,
        outfile: 'out.mjs',
        metafile: true,
        sourcemap: false,
        define: bundledConfigDefines({ ...loadConfig('config/switchboard.yaml'), path: 'switchboard.yaml (bundled)' }),
        logLevel: 'silent',
      }),
    );
    const files = Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs);
    expect(files).toContain('lambdas/jobs/handler.ts');
    expect(
      files.filter(
        (f) =>
          f.includes('node_modules/yaml/') || f.endsWith('config/config.schema.ts') || f.endsWith('load-config.ts'),
      ),
    ).toEqual([]);
  });
});
