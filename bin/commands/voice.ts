import { configPath, loadConfig } from '../../lambdas/core/config/load-config.js';
import { isPlatformId, type PlatformId } from '../../lambdas/core/engagement/platform-ids.js';
import { testVoiceExamples } from '../../lambdas/core/rules/voice-examples.js';
import { type VoiceCheck, voiceChecker } from '../../lambdas/core/voice/check-reply.js';

/** Usage of `switchboard voice`; also part of the CLI's usage text. */
export const VOICE_USAGE = [
  'switchboard voice test [config.yaml]',
  'switchboard voice check [--platform <id>] [--department <id>] [--json] "<text>"',
];

/** A command line that does not fit the usage (exit 2). */
export class VoiceUsageError extends Error {}

const clip = (text: string, max = 60) => {
  const one = text.replace(/\s+/g, ' ');
  return JSON.stringify(one.length > max ? `${one.slice(0, max - 1)}…` : one);
};

/**
 * `switchboard voice test [config]`: runs the config's `voice.examples` (`SWITCHBOARD_CONFIG` or
 * `config/switchboard.yaml` by default): one ✓ or ✗ line per example with its text and the
 * verdict, then a summary; exit 1 when one fails (or the config does not load). `switchboard voice
 * check [--platform <id>] [--department <id>] [--json] "<text>"`: the verdict on one reply, each
 * check that is not ok with its rule, message and the offending text quoted; exit 1 when refused.
 */
export function voiceCommand(argv: string[]): number {
  const [sub, ...args] = argv;
  if (sub === 'test') {
    const flag = args.find((a) => a.startsWith('-'));
    if (flag) throw new VoiceUsageError(`voice test takes no option ${flag}`);
    if (args.length > 1) throw new VoiceUsageError('voice test takes at most one config file');
    return voiceTest(args[0]);
  }
  if (sub === 'check') return voiceCheck(args);
  throw new VoiceUsageError(
    sub === undefined ? 'voice needs a subcommand: test or check' : `unknown voice subcommand "${sub}"`,
  );
}

function voiceTest(path: string | undefined): number {
  const loaded = loadConfig(path ?? configPath());
  if (!loaded.config.voice) {
    console.log(`${loaded.path} has no voice policy (voice:): nothing to test`);
    return 0;
  }
  const results = testVoiceExamples(loaded);
  for (const r of results) {
    const where =
      r.platform === 'generic' && r.department === loaded.config.defaultDepartment
        ? ''
        : ` (${r.platform}, ${r.department})`;
    const what = r.expected === 'template' ? `template ${r.template}` : r.expected;
    console.log(`${r.pass ? '✓' : '✗'} ${what} ${clip(r.text)}${where}: ${r.why}`);
  }
  const failed = results.filter((r) => !r.pass).length;
  console.log(
    `\n${results.length} voice example${results.length === 1 ? '' : 's'}: ${results.length - failed} passed, ${failed} failed`,
  );
  return failed > 0 ? 1 : 0;
}

function voiceCheck(args: string[]): number {
  let platform: PlatformId = 'generic';
  let department: string | undefined;
  let json = false;
  const texts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--platform' || arg === '--department') {
      const value = args[++i];
      if (!value) throw new VoiceUsageError(`${arg} needs a value; expected: ${VOICE_USAGE[1]}`);
      if (arg === '--platform') {
        if (!isPlatformId(value)) throw new VoiceUsageError(`"${value}" is not a platform id`);
        platform = value;
      } else department = value;
    } else if (arg.startsWith('--')) throw new VoiceUsageError(`unknown option "${arg}"; expected: ${VOICE_USAGE[1]}`);
    else texts.push(arg);
  }
  if (texts.length !== 1)
    throw new VoiceUsageError(`give the reply's text as one argument; expected: ${VOICE_USAGE[1]}`);
  const text = texts[0]!;
  const loaded = loadConfig();
  const departments = loaded.config.departments.map((d) => d.id);
  if (department !== undefined && !departments.includes(department)) {
    console.error(
      `switchboard: no department "${department}" in ${loaded.path}; departments: ${departments.join(', ')}`,
    );
    return 1;
  }
  const verdict = voiceChecker(loaded.config.voice).check({
    reply: { text, platform },
    department: department ?? loaded.config.defaultDepartment,
  });
  if (json) console.log(JSON.stringify(verdict));
  else {
    console.log(
      verdict.refused
        ? `refused: ${verdict.violations.length} violation${verdict.violations.length === 1 ? '' : 's'}`
        : `allowed${verdict.checks.some((c) => !c.ok) ? ', with warnings' : ''} (${verdict.checks.length} check${verdict.checks.length === 1 ? '' : 's'})`,
    );
    for (const c of verdict.checks.filter((c) => !c.ok)) console.log(describe(c, text));
    if (!loaded.config.voice) console.log(`(${loaded.path} has no voice policy: nothing is checked)`);
  }
  return verdict.refused ? 1 : 0;
}

/** `  ✗ no-promises at 3–12 "GUARANTEE": Legal bans promises…` */
function describe(c: VoiceCheck, text: string): string {
  const mark = c.severity === 'refuse' ? '✗' : '!';
  const where =
    c.start !== undefined && c.end !== undefined
      ? ` at ${c.start}–${c.end} ${clip(text.slice(c.start, c.end), 40)}`
      : '';
  return `  ${mark} ${c.rule}${where}: ${c.message ?? ''}`;
}
