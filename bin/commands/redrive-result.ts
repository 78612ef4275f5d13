/** What `redrive` did (or, with `--dry-run`, would do) for one dead-letter queue. */
export interface RedriveResult {
  /** The dead-letter queue's name. */
  queue: string;
  /** Where its messages go back to: the queue that dead-lettered them, by name (several when they came from several). */
  target: string;
  /** Messages found in the dead-letter queue. */
  messages: number;
  /** Messages moved back (0 with `--dry-run`). */
  moved: number;
  /** For a stream's on-failure queue: the engagements its messages name (handed on, or to be). */
  engagements?: number;
}
