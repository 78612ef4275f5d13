/**
 * A model that writes reply drafts (Bedrock on AWS). It is given a prompt made by
 * `draftPrompt` (the brand's voice as instructions, the engagement as data) and answers with
 * draft texts; it throws when it cannot answer (unreachable, timed out, an answer not in the
 * asked-for shape), and the caller goes on with the drafts it has.
 */
export interface DraftWriter {
  /** The model's name, for logs. */
  readonly model: string;
  write(prompt: DraftPrompt): Promise<string[]>;
}

/** What a draft writer is asked: instructions, and the engagement as data between tags. */
export interface DraftPrompt {
  system: string;
  user: string;
  /** How many drafts are asked for. */
  count: number;
}
