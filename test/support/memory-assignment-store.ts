import type { Assignment } from '#core/assignments/assignment.js';
import type { AssignmentStore } from '#core/lifecycle/ports/assignment-store.js';

/** The assignment store in memory, with the same conditional writes as the table's. */
export class MemoryAssignmentStore implements AssignmentStore {
  readonly items = new Map<string, Assignment>();
  /** Runs before each save, to let a test change the stored assignment under a writer. */
  beforeSave: (() => void) | undefined;

  async read(engagementId: string, department: string): Promise<Assignment | undefined> {
    const a = this.items.get(`${engagementId}|${department}`);
    return a && structuredClone(a);
  }

  async save(next: Assignment, expectedRevision: number): Promise<boolean> {
    this.beforeSave?.();
    const key = `${next.engagementId}|${next.department}`;
    if ((this.items.get(key)?.revision ?? 0) !== expectedRevision) return false;
    this.items.set(key, structuredClone(next));
    return true;
  }
}
