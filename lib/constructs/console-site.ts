import { apiIntegration } from './api-integration.js';
import { CfnOutput, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  type CfnStage,
  CognitoUserPoolsAuthorizer,
  MethodLoggingLevel,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  Function as EdgeFunction,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A function the construct can also give environment variables to (a `Function` or `NodejsFunction`). */
export type ConfigurableFunction = IFunction & Pick<LambdaFunction, 'addEnvironment'>;

/** Props of {@link ConsoleSite}. */
export interface ConsoleSiteProps {
  /** The stack's REST API (the webhooks API): `GET /console/api/{name}` is added to it, behind the sign-in. */
  api: RestApi;
  /** The console's read-only API function; it is told the digest bucket (`DIGEST_BUCKET`) to list and read the digests. */
  consoleFunction: ConfigurableFunction;
  /**
   * The daily digest function, when there is one: it may write `digests/*` in the digest bucket
   * (`DIGEST_BUCKET`) and is told the console's address (`CONSOLE_URL`) to link back to it.
   */
  digestFunction?: ConfigurableFunction;
  /** Steady-state and burst requests per second for `GET /console/api/{name}`. @default { rateLimit: 20, burstLimit: 40 } */
  throttle?: { rateLimit: number; burstLimit: number };
  /**
   * A custom domain for the console and its certificate (ACM, us-east-1). Without it the
   * console is served at the distribution's `*.cloudfront.net` name. @default none
   */
  customDomain?: { domainName: string; certificate: ICertificate };
  /** A WAFv2 web ACL (scope CLOUDFRONT, us-east-1) to attach to the distribution, by ARN. @default none */
  webAclArn?: string;
  /** Days the CloudFront and S3 access logs are kept. @default 90 */
  accessLogDays?: number;
}

/** Where the console's static files are in the repo (served as they are: no build step). */
const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
/** The chart libraries' browser builds the pages load from `vendor/`, as local/console/console-files.ts serves them. */
const VENDOR = ['vega/build/vega.min.js', 'vega-lite/build/vega-lite.min.js', 'vega-embed/build/vega-embed.min.js'];

/** The console's key prefix in the bucket; pages, vendor files, config and digests all live under it. */
const PREFIX = 'console/';
/** The digests' key prefix in their own bucket. */
const DIGESTS = 'digests/';

/**
 * Viewer-request function of the static files: `/` and a bare `/console` go to `/console/`, and a
 * folder asks for its `index.html` (S3 behind Origin Access Control is the REST endpoint, which
 * has no index documents). `/console` with a query string is given index.html as it is, whose own
 * script moves it to `/console/` keeping the query (CloudFront Functions hand the query over as
 * parsed values, and rebuilding it exactly is not worth the risk).
 */
export const CONSOLE_REQUEST_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || (uri === '/console' && Object.keys(request.querystring).length === 0)) {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/console/' } } };
  }
  if (uri === '/console') request.uri = '/console/index.html';
  else if (uri.endsWith('/')) request.uri = uri + 'index.html';
  return request;
}`;

/**
 * The CSP sources (`'sha256-…'`) of every inline `<script>` of the console's pages, read when the
 * stack is synthesized so an edited page never goes out with a stale hash (today: index.html's
 * one, which moves `/console` to `/console/`).
 */
function inlineScriptHashes(): string[] {
  const sources = new Set<string>();
  for (const file of readdirSync(CONSOLE_DIR).filter((f) => f.endsWith('.html'))) {
    const html = readFileSync(join(CONSOLE_DIR, file), 'utf8');
    for (const [, script = ''] of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
      const hash = createHash('sha256').update(script, 'utf8').digest('base64');
      sources.add(`'sha256-${hash}'`);
    }
  }
  return [...sources].sort();
}

/**
 * A Cognito domain prefix from the stack's name and the account: lower-case letters, digits and
 * hyphens, without the words Cognito refuses ("aws", "amazon", "cognito"), at most 63 characters
 * (42 of name, "-console-", 12 digits). Unique per account and region, as a prefix must be.
 */
export function consoleDomainPrefix(stackName: string, account: string): string {
  const name =
    stackName
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 42)
      .replace(/-+$/, '') || 'switchboard';
  return `${name}-console-${account}`;
}

/**
 * The management console on AWS (docs/management.md, "The console", "On AWS"):
 * - the static pages (`console/`), the chart libraries (`console/vendor/`) and a `config.json`
 *   telling the pages where to sign in, in a private bucket served by CloudFront through Origin
 *   Access Control; the daily digests, which quote engagements, in a bucket of their own that
 *   CloudFront does not serve, read through the signed-in API (`api/digest?date=`);
 * - the read-only API, `GET /console/api/{name}` on the stack's REST API, reached through the
 *   same distribution (`/console/api/*`, never cached) so the pages call it on their own origin
 *   without CORS, and let through only with a Cognito ID token;
 * - the Cognito user pool people sign in with: no self sign-up (an administrator creates each
 *   account, see below), e-mail as the user name, TOTP MFA required, and a public app client with
 *   the authorization-code grant and PKCE that the pages use (console/auth.js).
 *
 * Creating a user (they get an e-mail with a temporary password, and set a new password and an
 * authenticator app at first sign-in):
 *
 * ```sh
 * aws cognito-idp admin-create-user --user-pool-id <ConsoleUserPoolId> \
 *   --username jane@example.com \
 *   --user-attributes Name=email,Value=jane@example.com Name=email_verified,Value=true \
 *   --desired-delivery-mediums EMAIL
 * ```
 *
 * On the local twin none of this exists: it serves `console/` itself (with the repo's
 * `console/config.json`, which has no `auth`, so the pages do not sign in) and ignores authorizers.
 */
