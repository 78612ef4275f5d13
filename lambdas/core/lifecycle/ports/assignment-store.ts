import type { Assignment } from '../../assignments/assignment.js';

/**
 * Where assignments (one per engagement × department) are kept. Writes are conditional on the
 * stored revision, so two reports applied at once cannot both win: the loser reads again and
 * applies its report to what the winner wrote.
 */
export interface AssignmentStore {
  /**
   * The assignment: the stored one, else a new one (revision 0) when the engagement was routed to
   * that department; undefined when it never was.
   */
  read(engagementId: string, department: string): Promise<Assignment | undefined>;
  /**
   * Stores `next` when the stored assignment is still at `expectedRevision` (0: none is stored
   * yet). Resolves false when another writer changed it first; throws on any other failure.
   */
  save(next: Assignment, expectedRevision: number): Promise<boolean>;
}
