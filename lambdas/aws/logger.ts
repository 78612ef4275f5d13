import { Logger } from '@aws-lambda-powertools/logger';
import { redactForLog } from '../core/enrichment/pii.js';

/** One logger per function bundle; service name and level come from POWERTOOLS_* variables. */
export const logger = new Logger();

/**
 * Log data with every string passed through PII redaction (and cut at 200 characters): error
 * messages from platforms or libraries can carry a fragment of a text, and logs are kept longer
 * and read by more people than the engagement table.
 */
export function safeLogData(data: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? redactForLog(v) : v]));
}
