import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { replyTone } from '#core/voice/tone/reply-tone.js';
import { normalizedReply, parseToneCorpus, TONE_TARGETS, TONE_FLOOR } from '#core/voice/tone/tone-corpus.js';
import { REPLY_TONE_MODEL_FILE, thresholdOf, toneModel } from '#core/voice/tone/tone-model.js';
import { evaluateTone } from '#core/voice/tone/tone-train.js';

const read = (name: string) => readFileSync(`corpus/reply-tone/${name}`, 'utf8');
const split = (name: 'train' | 'dev' | 'test') => parseToneCorpus(read(`${name}.jsonl`), `${name}.jsonl`);

/**
 * Replies written for this test, none of them in any split of the corpus (checked below), so
 * they show what the shipped model does on text it has not seen. The first two are the replies
 * the engagement sentiment model refused; the corpus keeps them out of every split (`heldOut`).
 */
const HELPFUL = [
  "We'll refund you today.",
  'Remboursement garanti sous 24h !',
  "Sorry for the trouble, we're fixing it now.",
  "We're sorry the hotel shuttle never showed up. We've refunded the taxi fare you paid.",
  'Your order was cancelled because the card was declined; nothing was charged, and you can reorder anytime.',
  'Sorry, the blender you bought is no longer under warranty, but we can repair it at half price.',
  'Lo sentimos mucho, hemos cancelado el cargo duplicado y te lo devolvemos hoy.',
  'Danke für deine Nachricht! Wir haben dir den Betrag heute zurücküberwiesen.',
  'Obrigado pelo contato! O reembolso foi aprovado e cai na sua conta amanhã.',
  'Grazie mille per la pazienza, il rimborso arriva entro venerdì.',
  'Bedankt voor je bericht! Je nieuwe pas is vandaag verstuurd.',
  'Happy to help! Our warranty guarantee covers this, DM us the serial number 🙂',
  'lol ok, fixed',
];
/**
 * Flat replies with no emotion at all that an earlier model refused (0.86 to 0.96 negative at
 * its 0.75 threshold): tone is about hostility, and other checks (banned terms, personal data,
 * length) handle what these texts carry. The corpus has other flat, terse, legal-style and
 * filler replies (`extra/x4-flat.jsonl`), not these.
 */
const FLAT = [
  'We guarantee it',
  'We guarantee nothing beyond the warranty',
  'We wrote to sam@mail.example',
  `${'a'.repeat(279)}世`,
  'We guarantee nothing beyond the written warranty terms.',
];
/**
 * The last entry was a known miss of the previous model (short French insults were its weakest
 * spot); the model retrained with `extra/x4-flat.jsonl` reads it right. "you people are idiots"
 * and "Stop whining." are also checked when the model is retrained, but they are lines of the
 * frozen test split, so they are not probes here.
 */
const HOSTILE = [
  'Honestly, nobody here has time for your nonsense.',
  'Typical. Customers who never read anything and then cry online.',
  'Oh please, spare us the drama.',
  'Franchement, votre réclamation est ridicule, lisez la notice au lieu de pleurer.',
  "Vous ne savez pas lire ? C'est marqué sur la boîte.",
  'Was für ein Blödsinn, lesen Sie doch einfach mal die Anleitung.',
  'Qué pesado eres, nadie te va a devolver nada.',
  'Ma smettila di lamentarti, non è colpa nostra.',
  'Jullie klanten zijn echt dom.',
  'Vous êtes vraiment lourd, arrêtez de nous écrire.',
  'Not our problem, contact your bank',
  "tbh that's user error, read the manual",
  'No. We will not refund you. Terrible attitude.',
];

describe('replyTone', () => {
  it('loads the shipped model once, with a calibrated threshold', () => {
    const model = toneModel();
    expect(model.version).toMatch(/^switchboard-reply-tone-v1@[0-9a-f]{12}$/);
    expect(toneModel()).toBe(model);
    expect(thresholdOf(model)).toBeGreaterThan(0.05);
    expect(thresholdOf(model)).toBeLessThan(0.95);
    // Small enough to bundle with a function and read at cold start.
    expect(readFileSync(`lambdas/core/voice/tone/${REPLY_TONE_MODEL_FILE}`).length).toBeLessThan(1024 * 1024);
  });

  it('uses probes that no split of the corpus holds', () => {
    const corpus = new Set(
      (['train', 'dev', 'test'] as const).flatMap((name) => split(name).map((i) => normalizedReply(i.text))),
    );
    expect([...HELPFUL, ...FLAT, ...HOSTILE].filter((text) => corpus.has(normalizedReply(text)))).toEqual([]);
  });

  it.each(HELPFUL)('reads a helpful reply as ok: %s', (text) => {
    const tone = replyTone(text);
    expect(tone.label).toBe('ok');
    expect(tone.score).toBeGreaterThanOrEqual(0);
    expect(tone.score).toBeLessThan(thresholdOf(toneModel()));
  });

  it.each(FLAT.map((text) => [text.length > 60 ? `${text.slice(0, 20)}… (${text.length} characters)` : text, text]))(
    'reads a flat reply with no emotion as ok: %s',
    (_title, text) => {
      expect(replyTone(text).label).toBe('ok');
    },
  );

  it.each(HOSTILE)('reads a hostile reply as negative: %s', (text) => {
    const tone = replyTone(text);
    expect(tone.label).toBe('negative');
    expect(tone.score).toBeLessThanOrEqual(1);
  });

  it('is deterministic', () => {
    expect(replyTone('Sorry about that, fixing it now!')).toEqual(replyTone('Sorry about that, fixing it now!'));
  });
});

describe('the reply-tone corpus and the shipped model on its frozen test split', () => {
  const manifest = JSON.parse(read('splits.json')) as { test: { sha256: string; items: number } };

  it('keeps the test split exactly as it was frozen, apart from train and dev', () => {
    expect(createHash('sha256').update(read('test.jsonl')).digest('hex')).toBe(manifest.test.sha256);
    const test = split('test');
    expect(test).toHaveLength(manifest.test.items);
    const testTexts = new Set(test.map((i) => normalizedReply(i.text)));
    const testFamilies = new Set(test.map((i) => i.family ?? i.group));
    for (const item of [...split('train'), ...split('dev')]) {
      expect(testTexts.has(normalizedReply(item.text))).toBe(false);
      expect(testFamilies.has(item.family ?? item.group)).toBe(false);
    }
  });

  it(`holds its floor on the test split: negative F1 >= ${TONE_FLOOR.negativeF1}, false refusals <= ${TONE_FLOOR.falseRefusalRate} (targets: ${TONE_TARGETS.negativeF1}, ${TONE_TARGETS.falseRefusalRate})`, () => {
    const { all } = evaluateTone(toneModel(), split('test'));
    expect(all.f1).toBeGreaterThanOrEqual(TONE_FLOOR.negativeF1);
    expect(all.falseRefusalRate).toBeLessThanOrEqual(TONE_FLOOR.falseRefusalRate);
  });
});
