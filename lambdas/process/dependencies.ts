import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ProcessDependencies } from '../core/lifecycle/process-deliveries.js';
import { loadAdapter } from '../core/platforms/adapter-loader.js';
import { createRouter } from '../core/routing/router.js';
import { bundledConfig } from '../aws/bundled-config.js';
import { DynamoDbCaseStore } from '../aws/dynamodb-case-store.js';
import { DynamoDbEngagementStore } from '../aws/dynamodb-engagement-store.js';
import { crisisReader, DynamoDbGovernanceStore } from '../aws/dynamodb-governance-store.js';
import { requireEnv } from '../aws/env.js';
import { logger, safeLogData } from '../aws/logger.js';
import { WORKER_CLIENT_OPTIONS } from '../aws/sdk-client-options.js';

const rawRetentionDays = Number(requireEnv('RAW_RETENTION_DAYS'));
if (!Number.isInteger(rawRetentionDays) || rawRetentionDays < 1)
  throw new Error('RAW_RETENTION_DAYS must be a whole number of days (at least 1)');

// Local enrichment stays on the synchronous path it has always used. The cloud clients are
// imported only when the config asks for them: their modules (and HTTP/2 for Bedrock) would
// otherwise load at every cold start.
const settings = bundledConfig.config.enrichment;
const enricher =
  settings.provider === 'local' && settings.intents === 'local'
    ? undefined
    : (await import('./cloud-enricher.js')).cloudEnricher(settings, (message, data) => logger.warn(message, data));

const dynamodb = new DynamoDBClient(WORKER_CLIENT_OPTIONS);

/** What the process function's use case runs with, built once per execution environment. */
export const processDependencies: ProcessDependencies = {
  router: createRouter(bundledConfig),
  adapterFor: loadAdapter,
  store: new DynamoDbEngagementStore(dynamodb, requireEnv('TABLE_NAME'), rawRetentionDays),
  cases: { store: new DynamoDbCaseStore(dynamodb, requireEnv('TABLE_NAME')), config: bundledConfig.config },
  ...(enricher ? { enricher } : {}),
  crisis: crisisReader(new DynamoDbGovernanceStore(dynamodb, requireEnv('TABLE_NAME'))),
  now: () => new Date(),
  log: (level, message, data) => logger[level](message, safeLogData(data)),
};
