import type { ArchiveDescription, EventEnvelope } from './types.js';

export interface MatchesEvent {
  matches(event: unknown): boolean;
}

/**
 * An in-memory event archive (AWS::Events::Archive): keeps the events of one bus that match its
 * optional pattern, for inspection or replay by the twin. Nothing is persisted; retention is the
 * life of the process.
 */
export class EventArchive {
  private readonly events: EventEnvelope[] = [];
  private sizeBytes = 0;

  constructor(
    readonly description: Omit<ArchiveDescription, 'EventCount' | 'SizeBytes' | 'State'>,
    private readonly pattern: MatchesEvent | undefined,
  ) {}

  /** Stores `event` when it matches the archive's pattern (or always, without one). */
  offer(event: EventEnvelope): void {
    if (this.pattern && !this.pattern.matches(event)) return;
    this.events.push(event);
    this.sizeBytes += Buffer.byteLength(JSON.stringify(event));
  }

  /** Archived events, oldest first, optionally limited to a `time` window (inclusive). */
  list(window: { from?: Date; to?: Date } = {}): EventEnvelope[] {
    return this.events.filter((event) => {
      const time = Date.parse(event.time);
      return (
        (window.from === undefined || time >= window.from.getTime()) &&
        (window.to === undefined || time <= window.to.getTime())
      );
    });
  }

  describe(): ArchiveDescription {
    return { ...this.description, State: 'ENABLED', EventCount: this.events.length, SizeBytes: this.sizeBytes };
  }
}
