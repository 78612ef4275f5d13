import { createHash } from 'node:crypto';
import type { JsonObject } from '../aws-json-server.js';

/** What tells a retried create request from a different one with the same name. */
export interface RequestIdentity {
  clientToken: string | undefined;
  /** A hash of the request without its ClientToken. */
  requestHash: string;
}

/** The identity of a CreateSchedule or CreateScheduleGroup request for `name`. */
export function requestIdentity(name: string, body: JsonObject): RequestIdentity {
  return {
    clientToken: typeof body.ClientToken === 'string' ? body.ClientToken : undefined,
    requestHash: hashOf({ ...body, ClientToken: undefined, Name: name }),
  };
}

/**
 * True when a create request repeats the one that made `existing` (same token, same content):
 * it succeeds again, as AWS's idempotency promises, rather than failing with a conflict.
 */
export function isRetryOf(existing: Partial<RequestIdentity>, request: RequestIdentity): boolean {
  return (
    request.clientToken !== undefined &&
    existing.clientToken === request.clientToken &&
    existing.requestHash === request.requestHash
  );
}

/** A stable hash of a request, keys sorted, so a retried request matches its first sending. */
function hashOf(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as JsonObject)
          .filter((k) => (v as JsonObject)[k] !== undefined)
          .sort()
          .map((k) => [k, canonical((v as JsonObject)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}
