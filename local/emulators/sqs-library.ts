import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of local-aws-sqs's in-memory service the wrapper touches. */
export interface SqsQueueInternals {
  readonly QueueName: string;
  purgeInProgress: boolean;
  purge: (onDone?: () => void) => boolean;
  clearRecords(): void;
}

export interface SqsServiceInternals {
  PORT: number;
  HOSTNAME: string;
  Queues: SqsQueueInternals[];
}

export interface LocalAwsSqsModule {
  createRequestHandler(options: Record<string, unknown>): {
    service: SqsServiceInternals;
    requestHandler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  };
}

/**
 * Source fixes for local-aws-sqs@2.0.2 (pinned in package.json), applied when the module loads.
 * Each names the text it replaces; if a new version no longer contains it, the fix is skipped and
 * reported in {@link LoadedSqsLibrary.missingFixes} instead of failing.
 */
export const SQS_LIBRARY_FIXES = [
  {
    id: 'change-visibility-is-not-a-receive',
    why: 'ChangeMessageVisibility incremented ApproximateReceiveCount, so a released message reached the DLQ after fewer receives than maxReceiveCount.',
    // In the visibility helper Wt(record, timeout, isChangeVisibility), count only real receives.
    find: 'let n=Number(t.record.attributes.ApproximateReceiveCount)+1;',
    replace: 'let n=Number(t.record.attributes.ApproximateReceiveCount)+(i?0:1);',
  },
  {
    id: 'approximate-number-counts-visible-only',
    why: 'ApproximateNumberOfMessages counted in-flight messages too; SQS counts only messages available for retrieval.',
    find: 'ApproximateNumberOfMessages:String(S(this,E).filter(o=>!o.delayed).length)',
    replace: 'ApproximateNumberOfMessages:String(S(this,E).filter(o=>!o.delayed&&o.visible).length)',
  },
  {
    id: 'long-poll-returns-when-messages-arrive',
    why: 'ReceiveMessage waited for MaxNumberOfMessages or the whole WaitTimeSeconds; SQS answers as soon as any message is available.',
    // In the receive loop Fs, stop after any scan that collected a message, not only at the maximum.
    find: 'if(r.length==e){clearInterval(c),clearTimeout(n),o();break}}},10)',
    replace: 'if(r.length==e)break}r.length>0&&(clearInterval(c),clearTimeout(n),o())},10)',
  },
] as const;

export interface LoadedSqsLibrary {
  module: LocalAwsSqsModule;
  appliedFixes: string[];
  missingFixes: string[];
}

let loaded: LoadedSqsLibrary | undefined;

/**
 * Loads local-aws-sqs with {@link SQS_LIBRARY_FIXES} applied. The package is a single esbuild
 * bundle whose state lives in module-private closures, so a source patch is the only way to fix
 * these two behaviours without forking it.
 */
export function loadSqsLibrary(): LoadedSqsLibrary {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('local-aws-sqs');
  let source = readFileSync(entry, 'utf8');
  const appliedFixes: string[] = [];
  const missingFixes: string[] = [];
  for (const fix of SQS_LIBRARY_FIXES) {
    if (source.split(fix.find).length === 2) {
      source = source.replace(fix.find, fix.replace);
      appliedFixes.push(fix.id);
    } else {
      missingFixes.push(fix.id);
    }
  }
  if (appliedFixes.length === 0) {
    loaded = { module: require('local-aws-sqs') as LocalAwsSqsModule, appliedFixes, missingFixes };
    return loaded;
  }
  const module = { exports: {} as unknown };
  const run = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: entry });
  run(module.exports, createRequire(entry), module, entry, dirname(entry));
  loaded = { module: module.exports as LocalAwsSqsModule, appliedFixes, missingFixes };
  return loaded;
}
