import { readFileSync } from 'node:fs';

/** One labelled engagement of a corpus file (JSON Lines). */
export interface CorpusItem {
  platform?: string;
  text: string;
  rating?: number;
  expect: { intents: string[]; alsoOk?: string[]; sentiment: string; language: string };
  tags?: string[];
}

/** Reads a corpus file; a line that is not JSON is reported with its number. */
export function readCorpus(file: string): CorpusItem[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line && !line.startsWith('//'))
    .map(([line, n]) => {
      try {
        return JSON.parse(line) as CorpusItem;
      } catch (err) {
        throw new Error(`${file}:${n}: not JSON: ${(err as Error).message}`);
      }
    });
}
