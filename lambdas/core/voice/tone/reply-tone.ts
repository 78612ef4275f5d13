import { scoreTone, toneModel, type ToneScore } from './tone-model.js';

/**
 * The tone of a reply a brand sends: `negative` when it is hostile, dismissive, blaming, mocking
 * or sarcastic at the customer; `ok` otherwise, bad news and apologies included ("Sorry, we
 * can't refund a used item, but…"). Unlike the engagement sentiment, which reads what customers
 * write, this model was trained on replies (`corpus/reply-tone/`), so "refund", "late" or
 * "sorry" in a helpful reply do not make it negative. Pure and local; the shipped model is
 * loaded once, on first call.
 *
 * @param text the reply as it would be posted
 * @returns the label (the threshold chosen on the dev split applied) and the probability that
 *   the tone is negative
 */
export function replyTone(text: string): ToneScore {
  return scoreTone(toneModel(), text);
}
