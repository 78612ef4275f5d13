import { detectSpikes } from '../core/management/detect-spikes.js';
import { functionHandler } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { spikeDependencies } from './dependencies.js';

/** Every minute (docs/management.md, "Spikes"): each spike entry against its baseline, and crisis mode's auto end. */
export const handler = functionHandler<unknown, void>(async () => {
  if (spikeDependencies.spikes.length === 0 && !spikeDependencies.playbook?.autoEnd) return;
  const outcome = await detectSpikes(spikeDependencies);
  if (outcome.raised.length || outcome.crisis)
    logger.info('spike detection', { raised: outcome.raised.map((s) => s.spike), crisis: outcome.crisis });
});
