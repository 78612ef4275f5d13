import { buildSync } from 'esbuild';
import { bundledConfigDefines, functionEsbuildOptions } from '#lib/constructs/function-bundling.js';
import { loadConfig } from '#core/config/load-config.js';

/**
 * What goes into the function bundles, built as the CDK builds them (esbuild, ESM, minified,
 * the config inlined as data): what a cold start must load and run.
 */
const loaded = { ...loadConfig('config/switchboard.yaml'), path: 'switchboard.yaml (bundled)' };
function inputs(entry: string): string[] {
  const result = buildSync(
    functionEsbuildOptions({
      entryPoints: [entry],
      write: false,
      outfile: 'out.mjs',
      metafile: true,
      sourcemap: false,
      define: bundledConfigDefines(loaded),
      logLevel: 'silent',
    }),
  );
  return Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs);
}

describe('function bundles', () => {
  it.each(['lambdas/process/handler.ts', 'lambdas/poller/handler.ts'])(
    '%s carries the config as data: no YAML parser, no config schema, no file reading',
    (entry) => {
      const files = inputs(entry);
      expect(files.some((f) => f.includes('node_modules/yaml/'))).toBe(false);
      expect(files.some((f) => f.endsWith('config/config.schema.ts') || f.endsWith('config/load-config.ts'))).toBe(
        false,
      );
    },
  );

  it.each(['lambdas/webhook/handler.ts', 'lambdas/process/handler.ts'])(
    "%s takes zod's mini API with its English messages only: not the classic API, no other language",
    (entry) => {
      const files = inputs(entry);
      expect(files.some((f) => f.includes('node_modules/zod/v4/mini/'))).toBe(true);
      expect(files.filter((f) => f.includes('node_modules/zod/v4/classic/'))).toEqual([]);
      expect(
        files.filter(
          (f) => f.includes('node_modules/zod/') && f.includes('/locales/') && !/locales\/(en|index)\.js$/.test(f),
        ),
      ).toEqual([]);
      expect(files).toContain('node_modules/zod/v4/locales/en.js');
    },
  );

  it('keeps the pollers out of the process bundle', () => {
    expect(inputs('lambdas/process/handler.ts').filter((f) => f.includes('core/polling/'))).toEqual([]);
  });

  it('keeps the publish bundle to publishing: no config, no zod, no platform adapters, no enrichment (the log redaction aside)', () => {
    const files = inputs('lambdas/publish/handler.ts');
    expect(
      files.filter(
        (f) =>
          f.includes('node_modules/zod/') ||
          f.includes('core/platforms/') ||
          (f.includes('core/enrichment/') && !f.endsWith('enrichment/pii.ts')) ||
          f.includes('core/config/'),
      ),
    ).toEqual([]);
  });

  it('reads secrets through the extension: the webhook bundle carries no Secrets Manager or DynamoDB client', () => {
    expect(
      inputs('lambdas/webhook/handler.ts').filter(
        (f) =>
          f.includes('client-secrets-manager/') ||
          f.includes('client-dynamodb/') ||
          f.includes('powertools/parameters/'),
      ),
    ).toEqual([]);
  });

  it.each(['lambdas/webhook/handler.ts', 'lambdas/process/handler.ts', 'lambdas/publish/handler.ts'])(
    '%s loads http and http2 on first use, not as ES module imports at the top',
    (entry) => {
      const result = buildSync(
        functionEsbuildOptions({
          entryPoints: [entry],
          write: false,
          outfile: 'out.mjs',
          sourcemap: false,
          minify: false,
          define: bundledConfigDefines(loaded),
          logLevel: 'silent',
        }),
      );
      const text = result.outputFiles!.find((f) => f.path.endsWith('.mjs'))!.text;
      expect(text).not.toMatch(/^import\s.*\sfrom\s*"(node:)?http2?"/m);
      expect(text).toContain("process.getBuiltinModule('node:http')".replace(/'/g, '"'));
    },
  );
});
