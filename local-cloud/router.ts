import { ApiFaultError, apiNotFound } from './errors';
import { type Gateway, type Operation, POP_GATEWAY, type Route } from './operation';
import { firstHeader, pathSegments } from './request';

type PathRoute = Extract<Route, { style: 'path' }>;

interface Entry<R extends Route> {
  readonly operation: Operation;
  readonly route: R;
  /** The route's path as segments: literals, or `{Name}` for a path parameter. */
  readonly pattern: readonly string[];
}

export interface Routed {
  readonly operation: Operation;
  readonly params: Record<string, string>;
}

const segmentsOf = (path: string): string[] => path.split('/').filter((s) => s !== '');
const isParam = (segment: string): boolean => segment.startsWith('{') && segment.endsWith('}');

function matchPattern(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (isParam(p)) params[p.slice(1, -1)] = s;
    else if (p !== s) return undefined;
  }
  return params;
}

/** RPC parameters may come in the query or as a form body; the query wins, as on the gateway. */
function rpcParams(query: Readonly<Record<string, string>>, contentType: string | undefined, body: Buffer): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (contentType?.startsWith('application/x-www-form-urlencoded') && body.length > 0) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
  }
  return Object.assign(params, query);
}

/** Finds a request's operation from the routes the operations declare, as the gateway does. */
export class Router {
  /** RPC: version, then action. */
  private readonly rpc = new Map<string, Map<string, Operation>>();
  private readonly roa: Entry<Extract<Route, { style: 'roa' }>>[] = [];
  private readonly paths: Entry<PathRoute>[] = [];

  constructor(operations: Iterable<Operation>) {
    for (const operation of operations) {
      for (const route of operation.routes) {
        if (route.style === 'rpc') {
          const actions = this.rpc.get(route.version) ?? new Map<string, Operation>();
          actions.set(operation.name, operation);
          this.rpc.set(route.version, actions);
        } else if (route.style === 'roa') this.roa.push({ operation, route, pattern: segmentsOf(route.path) });
        else this.paths.push({ operation, route, pattern: segmentsOf(route.path) });
      }
    }
  }

  /**
   * The gateway of a request target, read before anything is decoded (the answer to an undecodable
   * request has its gateway's shape too): a fixed path exactly, a parameterised one by its first segment.
   */
  gatewayOf(target: string): Gateway {
    const path = target.split('?')[0] ?? '';
    for (const e of [...this.roa, ...this.paths]) {
      const gateway = e.route.gateway;
      if (gateway === undefined) continue;
      if (e.pattern.some(isParam) ? path.startsWith(`/${e.pattern[0]}/`) : path === e.route.path) return gateway;
    }
    return POP_GATEWAY;
  }

  route(
    method: string,
    rawPath: string,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    query: Readonly<Record<string, string>>,
    body: Buffer,
  ): Routed {
    const action = firstHeader(headers['x-acs-action']) ?? '';
    const version = firstHeader(headers['x-acs-version']) ?? '';

    if (rawPath === '/' || rawPath === '') {
      const actions = this.rpc.get(version);
      if (!actions) throw new ApiFaultError(400, 'InvalidVersion', `Specified parameter Version is not valid. (${version})`);
      if (method !== 'POST' && method !== 'GET') throw apiNotFound(`${method} /`);
      const operation = actions.get(action);
      if (!operation) throw apiNotFound(`action ${action} of version ${version}`);
      return { operation, params: rpcParams(query, firstHeader(headers['content-type']), body) };
    }

    // A fixed data-plane path (EventBridge's `POST /openapi/putEvents`) is the path exactly as written.
    for (const e of this.paths) {
      if (e.pattern.some(isParam) || rawPath !== e.route.path) continue;
      if (!e.route.methods.includes(method)) throw apiNotFound(`${method} ${rawPath}`);
      return { operation: e.operation, params: {} };
    }
    const segments = pathSegments(rawPath);
    const claimed = this.paths.filter((e) => e.route.claims && startsWith(segments, segmentsOf(e.route.claims.prefix)));
    if (claimed.length > 0) {
      for (const e of claimed) {
        const params = matchPattern(e.pattern, segments);
        if (params && e.route.methods.includes(method)) return { operation: e.operation, params };
      }
      const { status, code } = claimed[0]!.route.claims!;
      throw new ApiFaultError(status, code, `'${method}' against '${rawPath}' is not supported`);
    }
    let pathMatched = false;
    const parameterised = this.paths.filter((e) => e.pattern.some(isParam) && !e.route.claims);
    for (const e of [...this.roa, ...parameterised]) {
      const params = matchPattern(e.pattern, segments);
      if (!params) continue;
      pathMatched = true;
      if (!e.route.methods.includes(method)) continue;
      if (e.route.style === 'roa' && (e.route.version !== version || e.operation.name !== action))
        throw apiNotFound(`${method} ${rawPath} is ${e.operation.name} ${e.route.version}, not ${action} ${version}`);
      return { operation: e.operation, params };
    }
    throw apiNotFound(pathMatched ? `${method} is not allowed on ${rawPath}` : `${method} ${rawPath}`);
  }
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((p, i) => segments[i] === p);
}
