import { type Assignment, newAssignment } from '#core/assignments/assignment.js';
import type { AssignmentStore } from '#core/lifecycle/ports/assignment-store.js';

/** The assignment store in memory, with the same conditional writes as the table's. */
export class MemoryAssignmentStore implements AssignmentStore {
  readonly items = new Map<string, Assignment>();
  /** Engagements as routing left them: id → departments and when. */
  readonly routed = new Map<string, { departments: string[]; at: string }>();
  /** Runs before each save, to let a test change the stored assignment under a writer. */
  beforeSave: (() => void) | undefined;

  async read(engagementId: string, department: string): Promise<Assignment | undefined> {
    const a = this.items.get(`${engagementId}|${department}`);
    if (a) return structuredClone(a);
    const routed = this.routed.get(engagementId);
    return routed?.departments.includes(department) ? newAssignment(engagementId, department, routed.at) : undefined;
  }

  async save(next: Assignment, expectedRevision: number): Promise<boolean> {
    this.beforeSave?.();
    const key = `${next.engagementId}|${next.department}`;
    if ((this.items.get(key)?.revision ?? 0) !== expectedRevision) return false;
    this.items.set(key, structuredClone(next));
    return true;
  }
}
