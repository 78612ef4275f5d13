import { functionHandler } from '../aws/handler-chain.js';
import { logger, safeLogData } from '../aws/logger.js';
import { jobDependencies } from './dependencies.js';
import { type JobState, JobInputError } from './job-state.js';
import { runJob } from './run-job.js';

/**
 * The maintenance jobs' function (`switchboard replay --stack`, `switchboard erase --stack`),
 * called in a loop by the jobs state machine: each invocation takes the job's state, works until
 * its time is nearly up, and returns the state brought up to date; the state machine calls it
 * again until `done`. Input it cannot run with fails with a `JobInputError`, which the state
 * machine does not retry. The log names the job and its counts, never the person an erasure is for.
 */
export const handler = functionHandler<unknown, JobState>(async (event, context) => {
  try {
    const state = await runJob(event, jobDependencies, () => context.getRemainingTimeInMillis());
    logger.info('job step done', { job: state.job, dryRun: state.dryRun, counts: state.counts, done: state.done });
    return state;
  } catch (err) {
    if (err instanceof JobInputError) logger.error('job input refused', safeLogData({ error: err.message }));
    throw err;
  }
});
