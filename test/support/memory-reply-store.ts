import type { Engagement } from '#core/engagement/engagement.schema.js';
import type { OutboxEvent } from '#core/lifecycle/ports/lifecycle-store.js';
import type { ReplyStore } from '#core/replies/ports/reply-store.js';
import type { Reply } from '#core/replies/reply.js';

/** The reply store in memory, with the table's conditional writes (create once, update by revision). */
export class MemoryReplyStore implements ReplyStore {
  readonly replies = new Map<string, Reply>();
  readonly engagements = new Map<string, Engagement>();
  readonly events: OutboxEvent[] = [];
  /** Runs before each write, to let a test change the stored reply under a writer. */
  beforeWrite: (() => void) | undefined;

  async get(replyId: string): Promise<Reply | undefined> {
    return structuredClone(this.replies.get(replyId));
  }

  async engagement(engagementId: string): Promise<Engagement | undefined> {
    return structuredClone(this.engagements.get(engagementId));
  }

  async create(reply: Reply, events: OutboxEvent[]): Promise<'created' | 'exists'> {
    this.beforeWrite?.();
    if (this.replies.has(reply.id)) return 'exists';
    this.replies.set(reply.id, structuredClone(reply));
    this.events.push(...events);
    return 'created';
  }

  readonly pauses = new Map<string, string>();

  async pausedUntil(platform: string, account: string): Promise<string | undefined> {
    return this.pauses.get(`${platform}#${account}`);
  }

  async pause(platform: string, account: string, until: string): Promise<void> {
    const key = `${platform}#${account}`;
    if ((this.pauses.get(key) ?? '') < until) this.pauses.set(key, until);
  }

  async update(next: Reply, expectedRevision: number, events: OutboxEvent[]): Promise<'updated' | 'conflict'> {
    this.beforeWrite?.();
    if (this.replies.get(next.id)?.revision !== expectedRevision) return 'conflict';
    this.replies.set(next.id, structuredClone(next));
    this.events.push(...events);
    return 'updated';
  }
}
