import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { eraseCommand, eraseJobInput, parseEraseArgs } from '../../../bin/commands/erase.js';
import { replayCommand, replayJobInput } from '../../../bin/commands/replay.js';
import {
  executionName,
  failureMessage,
  JOBS_STATE_MACHINE_ENV,
  jobsStateMachineArn,
  readJobState,
  StackJobError,
} from '../../../bin/commands/stack-jobs.js';
import type { EraseJobState, ReplayJobState } from '../../../lambdas/jobs/job-state.js';

const replay: ReplayJobState = replayJobInput(
  { department: 'legal', dryRun: false },
  { since: '2026-03-01T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' },
);
const erase: EraseJobState = eraseJobInput(
  { author: 'x:42', dryRun: true },
  'dpo@example.com',
  new Date('2026-03-02T08:00:00.123Z'),
);
const at = new Date('2026-03-02T08:00:00.123Z');

describe('replay and erase --stack: the job they start', () => {
  it('passes the request to the job with both ends of the window fixed, and the erasure’s time as its key', () => {
    expect(replay).toEqual({
      job: 'replay',
      department: 'legal',
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-02T00:00:00.000Z',
      dryRun: false,
    });
    expect(erase).toEqual({
      job: 'erase',
      author: 'x:42',
      requestedBy: 'dpo@example.com',
      at: '2026-03-02T08:00:00.123Z',
      dryRun: true,
    });
  });

  it('names an execution the same for the same request, differently for another, without the person', () => {
    expect(executionName(replay, at)).toBe(executionName({ ...replay }, at));
    expect(executionName(replay, at)).toMatch(/^replay-legal-20260302T080000123Z-[0-9a-f]{12}$/);
    expect(executionName({ ...replay, dryRun: true }, at)).not.toBe(executionName(replay, at));
    expect(executionName(replay, new Date(at.getTime() + 1))).not.toBe(executionName(replay, at));
    expect(executionName(erase, at)).toMatch(/^erase-20260302T080000123Z-[0-9a-f]{12}$/);
    expect(executionName(erase, at)).not.toContain('42');
    // Within Step Functions' 80 characters and safe characters, whatever the department is called.
    const long = executionName({ ...replay, department: `ops/${'x'.repeat(100)}` }, at);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+-20260302T080000123Z-[0-9a-f]{12}$/);
  });

  it('reads the job’s last state from the execution output, and refuses anything else', () => {
    const done = { ...replay, counts: { matched: 2, sent: 1, skipped: 1, read: 9 }, done: true };
    expect(readJobState(JSON.stringify(done), 'replay')).toEqual(done);
    expect(() => readJobState(JSON.stringify(done), 'erase')).toThrow(StackJobError);
    expect(() => readJobState(undefined, 'replay')).toThrow(/without a readable result/);
    expect(() => readJobState('not json', 'replay')).toThrow(/without a readable result/);
  });

  it('says why an execution failed with the function’s message, not Lambda’s wrapping', () => {
    const cause = JSON.stringify({ errorType: 'JobInputError', errorMessage: 'no department "x"', trace: [] });
    expect(failureMessage({ status: 'FAILED', error: 'JobInputError', cause })).toBe(
      'failed (JobInputError): no department "x"',
    );
    expect(failureMessage({ status: 'TIMED_OUT', error: 'States.Timeout' })).toBe('timed out (States.Timeout)');
    expect(failureMessage({ status: 'ABORTED', cause: 'stopped by ops' })).toBe('was stopped: stopped by ops');
  });

  it('finds the state machine in the stack outputs, or says the stack has none', async () => {
    const saved = process.env[JOBS_STATE_MACHINE_ENV];
    delete process.env[JOBS_STATE_MACHINE_ENV];
    try {
      expect(await jobsStateMachineArn('Prod', async () => ({ JobsStateMachineArn: 'arn:sm' }))).toBe('arn:sm');
      await expect(jobsStateMachineArn('Prod', async () => ({ TableName: 't' }))).rejects.toThrow(
        /stack Prod has no JobsStateMachineArn output/,
      );
    } finally {
      if (saved !== undefined) process.env[JOBS_STATE_MACHINE_ENV] = saved;
    }
  });
});

describe('erase: the command line', () => {
  it('reads the person, the flags and the stack', () => {
    expect(parseEraseArgs(['--author', 'x:42', '--dry-run', '--stack', 'Prod'])).toEqual({
      author: 'x:42',
      platform: 'x',
      authorId: '42',
      dryRun: true,
      json: false,
      stack: 'Prod',
    });
    expect(parseEraseArgs(['--json', '--author', 'bluesky:did:plc:a'])).toEqual({
      author: 'bluesky:did:plc:a',
      platform: 'bluesky',
      authorId: 'did:plc:a',
      dryRun: false,
      json: true,
    });
  });

  it.each([
    [[], /--author/],
    [['--author', 'nobody'], /--author <platform>:<author id>/],
    [['--author', 'x:42', '--nope'], /unknown option "--nope"/],
    [['--author', 'x:42', '--stack'], /--stack needs a stack name/],
  ])('refuses %j', (args, message) => {
    expect(() => parseEraseArgs(args)).toThrow(message);
  });
});

describe('replay and erase --stack: failures', () => {
  const sfn = mockClient(SFNClient);
  const errors: string[] = [];
  const saved = process.env[JOBS_STATE_MACHINE_ENV];
  beforeEach(() => {
    sfn.reset();
    errors.length = 0;
    process.env[JOBS_STATE_MACHINE_ENV] = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Jobs';
    jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    if (saved === undefined) delete process.env[JOBS_STATE_MACHINE_ENV];
    else process.env[JOBS_STATE_MACHINE_ENV] = saved;
  });

  it('exits 1 naming the error when the execution fails', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1', startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'JobInputError',
      cause: JSON.stringify({
        errorType: 'JobInputError',
        errorMessage: 'no department "press" in the deployed config; departments: legal, care',
      }),
    } as never);
    const code = await replayCommand(['--department', 'press', '--since', '2026-03-01', '--stack', 'Prod']);
    expect(code).toBe(1);
    expect(errors.at(-1)).toBe(
      'switchboard: the replay job to press failed (JobInputError): no department "press" in the deployed config; departments: legal, care (arn:exec:1)',
    );
    // The request as the job needs it: the whole window, and the state machine of the stack.
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(process.env[JOBS_STATE_MACHINE_ENV]);
    expect(JSON.parse(start.input!)).toMatchObject({
      job: 'replay',
      department: 'press',
      since: '2026-03-01T00:00:00.000Z',
    });
    expect(start.name).toMatch(/^replay-press-/);
  });

  it('exits 1 with what the caller needs when it may not start the job', async () => {
    sfn.on(StartExecutionCommand).rejects(
      Object.assign(new Error('User: arn:aws:iam::1:user/sam is not authorized to perform: states:StartExecution'), {
        name: 'AccessDeniedException',
      }),
    );
    const code = await eraseCommand(['--author', 'x:42', '--stack', 'Prod']);
    expect(code).toBe(1);
    expect(errors.at(-1)).toMatch(
      /^switchboard: not allowed to start a job on arn:aws:states:.*:stateMachine:Jobs: User: .* not authorized .* \(the caller needs states:StartExecution on it, and states:DescribeExecution on its executions\)$/,
    );
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});
