import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallLog, Dispatcher } from './dispatch';
import { ApiFaultError } from './errors';
import { newRequestId } from './ids';
import type { Answer, Gateway, OperationRequest } from './operation';
import { firstHeader, parseTarget, readBody } from './request';
import type { Router } from './router';
import type { RequestGate } from './service';

/** Larger bodies than any emulated API accepts are refused before anything else happens. */
const MAX_BODY = 6 * 1024 * 1024;

/** A gateway as the server meets it: each part its service declared, or the POP gateway's. */
export interface GatewayParts {
  readonly gate: RequestGate;
  newRequestId(): string;
  answerHeaders(requestId: string): Readonly<Record<string, string>>;
  errorBody(error: ApiFaultError, requestId: string, host: string): unknown;
}

/** The POP gateway: what every request meets unless a route names another gateway. */
export function popGateway(gate: RequestGate): GatewayParts {
  return {
    gate,
    newRequestId,
    answerHeaders: () => ({}),
    errorBody: (error, requestId, host) => ({
      RequestId: requestId,
      HostId: host,
      Code: error.code,
      Message: error.message,
      Recommend: `local-cloud: ${error.code}`,
    }),
  };
}

export interface ApiServerParts {
  /** The POP gateway: V3 signatures (and RPC's V1), for every request no other gateway claims. */
  readonly pop: GatewayParts;
  /** The other gateways, by the name the router gives them. */
  readonly gateways: ReadonlyMap<Gateway, GatewayParts>;
  readonly router: Router;
  readonly dispatcher: Dispatcher;
  readonly log: CallLog;
}

function writeAnswer(res: ServerResponse, requestId: string, gateway: GatewayParts, answer: Answer): void {
  const body = answer.raw ?? (answer.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.json), 'utf8'));
  const headers: Record<string, string | number> = {
    'x-acs-request-id': requestId,
    'content-length': body.length,
    ...answer.headers,
    ...gateway.answerHeaders(requestId),
  };
  if (answer.raw === undefined || answer.json !== undefined) headers['content-type'] = 'application/json;charset=utf-8';
  res.writeHead(answer.status ?? 200, headers);
  res.end(body);
}

/** The gateway's error JSON (each has the shape its clients read). */
function writeError(res: ServerResponse, requestId: string, gateway: GatewayParts, host: string, error: ApiFaultError): void {
  writeAnswer(res, requestId, gateway, { status: error.status, json: gateway.errorBody(error, requestId, host), headers: error.headers });
}

async function handle(parts: ApiServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const gateway = parts.gateways.get(parts.router.gatewayOf(target)) ?? parts.pop;
  const requestId = gateway.newRequestId();
  const host = firstHeader(req.headers.host) ?? '127.0.0.1';
  const method = (req.method ?? 'GET').toUpperCase();
  let accessKeyId: string | undefined;
  try {
    const body = await readBody(req, MAX_BODY);
    const { rawPath, query } = parseTarget(target);
    const received = { method, rawPath, query, headers: req.headers, body, rawTarget: target };
    const caller = gateway.gate.check(received);
    accessKeyId = caller.accessKeyId;
    const { operation, params } = parts.router.route(method, rawPath, req.headers, query, body);
    const request: OperationRequest = { requestId, method, rawPath, params, query, headers: req.headers, body, caller };
    const outcome = await parts.dispatcher.dispatch(operation, request);
    if (outcome.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (outcome.kind === 'error') writeError(res, requestId, gateway, host, outcome.error);
    else writeAnswer(res, requestId, gateway, outcome.answer);
  } catch (error) {
    const fault =
      error instanceof ApiFaultError
        ? error
        : new ApiFaultError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
    if (!(error instanceof ApiFaultError)) console.error('[local-cloud] request failed unexpectedly:', error);
    // Refused before an operation was known (signature gate, unknown API, unreadable request).
    parts.log.add({
      requestId,
      operation: undefined,
      service: undefined,
      accessKeyId,
      at: Date.now(),
      status: fault.status,
      code: fault.code,
      replayed: false,
      fault: undefined,
    });
    if (!res.headersSent) writeError(res, requestId, gateway, host, fault);
  }
}

/** The one HTTP port that stands in for every emulated endpoint; loopback only. */
export function startApiServer(parts: ApiServerParts, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    void handle(parts, req, res);
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