export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  /** The daily digests (`digests/<date>.html`): private, read through the console API only. */
  readonly digestBucket: Bucket;
  readonly distribution: Distribution;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** `https://<distribution or custom domain>/console/`. */
  readonly url: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: where the pages send people to sign in. */
  readonly signInDomain: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // ---- Storage: the site's bucket and the access logs of it and of CloudFront -----------------
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an ACL grant to its log delivery account.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogDays ?? 90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the console bucket and distribution; logging it into itself would loop.',
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 's3/',
      // The digests exist nowhere else.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The digests quote engagements (personal data): a bucket of their own that CloudFront does
    // not serve, read only through the signed-in console API (`api/digest?date=`).
    this.digestBucket = new Bucket(this, 'DigestBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'digests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- Sign-in: the user pool, its managed login and the pages' app client --------------------
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${stack.stackName}-console`,
      // Administrators create every account: the console shows engagements (personal data).
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: Mfa.REQUIRED,
      // An authenticator app only: SMS needs an SNS role and spend limits, and is the weaker factor.
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.ESSENTIALS,
      // Without the console's address: the pool would wait on the distribution, which waits on
      // the API stage, which waits on the authorizer, which waits on the pool.
      userInvitation: {
        emailSubject: 'Your Switchboard console account',
        emailBody:
          'You can now sign in to the Switchboard console as {username} with the temporary password {####}. You will choose a new password and set up an authenticator app the first time. Ask your administrator for the console address.',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: consoleDomainPrefix(stack.stackName, stack.account) },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.signInDomain = domain.baseUrl();

    // ---- The read-only API, behind the sign-in -------------------------------------------------
    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
      // The pages send the ID token: it is what the pool issues for a person, no scope needed.
      identitySource: 'method.request.header.Authorization',
      resultsCacheTtl: Duration.minutes(5),
    });
    props.api.root
      .addResource('console')
      .addResource('api')
      .addResource('{name}')
      .addMethod('GET', apiIntegration(props.consoleFunction), {
        authorizer,
        requestParameters: { 'method.request.path.name': true },
        requestValidatorOptions: { validateRequestParameters: true },
      });
    this.throttleConsoleApi(props.api, props.throttle ?? { rateLimit: 20, burstLimit: 40 });

    // ---- CloudFront -----------------------------------------------------------------------------
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Switchboard console: security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            // The chart library compiles its expressions with Function() ('unsafe-eval');
            // index.html's one inline script is allowed by its hash.
            `script-src 'self' 'unsafe-eval' ${inlineScriptHashes().join(' ')}`,
            // vega-embed and its tooltip add their own <style> elements; digests style inline.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            // The pages exchange and refresh tokens at the Cognito domain.
            `connect-src 'self' ${this.signInDomain}`,
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // The sign-in code arrives in the URL: no page address is ever sent on to another site.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          {
            header: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
            override: true,
          },
        ],
      },
    });
    const requests = new EdgeFunction(this, 'RequestFunction', {
      comment: 'Switchboard console: / and /console to /console/, folders to index.html',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(CONSOLE_REQUEST_FUNCTION),
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${stack.stackName} management console`,
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Files are deployed with Cache-Control: no-cache (and the digests written with it), so
        // CloudFront and browsers check for a new version; the deployment also invalidates.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: requests, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        'console/api/*': {
          origin: new RestApiOrigin(props.api),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          // Answers are per person and change by the minute. With caching disabled CloudFront
          // forwards Authorization through the origin request policy (it refuses to otherwise).
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
      ...(props.customDomain
        ? { domainNames: [props.customDomain.domainName], certificate: props.customDomain.certificate }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
    });
    const host = props.customDomain?.domainName ?? this.distribution.distributionDomainName;
    this.url = `https://${host}/console/`;

    this.client = this.userPool.addClient('Client', {
      userPoolClientName: 'console',
      // A browser page keeps no secret: a public client, the code protected by PKCE instead.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      // A working day: after that, sign in (and MFA) again.
      refreshTokenValidity: Duration.hours(10),
      // The first sign-in sets a new password and an authenticator app: the longest Cognito allows.
      authSessionValidity: Duration.minutes(15),
    });
    // Managed login shows a page only for a client that has a style; Cognito's own one is enough.
    new CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    }).node.addDependency(domain);

    // ---- Deployment of the files -----------------------------------------------------------------
    const deployLogs = new LogGroup(this, 'DeploymentLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const common = {
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.noCache()],
      memoryLimit: 256,
      logGroup: deployLogs,
    };
    new BucketDeployment(this, 'Files', {
      ...common,
      sources: [
        // The repo's config.json (no sign-in, for the twin) is replaced by this deployment's own.
        Source.asset(CONSOLE_DIR, { exclude: ['config.json', '*.md', '.*'] }),
        Source.jsonData('config.json', {
          auth: {
            domain: this.signInDomain,
            clientId: this.client.userPoolClientId,
            redirectUri: this.url,
          },
        }),
      ],
      destinationKeyPrefix: PREFIX,
      // Pruned, so a page removed from the repo goes; never the digests, nor the other deployment's files.
      exclude: ['digests/*', 'vendor/*'],
      // One invalidation for both deployments (it covers vendor/ too).
      distribution: this.distribution,
      distributionPaths: [`/${PREFIX}*`],
    });
    new BucketDeployment(this, 'Vendor', {
      ...common,
      sources: VENDOR.map((path) => {
        const [pkg, folder, file] = path.split('/') as [string, string, string];
        return Source.asset(join(NODE_MODULES, pkg, folder), { exclude: ['*', `!${file}`] });
      }),
      destinationKeyPrefix: `${PREFIX}vendor/`,
    });

    // ---- The functions' access ------------------------------------------------------------------
    const digestObjects = `<${stack.getLogicalId(this.digestBucket.node.defaultChild as CfnBucket)}.Arn>/${DIGESTS}*`;
    props.consoleFunction.addEnvironment('DIGEST_BUCKET', this.digestBucket.bucketName);
    props.consoleFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.digestBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${DIGESTS}*`] } },
      }),
    );
    props.consoleFunction.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.digestBucket.arnForObjects(`${DIGESTS}*`)] }),
    );
    Validations.of(props.consoleFunction).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${digestObjects}]`,
      reason: 'The console API reads the digests, one object per day named by the date, under digests/ only.',
    });
    if (props.digestFunction) {
      props.digestFunction.addEnvironment('DIGEST_BUCKET', this.digestBucket.bucketName);
      props.digestFunction.addEnvironment('CONSOLE_URL', this.url);
      props.digestFunction.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.digestBucket.arnForObjects(`${DIGESTS}*`)] }),
      );
      Validations.of(props.digestFunction).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${digestObjects}]`,
        reason: 'The digest function writes one object per day, named by the date, under digests/ only.',
      });
    }

    this.acknowledge(props);

    new CfnOutput(stack, 'ConsoleUrl', { value: this.url, description: 'The management console (sign in)' });
    new CfnOutput(stack, 'ConsoleUserPoolId', {
      value: this.userPool.userPoolId,
      description: 'Console users: aws cognito-idp admin-create-user --user-pool-id <this> …',
    });
    new CfnOutput(stack, 'ConsoleBucketName', {
      value: this.bucket.bucketName,
      description: 'The console files (served by CloudFront)',
    });
    new CfnOutput(stack, 'ConsoleDigestBucketName', {
      value: this.digestBucket.bucketName,
      description: 'The daily digests (digests/<date>.html), read only through the signed-in console',
    });
  }

  /**
   * A throttle of its own for the console API, on the stage's method settings: the stage's
   * overall limit is the platforms' (webhooks), which the console must not eat into. Logging is
   * repeated because a method's settings replace the stage's for that method.
   */
  private throttleConsoleApi(api: RestApi, throttle: { rateLimit: number; burstLimit: number }): void {
    const stage = api.deploymentStage.node.defaultChild as CfnStage;
    const existing = stage.methodSettings;
    if (existing !== undefined && !Array.isArray(existing)) return; // a token: leave the stage alone
    stage.methodSettings = [
      ...(existing ?? []),
      {
        httpMethod: 'GET',
        resourcePath: '/~1console~1api~1{name}',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    ];
  }

  /** The cdk-nag findings this construct accepts, each with its reason. */
  private acknowledge(props: ConsoleSiteProps): void {
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection (the Plus plan) is billed per monthly user; this pool has only accounts administrators create (no self sign-up), each with a 14-character password and TOTP MFA required, for a read-only console.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Console users are the organisation’s own staff, who may work from anywhere; every API answer needs a Cognito sign-in with MFA, and the static files hold no data.',
      },
      ...(props.webAclArn
        ? []
        : [
            {
              id: 'AwsSolutions-CFR2',
              reason:
                'A CloudFront web ACL must live in us-east-1 and costs per rule and request; the data behind this distribution is reached only with a Cognito ID token and the API stage is throttled. Pass webAclArn to attach one where policy requires it.',
            },
          ]),
      ...(props.customDomain
        ? []
        : [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; pass customDomain (an ACM certificate) to get TLSv1.2_2021.',
            },
          ]),
    );
    // BucketDeployment's function is a singleton at the stack's root, shared by both deployments
    // (its role is its child); it is CDK's own, with the permissions CDK gives it.
    const stack = Stack.of(this);
    const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const bucketArn = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>`;
    const handlers = stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    for (const handler of handlers)
      Validations.of(handler).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'CDK’s BucketDeployment function: AWSLambdaBasicExecutionRole only writes its own logs.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
          reason: 'BucketDeployment reads the staged assets (CDK asset bucket) and the console files it replaces.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
          reason: 'BucketDeployment (aws s3 sync) reads the asset and console buckets’ metadata.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:List*]',
          reason: 'BucketDeployment (aws s3 sync) lists the console prefix to find what changed and what to prune.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
          reason: 'BucketDeployment prunes console files removed from the repo (never digests/, which it excludes).',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
          reason: 'BucketDeployment uploads the larger chart libraries in parts and aborts failed uploads.',
        },
        {
          // As cdk-nag renders it: a partition and region the stack's environment fixes appear as written.
          id: `AwsSolutions-IAM5[Resource::arn:${Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition}:s3:::cdk-${qualifier}-assets-${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}-${Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region}/*]`,
          reason: 'The CDK bootstrap asset bucket, whose object keys are content hashes known only at synthesis.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
          reason: 'BucketDeployment writes the console files; their keys are the repo’s file names under console/.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'The invalidation after a deployment: cloudfront:CreateInvalidation/GetInvalidation as CDK grants them, on every distribution.',
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            'The runtime of CDK’s BucketDeployment function (Python, with the AWS CLI layer) is chosen by aws-cdk-lib and moves with it.',
        },
      );
  }
}
