import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallLog, Dispatcher } from './dispatch';
import { ApiFault } from './errors';
import type { SignatureGate } from './gate';
import { newFcRequestId, newRequestId } from './ids';
import type { Answer, OperationRequest } from './operation';
import { firstHeader, parseTarget, readBody } from './request';
import type { Router } from './router';

/** Larger bodies than any emulated API accepts are refused before anything else happens. */
const MAX_BODY = 6 * 1024 * 1024;

export interface ApiServerParts {
  readonly gate: SignatureGate;
  readonly router: Router;
  readonly dispatcher: Dispatcher;
  readonly log: CallLog;
}

const isFcPath = (rawPath: string): boolean => rawPath.startsWith('/2023-03-30/');

function writeAnswer(res: ServerResponse, requestId: string, fc: boolean, answer: Answer): void {
  const body = answer.raw ?? (answer.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.json), 'utf8'));
  const headers: Record<string, string | number> = { 'x-acs-request-id': requestId, 'content-length': body.length, ...answer.headers };
  if (fc) headers['x-fc-request-id'] = requestId;
  if (answer.raw === undefined || answer.json !== undefined) headers['content-type'] = 'application/json;charset=utf-8';
  res.writeHead(answer.status ?? 200, headers);
  res.end(body);
}

/** The gateway's error JSON; FC 3.0 answers with its own smaller shape. */
function writeError(res: ServerResponse, requestId: string, fc: boolean, host: string, error: ApiFault): void {
  const json = fc
    ? { Code: error.code, Message: error.message, RequestId: requestId }
    : { RequestId: requestId, HostId: host, Code: error.code, Message: error.message, Recommend: `local-cloud: ${error.code}` };
  writeAnswer(res, requestId, fc, { status: error.status, json, headers: error.headers });
}

async function handle(parts: ApiServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const fc = isFcPath(target);
  const requestId = fc ? newFcRequestId() : newRequestId();
  const host = firstHeader(req.headers.host) ?? '127.0.0.1';
  const method = (req.method ?? 'GET').toUpperCase();
  let accessKeyId: string | undefined;
  try {
    const body = await readBody(req, MAX_BODY);
    const { rawPath, query } = parseTarget(target);
    const caller = parts.gate.check({ method, rawPath, query, headers: req.headers, body });
    accessKeyId = caller.accessKeyId;
    const { operation, params } = parts.router.route(method, rawPath, req.headers, query, body);
    const request: OperationRequest = { requestId, method, rawPath, params, query, headers: req.headers, body, caller };
    const outcome = await parts.dispatcher.dispatch(operation, request);
    if (outcome.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (outcome.kind === 'error') writeError(res, requestId, fc, host, outcome.error);
    else writeAnswer(res, requestId, fc, outcome.answer);
  } catch (error) {
    const fault = error instanceof ApiFault ? error : new ApiFault(500, 'InternalError', 'The request processing has failed due to some unknown error.');
    if (!(error instanceof ApiFault)) console.error('[local-cloud] request failed unexpectedly:', error);
    // Refused before an operation was known (signature gate, unknown API, unreadable request).
    parts.log.add({ requestId, operation: undefined, service: undefined, accessKeyId, at: Date.now(), status: fault.status, code: fault.code, replayed: false, fault: undefined });
    if (!res.headersSent) writeError(res, requestId, fc, host, fault);
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
