import { newAssignment, type Assignment } from '#core/assignments/assignment.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { CaseRecord, CaseStore, CaseWrite } from '#core/lifecycle/ports/case-store.js';
import type { RoutingAuditRecord } from '#core/lifecycle/ports/engagement-store.js';
import { MemoryLifecycleStore } from './memory-lifecycle-store.js';

/**
 * Cases in memory, over the in-memory lifecycle store (assignments and events), with the same
 * all-or-nothing conditional write as the table's transaction.
 */
export class MemoryCaseStore implements CaseStore {
  readonly cases = new Map<string, CaseRecord>();
  readonly stored = new Map<string, { engagement: Engagement; decision: RoutingAuditRecord; caseId?: string }>();
  /** Runs before each save, to let a test change the case under a writer. */
  beforeSave: (() => void) | undefined;

  constructor(readonly lifecycle = new MemoryLifecycleStore()) {}

  async readCase(caseId: string): Promise<CaseRecord | undefined> {
    return structuredClone(this.cases.get(caseId));
  }

  async readParent(
    engagementId: string,
  ): Promise<{ authorId: string; receivedAt: string; caseId?: string } | undefined> {
    const s = this.stored.get(engagementId);
    return s
      ? {
          authorId: s.engagement.author.id,
          receivedAt: s.engagement.receivedAt,
          ...(s.caseId ? { caseId: s.caseId } : {}),
        }
      : undefined;
  }

  async assignmentsOf(engagementId: string): Promise<Assignment[]> {
    const s = this.stored.get(engagementId);
    if (!s) return [];
    return Promise.all(
      s.engagement.routing.departments.map(
        async (d) => (await this.lifecycle.read(engagementId, d)) ?? newAssignment(engagementId, d, s.decision.at),
      ),
    );
  }

  /** Stores an engagement outside any case (what `saveNew` would do). */
  store(engagement: Engagement, decision: RoutingAuditRecord, caseId?: string): void {
    this.stored.set(engagement.id, { engagement, decision, ...(caseId ? { caseId } : {}) });
    this.lifecycle.routed.set(engagement.id, { departments: engagement.routing.departments, at: decision.at });
    this.lifecycle.engagements.set(engagement.id, engagement);
  }

  async saveInCase(
    engagement: Engagement,
    decision: RoutingAuditRecord,
    write: CaseWrite,
  ): Promise<'created' | 'exists' | 'conflict'> {
    this.beforeSave?.();
    if (this.stored.has(engagement.id)) return 'exists';
    if ((this.cases.get(write.record.caseId)?.version ?? 0) !== write.expectedVersion) return 'conflict';
    for (const h of write.unchanged)
      if ((this.lifecycle.items.get(`${h.engagementId}|${h.department}`)?.revision ?? 0) !== h.revision)
        return 'conflict';
    if (!(await this.lifecycle.commit(write.reopened, write.events))) return 'conflict';
    this.cases.set(write.record.caseId, structuredClone(write.record));
    this.store(structuredClone(engagement), structuredClone(decision), write.record.caseId);
    return 'created';
  }
}
