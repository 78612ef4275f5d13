import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import { countRecords, type InsertedItem } from '../core/management/count-records.js';
import { functionHandler } from '../aws/handler-chain.js';
import { logger } from '../aws/logger.js';
import { rollupDependencies } from './dependencies.js';

/**
 * Rollups (docs/management.md): counts what the table's stream reports inserted. A batch that
 * cannot be counted fails whole and comes again; what it had counted is not counted twice.
 */
export const handler = functionHandler<DynamoDBStreamEvent, void>(async (event) => {
  const items = event.Records.map(
    (r) => unmarshall((r.dynamodb?.NewImage ?? {}) as Record<string, AttributeValue> as never) as InsertedItem,
  );
  const outcome = await countRecords(items, rollupDependencies);
  logger.info('rollups counted', outcome);
});
