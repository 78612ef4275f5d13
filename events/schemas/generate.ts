import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchemaText } from './engagement-routed.js';
import { PUBLISHED_EVENT_SCHEMAS } from './published.js';

/** `npm run schemas`: regenerates the committed JSON Schemas from the zod schemas. */
for (const [file, schema] of Object.entries(PUBLISHED_EVENT_SCHEMAS)) {
  writeFileSync(fileURLToPath(new URL(file, import.meta.url)), jsonSchemaText(schema));
  console.log(`wrote events/schemas/${file}`);
}
