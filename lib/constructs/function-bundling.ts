import type { BuildOptions } from 'esbuild';
import type { LoadedConfig } from '#core/config/load-config.js';

/** CJS dependencies call require(); ESM bundles need it defined. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
/** The functions' runtime, as esbuild names it. */
export const FUNCTION_TARGET = 'node24';
/** Prefer packages' ESM builds, which esbuild can tree-shake. */
export const FUNCTION_MAIN_FIELDS = ['module', 'main'];

/**
 * Node built-ins the bundles take through CommonJS shims instead of ES module imports, as esbuild
 * `alias` entries (paths relative to the project root, where the CDK runs esbuild). An ES module
 * import of `node:http` loads undici through the namespace's lazy getters, and a static import
 * of `node:http2` is hoisted to the bundle's top even when only a lazily loaded client needs it;
 * the shims say more. Measured by `bench/cold-import.ts`.
 */
export const FUNCTION_BUILTIN_ALIASES: Record<string, string> = {
  http: './lambdas/aws/node-builtins/http.cjs',
  'node:http': './lambdas/aws/node-builtins/http.cjs',
  http2: './lambdas/aws/node-builtins/http2.cjs',
  'node:http2': './lambdas/aws/node-builtins/http2.cjs',
};

/**
 * Defines every function bundle gets: `SWITCHBOARD_BUNDLE` tells code that can load a dependency
 * lazily inside a bundle (enrichment/language.ts) that it is in one.
 */
export const FUNCTION_DEFINES: Record<string, string> = { SWITCHBOARD_BUNDLE: 'true' };

/**
 * The esbuild defines that inline a validated config into a bundle as JSON text (read by
 * lambdas/aws/bundled-config.ts).
 */
export function bundledConfigDefines(config: LoadedConfig): Record<string, string> {
  return { SWITCHBOARD_BUNDLED_CONFIG: JSON.stringify(JSON.stringify(config)), SWITCHBOARD_CONFIG_BUNDLED: 'true' };
}

/**
 * esbuild options that build a function entry as `AppFunction` has the CDK build it (ESM,
 * minified, source maps, the same target, fields, banner and built-in aliases), for benchmarks and tests that
 * measure or inspect bundles without a synth.
 */
export function functionEsbuildOptions(options: BuildOptions = {}): BuildOptions {
  const { define, ...rest } = options;
  return {
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: FUNCTION_TARGET,
    minify: true,
    sourcemap: true,
    mainFields: FUNCTION_MAIN_FIELDS,
    banner: { js: ESM_REQUIRE_BANNER },
    alias: FUNCTION_BUILTIN_ALIASES,
    ...rest,
    define: { ...FUNCTION_DEFINES, ...define },
  };
}
