import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createHash } from 'node:crypto';
import type { JobState } from '../../lambdas/jobs/job-state.js';
import { stackOutputs } from './stack-outputs.js';

/**
 * `switchboard replay --stack` and `erase --stack`: the job runs in the deployed stack (its
 * maintenance jobs state machine, lib/constructs/maintenance-jobs.ts), not on this machine;
 * this starts an execution and follows it until it ends. Stopping the command leaves the job
 * running.
 */

/** Names the state machine for `--stack` without asking CloudFormation (a role that may not describe stacks). */
export const JOBS_STATE_MACHINE_ENV = 'SWITCHBOARD_JOBS_STATE_MACHINE_ARN';

/** A job that could not be started or followed; the message says why (exit 1). */
export class StackJobError extends Error {}

/** How an execution ended: its last state, or the error it failed with. */
export type JobOutcome<S extends JobState> =
  | { status: 'SUCCEEDED'; executionArn: string; state: S }
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; executionArn: string; error?: string; cause?: string };

/** Step Functions' limit on an execution name, and the characters it takes without trouble in ARNs and URLs. */
const NAME_LENGTH = 80;
const NAME_UNSAFE = /[^A-Za-z0-9_-]+/g;

/**
 * The execution's name: the job, the department (never the person an erasure is for: names
 * are listed in the console and CloudTrail), the request's time, and a hash of the input. The
 * same request (the same input at the same time) gets the same name, so a StartExecution the
 * SDK sends again after a lost answer finds the execution it started instead of starting a
 * second one.
 */
export function executionName(input: JobState, requestedAt: Date): string {
  const time = requestedAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  const hash = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 12);
  const label = input.job === 'replay' ? `-${input.department.replace(NAME_UNSAFE, '_')}` : '';
  const tail = `-${time}-${hash}`;
  return `${input.job}${label}`.slice(0, NAME_LENGTH - tail.length) + tail;
}

/** The state machine's ARN: `SWITCHBOARD_JOBS_STATE_MACHINE_ARN`, else the stack's `JobsStateMachineArn` output. */
export async function jobsStateMachineArn(
  stack: string,
  outputs: (stack: string) => Promise<Record<string, string>> = stackOutputs,
): Promise<string> {
  const fromEnv = process.env[JOBS_STATE_MACHINE_ENV];
  if (fromEnv) return fromEnv;
  let arn: string | undefined;
  try {
    arn = (await outputs(stack)).JobsStateMachineArn;
  } catch (err) {
    throw new StackJobError(`could not read the outputs of stack ${stack}: ${(err as Error).message}`);
  }
  if (!arn)
    throw new StackJobError(
      `stack ${stack} has no JobsStateMachineArn output: deploy this version of Switchboard to it (or set ${JOBS_STATE_MACHINE_ENV})`,
    );
  return arn;
}

/** The job's state in an execution's (or a step's) output; throws when it is not one. */
export function readJobState<S extends JobState>(output: string | undefined, job: S['job']): S {
  let state: unknown;
  try {
    state = JSON.parse(output ?? '');
  } catch {
    throw new StackJobError(`the ${job} job ended without a readable result`);
  }
  if (typeof state !== 'object' || state === null || (state as { job?: unknown }).job !== job)
    throw new StackJobError(`the ${job} job ended without a readable result`);
  return state as S;
}

/**
 * What a failed execution says, for a person: the error and the function's message (Lambda
 * puts it in the cause as `{ errorMessage, errorType }`), or the cause as it is.
 */
export function failureMessage(outcome: { status: string; error?: string; cause?: string }): string {
  let message = outcome.cause;
  try {
    const parsed = JSON.parse(outcome.cause ?? '') as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // Not JSON: the cause is text already.
  }
  const what = outcome.status === 'FAILED' ? 'failed' : outcome.status === 'TIMED_OUT' ? 'timed out' : 'was stopped';
  return `${what}${outcome.error ? ` (${outcome.error})` : ''}${message ? `: ${message}` : ''}`;
}

/** How {@link runStackJob} runs. */
export interface StackJobRun<S extends JobState> {
  stateMachineArn: string;
  input: S;
  name: string;
  sfn?: SFNClient;
  /** Called once the execution is started. */
  started?: (executionArn: string) => void;
  /** While it runs: the job's latest state (read from the execution's history when allowed). */
  progress?: (state: S) => void;
  /** @default 2000 */
  pollMs?: number;
}

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * Starts the job and polls DescribeExecution every {@link StackJobRun.pollMs} until the
 * execution ends. Throws {@link StackJobError} when it cannot be started or followed (no
 * permission, no such state machine), naming what the caller needs.
 */
export async function runStackJob<S extends JobState>(run: StackJobRun<S>): Promise<JobOutcome<S>> {
  const sfn = run.sfn ?? new SFNClient({});
  try {
    let executionArn: string;
    try {
      ({ executionArn } = (await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: run.stateMachineArn,
          name: run.name,
          input: JSON.stringify(run.input),
        }),
      )) as { executionArn: string });
    } catch (err) {
      throw new StackJobError(startFailure(err as Error, run.stateMachineArn));
    }
    run.started?.(executionArn);
    let showProgress = run.progress !== undefined;
    for (;;) {
      let described: DescribeExecutionCommandOutput;
      try {
        described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      } catch (err) {
        throw new StackJobError(
          `could not follow ${executionArn} (it runs on): ${(err as Error).name}: ${(err as Error).message}`,
        );
      }
      const status = described.status ?? 'RUNNING';
      if (status === 'SUCCEEDED')
        return { status, executionArn, state: readJobState<S>(described.output, run.input.job) };
      if (ENDED.has(status))
        return {
          status: status as 'FAILED' | 'TIMED_OUT' | 'ABORTED',
          executionArn,
          ...(described.error ? { error: described.error } : {}),
          ...(described.cause ? { cause: described.cause } : {}),
        };
      if (showProgress) {
        try {
          const latest = await latestState<S>(sfn, executionArn, run.input.job);
          if (latest) run.progress?.(latest);
        } catch {
          // Progress needs states:GetExecutionHistory; without it the job is followed all the same.
          showProgress = false;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, run.pollMs ?? 2_000));
    }
  } finally {
    if (!run.sfn) sfn.destroy();
  }
}

/** Why StartExecution was refused, with what to do about it. */
function startFailure(err: Error, stateMachineArn: string): string {
  if (err.name === 'AccessDeniedException')
    return `not allowed to start a job on ${stateMachineArn}: ${err.message} (the caller needs states:StartExecution on it, and states:DescribeExecution on its executions)`;
  if (err.name === 'StateMachineDoesNotExist')
    return `no state machine ${stateMachineArn}: is the stack deployed with this version of Switchboard?`;
  return `could not start a job on ${stateMachineArn}: ${err.name}: ${err.message}`;
}

/** The output of the execution's latest finished step, if any. */
async function latestState<S extends JobState>(
  sfn: SFNClient,
  executionArn: string,
  job: S['job'],
): Promise<S | undefined> {
  const { events = [] } = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 20, includeExecutionData: true }),
  );
  const output = events.map(stepOutput).find((o) => o !== undefined);
  return output === undefined ? undefined : readJobState<S>(output, job);
}

const stepOutput = (event: HistoryEvent): string | undefined =>
  event.lambdaFunctionSucceededEventDetails?.output ?? event.taskSucceededEventDetails?.output;
