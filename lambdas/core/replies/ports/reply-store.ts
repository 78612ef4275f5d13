import type { Engagement } from '../../engagement/engagement.schema.js';
import type { OutboxEvent } from '../../lifecycle/ports/lifecycle-store.js';
import type { Reply } from '../reply.js';

/**
 * Where replies are kept: one item per reply beside its engagement, found by its id alone, and
 * its events written with each change (the outbox and audit record). Every write is conditional:
 * a reply is created once per id, and a change applies only to the revision it was computed from.
 */
export interface ReplyStore {
  get(replyId: string): Promise<Reply | undefined>;
  /**
   * The engagement replied to, as published; undefined when none is stored under that id.
   * `gone` says its text is no more (its author erased it or asked for it, or retention ran out).
   */
  engagement(engagementId: string): Promise<(Engagement & { gone?: 'erased' | 'deleted' | 'expired' }) | undefined>;
  /**
   * Stores a new reply with its events; `exists` when a reply with that id is stored already,
   * `gone` when the engagement was erased, deleted or expired meanwhile (nothing written either way).
   */
  create(reply: Reply, events: OutboxEvent[]): Promise<'created' | 'exists' | 'gone'>;
  /** Stores the change if the reply is still at `expectedRevision`; `conflict` when another change came first. */
  update(next: Reply, expectedRevision: number, events: OutboxEvent[]): Promise<'updated' | 'conflict'>;
  /** Until when a platform asked for no more requests from this account (its rate limit); undefined when it did not. */
  pausedUntil(platform: string, account: string): Promise<string | undefined>;
  /** Records a platform's rate limit for an account, so every reply to it waits (a later `until` only extends it). */
  pause(platform: string, account: string, until: string): Promise<void>;
}
