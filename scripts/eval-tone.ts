/**
 * `npm run eval:tone [-- file.jsonl…]`: measures the shipped reply-tone model
 * (`lambdas/core/voice/tone/reply-tone-model.bin`) and prints, per set, accuracy, the negative
 * class's precision / recall / F1 and the false-refusal rate (ok replies the tone check would
 * refuse) beside their targets, then the same per language. Without files: the frozen test
 * split (never tuned on) and the dev split (the settings and threshold were chosen on it, so
 * its figures show fit). Exits 0 after reporting: it measures, it does not gate (the unit test
 * `test/unit/voice/reply-tone.test.ts` does).
 */
import { readFileSync } from 'node:fs';
import { parseToneCorpus, TONE_TARGETS, type ToneFigures } from '../lambdas/core/voice/tone/tone-corpus.js';
import { thresholdOf, toneModel } from '../lambdas/core/voice/tone/tone-model.js';
import { evaluateTone } from '../lambdas/core/voice/tone/tone-train.js';

const DEFAULT_SETS: [string, string][] = [
  ['corpus/reply-tone/test.jsonl', 'test split: frozen, never used for training or tuning'],
  ['corpus/reply-tone/dev.jsonl', 'dev split: settings and threshold were chosen on it'],
];
const pct = (x: number): string => `${(100 * x).toFixed(1).padStart(5)}%`;
const row = (name: string, f: ToneFigures): string =>
  [
    name.padEnd(8),
    String(f.items).padStart(5),
    pct(f.accuracy),
    f.precision.toFixed(3).padStart(9),
    f.recall.toFixed(3).padStart(6),
    f.f1.toFixed(3).padStart(6),
    pct(f.falseRefusalRate).padStart(14),
    pct(f.missRate).padStart(7),
  ].join('  ');

const model = toneModel();
const args = process.argv.slice(2);
const sets: [string, string][] = args.length > 0 ? args.map((f) => [f, 'given file']) : DEFAULT_SETS;
console.log(`Model ${model.version}, threshold ${thresholdOf(model).toFixed(2)}`);
for (const [file, about] of sets) {
  const items = parseToneCorpus(readFileSync(file, 'utf8'), file);
  const { all, languages } = evaluateTone(model, items);
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`\n== ${file}: ${about} (${items.length} replies)\n`);
  console.log(`accuracy          ${pct(all.accuracy)}`);
  console.log(`negative precision ${all.precision.toFixed(3)}  recall ${all.recall.toFixed(3)}`);
  console.log(
    `negative F1        ${all.f1.toFixed(3)}   target >= ${TONE_TARGETS.negativeF1}  ${met(all.f1 >= TONE_TARGETS.negativeF1)}`,
  );
  console.log(
    `false refusals    ${pct(all.falseRefusalRate)}   target <= ${pct(TONE_TARGETS.falseRefusalRate).trim()}  ${met(all.falseRefusalRate <= TONE_TARGETS.falseRefusalRate)}`,
  );
  console.log(`\n${'language'.padEnd(8)}  items  accuracy  precision  recall      F1  false refusal   missed`);
  for (const [language, f] of Object.entries(languages)) console.log(row(language, f));
  console.log(row('all', all));
}
