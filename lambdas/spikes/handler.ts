import { detectSpikes } from '../core/management/detect-spikes.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CRISIS_PARTITION, type CrisisState } from '../core/management/crisis.js';
import { functionHandler, metrics } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { spikeDependencies } from './dependencies.js';

/** Every minute (docs/management.md, "Spikes"): each spike entry against its baseline, and crisis mode's auto end. */
export const handler = functionHandler<unknown, void>(async () => {
  const outcome =
    spikeDependencies.spikes.length === 0 && !spikeDependencies.playbook?.autoEnd
      ? { raised: [] }
      : await detectSpikes(spikeDependencies);
  if (outcome.raised.length || 'crisis' in outcome)
    logger.info('spike detection', { raised: outcome.raised.map((s) => s.spike), crisis: outcome.crisis });
  // For the dashboard: spikes raised, and whether crisis mode is on (one read a minute).
  metrics.addMetric('SpikesDetected', MetricUnit.Count, outcome.raised.length);
  const crisis = await spikeDependencies.store.read<CrisisState>(CRISIS_PARTITION);
  metrics.addMetric('CrisisActive', MetricUnit.Count, crisis?.active ? 1 : 0);
});
