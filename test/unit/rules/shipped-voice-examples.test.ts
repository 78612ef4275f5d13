import { loadConfig } from '#core/config/load-config.js';
import { BUILT_IN_VOICE_RULES } from '#core/config/voice.schema.js';
import { testVoiceExamples } from '#core/rules/voice-examples.js';

// The shipped voice policy's examples are part of the test suite, as the rules' are.
const loaded = loadConfig('config/switchboard.yaml');
const results = testVoiceExamples(loaded, new Date('2026-11-25T12:00:00.000Z'));

describe('config/switchboard.yaml voice examples', () => {
  it('all pass', () => {
    expect(results.filter((r) => !r.pass).map((r) => `${r.expected} ${JSON.stringify(r.text)}: ${r.why}`)).toEqual([]);
  });

  it('show every banned term, disclosure and built-in check refusing something', () => {
    const voice = loaded.config.voice!;
    const refusing = [
      ...voice.terms.filter((t) => t.level === 'banned').map((t) => t.id),
      ...voice.disclosures.map((d) => d.id),
      ...BUILT_IN_VOICE_RULES,
    ];
    const shown = new Set(voice.examples.refused.flatMap((e) => e.violates));
    expect(refusing.filter((rule) => !shown.has(rule))).toEqual([]);
  });
});

describe('voice test on an example that no longer holds', () => {
  it('fails it, naming what refused it', () => {
    const broken = {
      ...loaded,
      config: {
        ...loaded.config,
        voice: {
          ...loaded.config.voice!,
          examples: {
            allowed: ['We guarantee it'],
            refused: [{ text: 'Thanks, on it', violates: ['no-promises'] }],
          },
          templates: [{ id: 'promise', when: { intents: ['complaint'] }, text: 'We guarantee it, {author.name}' }],
        },
      },
    };
    expect(testVoiceExamples(broken).map((r) => [r.pass, r.why])).toEqual([
      [false, 'refused by no-promises'],
      [false, 'allowed (expected refused by no-promises)'],
      // A template the policy refuses would never be suggested.
      [false, 'refused by no-promises'],
    ]);
    expect(testVoiceExamples(broken)[2]).toMatchObject({
      expected: 'template',
      template: 'promise',
      text: 'We guarantee it, Alex',
    });
  });
});
