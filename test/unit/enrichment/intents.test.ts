import { detectIntents } from '../../../lambdas/core/enrichment/intents.js';
import { sentimentOf } from '../../../lambdas/core/enrichment/sentiment.js';

const intents = (t: string, language = 'en') => detectIntents(t, { sentiment: sentimentOf(t, { language }) });

describe('intents', () => {
  it.each([
    ['bug_report', 'The website freezes on the payment step in Firefox'],
    ['bug_report', "Uploads fail with a timeout since yesterday's update"],
    ['feature_request', 'Could you add an option to export invoices as CSV'],
    ['press_inquiry', "I'm a journalist writing a story on delivery delays, could I get a comment"],
    ['legal_risk', 'This is copyright infringement, expect to hear from my solicitor'],
    ['safety_risk', 'The kettle lid flew off and gave my daughter burns'],
    ['job_inquiry', 'Do you have any internships for design students this summer'],
    ['partnership', 'Our brand would love a collab with you for the spring launch'],
    ['purchase_intent', 'Want to buy three of these for the office, how much is shipping'],
    ['complaint', 'Charged twice for the same order and still no refund'],
    ['praise', 'Huge thanks to the night staff, amazing care'],
    ['question', 'What time does the Bristol shop close on Sundays?'],
  ])('finds %s', (intent, text) => {
    expect(intents(text)).toContain(intent);
  });

  it('does not treat a failed delivery or failed brakes as a software bug', () => {
    expect(intents('Two failed deliveries this week')).not.toContain('bug_report');
    expect(intents('The brakes failed on the motorway')).not.toContain('bug_report');
  });

  it('makes spam exclusive', () => {
    expect(intents('Get cheap followers fast!!! link in bio')).toEqual(['spam']);
  });

  it('does not count politeness in a request as praise', () => {
    expect(intents("Is the Leeds store hiring? I'd love to send my CV, thanks")).not.toContain('praise');
  });

  it('does not count sarcasm as praise', () => {
    const r = detectIntents('Oh wonderful, my order was cancelled again', { sentiment: sentimentOf('Oh wonderful, my order was cancelled again', { language: 'en' }), sarcasm: true });
    expect(r).not.toContain('praise');
    expect(r).toContain('complaint');
  });

  it('is other when nothing applies, and never empty', () => {
    expect(intents('Watched the match at the pub')).toEqual(['other']);
    expect(intents('')).toEqual(['other']);
  });

  it('finds the main intents in other languages', () => {
    expect(intents('Pedido roto y nadie responde, qué vergüenza', 'es')).toContain('complaint');
    expect(intents('Vielen Dank, alles perfekt!', 'de')).toContain('praise');
    expect(intents('Où est ma commande ?', 'fr')).toContain('question');
  });
});
