import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The committed fake secrets (config/local-secrets.json) the local twin signs and verifies with:
 * `{ "<platform>": { "<key>": "<value>" } }`. Read relative to this file, not the working
 * directory, so a test finds them whichever folder Jest runs from.
 */
export const localSecrets = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../config/local-secrets.json', import.meta.url)), 'utf8'),
) as Record<string, Record<string, string>>;
