import { type Assignment, newAssignment } from '#core/assignments/assignment.js';
import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { AssignmentWrite, LifecycleStore, OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';

/** The lifecycle store in memory, with the same all-or-nothing conditional writes as the table's. */
export class MemoryLifecycleStore implements LifecycleStore {
  readonly items = new Map<string, Assignment>();
  /** Engagements as routing left them: id → departments and when. */
  readonly routed = new Map<string, { departments: string[]; at: string }>();
  /** Stored engagements (for handovers and escalations). */
  readonly engagements = new Map<string, Engagement>();
  /** Every event committed, in order. */
  readonly events: OutboxEvent[] = [];
  /** Runs before each commit, to let a test change the stored assignment under a writer. */
  beforeCommit: (() => void) | undefined;

  async read(engagementId: string, department: string): Promise<Assignment | undefined> {
    const a = this.items.get(`${engagementId}|${department}`);
    if (a) return structuredClone(a);
    const routed = this.routed.get(engagementId);
    return routed?.departments.includes(department) ? newAssignment(engagementId, department, routed.at) : undefined;
  }

  async readEngagement(engagementId: string): Promise<Engagement | undefined> {
    return structuredClone(this.engagements.get(engagementId));
  }

  async commit(writes: AssignmentWrite[], events: OutboxEvent[]): Promise<boolean> {
    this.beforeCommit?.();
    const keyOf = (a: Assignment) => `${a.engagementId}|${a.department}`;
    if (writes.some((w) => (this.items.get(keyOf(w.next))?.revision ?? 0) !== w.expectedRevision)) return false;
    const eventKeys = new Set(this.events.map((e) => `${e.engagementId}|${e.key}`));
    if (events.some((e) => eventKeys.has(`${e.engagementId}|${e.key}`))) return false;
    for (const w of writes) this.items.set(keyOf(w.next), structuredClone(w.next));
    this.events.push(...structuredClone(events));
    return true;
  }

  /** Convenience for tests: the stored assignment (or what a read would give). */
  save(next: Assignment, expectedRevision: number): Promise<boolean> {
    return this.commit([{ next, expectedRevision }], []);
  }
}
