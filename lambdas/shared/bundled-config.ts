import { loadConfig, parseConfig, type LoadedConfig } from '../core/config/load-config.js';

/**
 * The YAML text of the governance config, inlined by esbuild at synth time (see
 * lib/constructs/app-function.ts), so a function always runs with the config it was deployed
 * with and a config change is a new deployment. Undefined when running from source (tests).
 */
declare const SWITCHBOARD_BUNDLED_CONFIG: string | undefined;

/** The config the function was built with, falling back to the file when run from source. */
export function bundledConfig(): LoadedConfig {
  return typeof SWITCHBOARD_BUNDLED_CONFIG === 'string' ? parseConfig(SWITCHBOARD_BUNDLED_CONFIG, 'bundled switchboard.yaml') : loadConfig();
}
