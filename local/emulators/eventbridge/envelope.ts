import type { EventEnvelope } from './types.js';

export interface EnvelopeFields {
  id: string;
  detailType: string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources?: readonly string[];
  detail: Record<string, unknown>;
}

/**
 * Builds the event as targets receive it. Key order matters to consumers that compare raw JSON,
 * so it is fixed here: version, id, detail-type, source, account, time, region, resources, detail.
 */
export function buildEnvelope(fields: EnvelopeFields): EventEnvelope {
  return {
    version: '0',
    id: fields.id,
    'detail-type': fields.detailType,
    source: fields.source,
    account: fields.account,
    time: fields.time,
    region: fields.region,
    resources: [...(fields.resources ?? [])],
    detail: fields.detail,
  };
}

/** RFC 3339 at second precision with `Z`, as EventBridge writes `time`. */
export function formatEventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Reads a PutEvents `Time`: epoch seconds (the wire form, possibly fractional), a Date, or ISO
 * text. Undefined when absent or unreadable, so the receipt time is used instead.
 */
export function parseEntryTime(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === 'string' && value.trim() !== '') {
    const asNumber = Number(value);
    const date = Number.isFinite(asNumber) ? new Date(asNumber * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}
