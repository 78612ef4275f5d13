import type { ErasureSteps } from '../core/lifecycle/erase-run.js';
import { eraseJobStep } from './erase-job.js';
import { type JobState, parseJobState } from './job-state.js';
import { type ReplayJobDependencies, replayJobStep } from './replay-job.js';

/** What the job function runs with, built once per execution environment. */
export interface JobDependencies {
  replay: ReplayJobDependencies;
  erasure: ErasureSteps;
}

/**
 * Time an invocation keeps in hand when it decides whether to take another step: more than the
 * longest step (a Scan page with its replayed deliveries, or one engagement's erasure, each some
 * seconds at most), so the state goes back to the state machine before Lambda's timeout ends
 * the invocation and loses it. The function's timeout (lib/constructs/maintenance-jobs.ts) is
 * several times this.
 */
export const SAFETY_MARGIN_MS = 60_000;

/**
 * One invocation of the job function: the input checked ({@link parseJobState}), then steps of
 * its job until it is done or less than {@link SAFETY_MARGIN_MS} of the invocation is left.
 * Resolves the state for the next invocation (or the result, when `done`).
 */
export async function runJob(input: unknown, deps: JobDependencies, timeLeftMs: () => number): Promise<JobState> {
  const state = parseJobState(input);
  const goOn = () => timeLeftMs() > SAFETY_MARGIN_MS;
  return state.job === 'replay' ? replayJobStep(state, deps.replay, goOn) : eraseJobStep(state, deps.erasure, goOn);
}
