import type { LoadedConfig } from '#core/config/load-config.js';
import {
  bundledConfigDefines,
  ESM_REQUIRE_BANNER,
  FUNCTION_BUILTIN_ALIASES,
  FUNCTION_DEFINES,
  FUNCTION_MAIN_FIELDS,
  FUNCTION_TARGET,
} from './function-bundling.js';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Architecture,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsLogLevel,
  ParamsAndSecretsVersions,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { basename } from 'node:path';

/** Props of {@link AppFunction}. */
export interface AppFunctionProps {
  /** The handler file (exports `handler`). */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  /** @default Duration.seconds(10) */
  timeout?: Duration;
  /** @default 512 */
  memorySize?: number;
  /** The validated governance config, inlined into the bundle as data (see lambdas/aws/bundled-config.ts). */
  bundledConfig?: LoadedConfig;
  /** @default RetentionDays.ONE_MONTH */
  logRetention?: RetentionDays;
  /** @default no reservation */
  reservedConcurrentExecutions?: number;
  /**
   * Add the AWS Parameters and Secrets Lambda extension (a layer AWS publishes), which the
   * function reads secrets through (lambdas/aws/platform-secrets.ts) instead of a Secrets
   * Manager client. It keeps each secret four minutes. @default false
   */
  secretsExtension?: boolean;
  /**
   * Files copied next to the bundle's `index.mjs` (absolute paths), for code that reads a file
   * relative to its module, like the enrichment model.
   */
  bundledFiles?: string[];
}

/**
 * A Lambda function with Switchboard's defaults in one place: Node.js 24 on arm64, an ESM
 * bundle with the AWS SDK included (so the version is the one the lockfile pins and the local
 * twin runs the same bytes), X-Ray tracing, source maps beside the bundle (not loaded at run time), and an explicit log group with retention.
 */
export class AppFunction extends Construct {
  readonly fn: NodejsFunction;
  /** Its Powertools service name: the `service` dimension of every metric it emits. */
  readonly serviceName: string;

  /** The service name a function of this id in this stack has (for metrics before it exists). */
  static serviceNameOf(scope: Construct, id: string): string {
    return `${Stack.of(scope).stackName}-${id}`;
  }

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    this.serviceName = AppFunction.serviceNameOf(this, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...(props.secretsExtension
        ? {
            paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
              cacheEnabled: true,
              secretsManagerTtl: Duration.minutes(4),
              logLevel: ParamsAndSecretsLogLevel.WARN,
            }),
          }
        : {}),
      logGroup,
      // No --enable-source-maps at run time: Node then reads every bundle's map at load, about
      // 12 ms of each cold start (bench/cold-import.ts). The maps ship beside the bundles; to read
      // a stack trace, set NODE_OPTIONS=--enable-source-maps on the function while debugging.
      environment: {
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: FUNCTION_TARGET,
        mainFields: FUNCTION_MAIN_FIELDS,
        externalModules: [],
        banner: ESM_REQUIRE_BANNER,
        esbuildArgs: { '--alias': Object.entries(FUNCTION_BUILTIN_ALIASES).map(([from, to]) => `${from}=${to}`) },
        define: {
          ...FUNCTION_DEFINES,
          ...(props.bundledConfig === undefined ? {} : bundledConfigDefines(props.bundledConfig)),
        },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) =>
            (props.bundledFiles ?? []).map((file) => `cp "${file}" "${outputDir}/${basename(file)}"`),
        },
      },
    });
  }
}
