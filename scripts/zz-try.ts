import { enrich } from '../lambdas/core/enrichment/enrich.js';
for (const t of process.argv.slice(2)) { const e = enrich({ text: t }); console.log(JSON.stringify({ t, l: e.language, s: e.sentiment, i: e.intents, c: Object.fromEntries(Object.entries(e.details.confidence.intents).filter(([, v]) => (v as number) > 0.1)) })); }
