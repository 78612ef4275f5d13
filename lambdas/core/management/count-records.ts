import type { Assignment } from '../assignments/assignment.js';
import type { SpikeEntry } from '../config/crisis.schema.js';
import type { Engagement } from '../engagement/engagement.schema.js';
import {
  countBreach,
  countReplyPublished,
  countRouted,
  countStatusChanged,
  type RollupDelta,
} from './rollup-counts.js';

/** A table item the stream reports inserted, as the rollup function reads it. */
export interface InsertedItem {
  pk: string;
  sk: string;
  engagement?: Engagement;
  event?: { detailType: string; detail: Record<string, unknown> };
}

/** What counting needs. */
export interface CountRecordsDependencies {
  spikes: readonly SpikeEntry[];
  /** The assignment as stored now (a first response's time counts from its routing). */
  readAssignment(engagementId: string, department: string): Promise<Assignment | undefined>;
  apply(deltas: RollupDelta[]): Promise<{ counted: number; repeated: number }>;
}

/**
 * Counts a batch of inserted items (docs/management.md, "Rollups"): new engagements, status
 * changes, SLA breaches and published replies; anything else is not counted. Each is keyed by
 * its table key, so a batch the stream delivers again adds nothing a second time. Throws when
 * the counters could not be written (the stream delivers the batch again).
 */
export async function countRecords(
  items: InsertedItem[],
  deps: CountRecordsDependencies,
): Promise<{ counted: number; repeated: number; skipped: number }> {
  const deltas: RollupDelta[] = [];
  let skipped = 0;
  for (const item of items) {
    const id = `${item.pk}#${item.sk}`;
    const detail = item.event?.detail ?? {};
    const text = (key: string) => (typeof detail[key] === 'string' ? (detail[key] as string) : '');
    if (item.sk === 'ENGAGEMENT' && item.engagement) deltas.push(countRouted(id, item.engagement, deps.spikes));
    else if (item.event?.detailType === 'Engagement Status Changed') {
      const assignment = await deps.readAssignment(text('engagementId'), text('department'));
      deltas.push(
        countStatusChanged(id, { department: text('department'), to: text('to'), at: text('at') }, assignment),
      );
    } else if (item.event?.detailType === 'SLA Breached')
      deltas.push(
        countBreach(id, { department: text('department'), sla: text('sla'), breachedAt: text('breachedAt') }),
      );
    else if (item.event?.detailType === 'Reply Published')
      deltas.push(countReplyPublished(id, { department: text('department'), at: text('at') }));
    else skipped++;
  }
  const applied = await deps.apply(deltas);
  return { ...applied, skipped };
}
