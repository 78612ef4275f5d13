import type { TrainingItem, TrainOptions } from '#core/enrichment/model/train.js';

/** A few labelled texts, enough to train a model whose behaviour the tests can check quickly. */
export const tinyLabels = {
  intents: ['complaint', 'question', 'praise'],
  sentiments: ['negative', 'neutral', 'positive'],
  languages: ['en', 'es'],
};

const item = (text: string, intents: string[], sentiment: string, language: string): TrainingItem => ({
  text,
  intents,
  sentiment,
  language,
});

export const tinyCorpus: TrainingItem[] = [
  item('my order never arrived and nobody answers', ['complaint'], 'negative', 'en'),
  item('still waiting for my refund, terrible', ['complaint'], 'negative', 'en'),
  item('worst service ever, parcel lost again', ['complaint'], 'negative', 'en'),
  item('how do I change my address', ['question'], 'neutral', 'en'),
  item('when does the store open on sunday', ['question'], 'neutral', 'en'),
  item('is the blue one in stock', ['question'], 'neutral', 'en'),
  item('love it, best headphones ever', ['praise'], 'positive', 'en'),
  item('thanks for the quick help, great team', ['praise'], 'positive', 'en'),
  item('mi pedido nunca llegó y nadie contesta', ['complaint'], 'negative', 'es'),
  item('sigo esperando el reembolso, fatal', ['complaint'], 'negative', 'es'),
  item('cómo cambio mi dirección', ['question'], 'neutral', 'es'),
  item('a qué hora abre la tienda el domingo', ['question'], 'neutral', 'es'),
  item('me encanta, los mejores auriculares', ['praise'], 'positive', 'es'),
  item('gracias por la ayuda, qué buen equipo', ['praise'], 'positive', 'es'),
];

export const tinyOptions: TrainOptions = { hidden: 8, minCount: 1, epochs: 40, learningRate: 0.3, seed: 7 };
