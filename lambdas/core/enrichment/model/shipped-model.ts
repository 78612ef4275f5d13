import { readFileSync } from 'node:fs';
import type { EnrichmentModel } from './network.js';
import { decodeModel } from './model-file.js';

/**
 * File name of the trained model, next to this module in the source tree and next to the
 * bundle's `index.mjs` in a function's asset (the CDK copies it there), so the same relative
 * URL finds it in both.
 */
export const MODEL_FILE = 'enrichment-model.bin';

let loaded: EnrichmentModel | undefined;

/**
 * The trained enrichment model, read and decoded on first use (a few milliseconds; see
 * `npm run bench`) and kept for the life of the process, as a Lambda environment keeps it
 * between invocations.
 */
export function shippedModel(): EnrichmentModel {
  loaded ??= decodeModel(readFileSync(new URL(`./${MODEL_FILE}`, import.meta.url)));
  return loaded;
}
