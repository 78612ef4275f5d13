import { LambdaIntegration } from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * A Lambda proxy integration whose invoke permission covers the whole REST API: one permission
 * per function, rather than CDK's default of two per method (one for the stage, one for the
 * console's test invoke). Per method, a stack with many departments (four methods each) passed
 * CloudFormation's 500-resource limit on permissions alone; the API is Switchboard's own, and
 * each method still names the one function it invokes.
 */
export function apiIntegration(fn: IFunction): LambdaIntegration {
  return new LambdaIntegration(fn, { scopePermissionToMethod: false });
}
