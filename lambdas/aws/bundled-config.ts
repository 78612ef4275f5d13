import type { LoadedConfig } from '../core/config/load-config.js';

/**
 * The governance config as data: validated once at synth time and inlined by esbuild as JSON
 * text (see lib/constructs/app-function.ts; `JSON.parse` reads a large config faster than V8
 * evaluates the same object literal), so a function always runs with the
 * config it was deployed with, a config change is a new deployment, and a cold start parses no
 * YAML and runs no schema: the YAML parser and the config schema are not even in the bundle.
 * Both constants are undefined when running from source (tests, the CLI).
 */
declare const SWITCHBOARD_BUNDLED_CONFIG: string | undefined;
declare const SWITCHBOARD_CONFIG_BUNDLED: boolean | undefined;

/**
 * The config the function was built with; from source, the config file (read and validated
 * then, through a dynamic import that the bundle's constant folding removes).
 */
export const bundledConfig: LoadedConfig =
  typeof SWITCHBOARD_CONFIG_BUNDLED !== 'undefined' && SWITCHBOARD_CONFIG_BUNDLED
    ? (JSON.parse(SWITCHBOARD_BUNDLED_CONFIG!) as LoadedConfig)
    : (await import('../core/config/load-config.js')).loadConfig();
