import type { SynthesizedStack } from '../template/cloud-assembly.js';
import { resourcesOfType } from '../template/cloud-assembly.js';

/** One `{method, path}` of the REST API and the function its proxy integration calls. */
export interface ApiRoute {
  method: string;
  /** Resource path template, e.g. `/webhooks/{platform}`. */
  path: string;
  functionLogicalId: string;
}

/** Routes plus API-level settings the emulation needs. */
export interface RestApiDefinition {
  routes: ApiRoute[];
  binaryMediaTypes: string[];
}

/**
 * Reads the REST API from the template: the resource tree (AWS::ApiGateway::Resource
 * PathPart/ParentId), each method's HTTP verb and the function named in its integration URI.
 */
export function readRestApi(stack: SynthesizedStack): RestApiDefinition {
  const resources = Object.fromEntries(resourcesOfType(stack, 'AWS::ApiGateway::Resource'));
  const pathOf = (ref: unknown): string => {
    const id = refId(ref);
    const r = id ? resources[id] : undefined;
    if (!r) return ''; // the API's root resource
    return `${pathOf(r.Properties?.ParentId)}/${String(r.Properties?.PathPart)}`;
  };
  const routes: ApiRoute[] = [];
  for (const [, method] of resourcesOfType(stack, 'AWS::ApiGateway::Method')) {
    const p = method.Properties ?? {};
    const integration = p.Integration as { Type?: string; Uri?: unknown } | undefined;
    const fn = findGetAttArn(integration?.Uri);
    if (integration?.Type !== 'AWS_PROXY' || !fn) continue;
    routes.push({ method: String(p.HttpMethod), path: pathOf(p.ResourceId) || '/', functionLogicalId: fn });
  }
  const api = resourcesOfType(stack, 'AWS::ApiGateway::RestApi')[0]?.[1];
  return { routes, binaryMediaTypes: (api?.Properties?.BinaryMediaTypes as string[] | undefined) ?? [] };
}

/** Matches a request path against a route template, returning the path parameters. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean);
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of t.entries()) {
    const actual = p[i]!;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) {
      // A malformed escape (`%E0%A4%A`) matches no route, as API Gateway finds no resource for it,
      // rather than throwing out of the server.
      try {
        params[param[1]!] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (part !== actual) return undefined;
  }
  return params;
}

function refId(value: unknown): string | undefined {
  return value && typeof value === 'object' && 'Ref' in value ? String((value as { Ref: unknown }).Ref) : undefined;
}

function findGetAttArn(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = findGetAttArn(v);
      if (found) return found;
    }
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') return String(getAtt[0]);
  for (const v of Object.values(value)) {
    const found = findGetAttArn(v);
    if (found) return found;
  }
  return undefined;
}
