import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallLog, Dispatcher } from './dispatch';
import { ApiFaultError } from './errors';
import type { EventBridgeSignatureGate } from './eventbridge/signature';
import type { Fc2SignatureGate } from './fc/fc2-signature';
import type { SignatureGate } from './gate';
import { newFcRequestId, newRequestId } from './ids';
import type { Answer, Gateway, OperationRequest } from './operation';
import { firstHeader, parseTarget, readBody } from './request';
import type { Router } from './router';

/** Larger bodies than any emulated API accepts are refused before anything else happens. */
const MAX_BODY = 6 * 1024 * 1024;

export interface ApiServerParts {
  readonly gate: SignatureGate;
  /** FC 2.0 requests (`/2016-08-15/...`) carry the fc2 SDK's `FC` signature instead of V3. */
  readonly fc2Gate: Fc2SignatureGate;
  /** EventBridge's data plane (`/openapi/putEvents`) carries its own `acs` HMAC-SHA1 signature. */
  readonly eventBridgeGate?: EventBridgeSignatureGate;
  readonly router: Router;
  readonly dispatcher: Dispatcher;
  readonly log: CallLog;
}

function writeAnswer(res: ServerResponse, requestId: string, api: Gateway, answer: Answer): void {
  const fc = api === 'fc3' || api === 'fc2';
  const body = answer.raw ?? (answer.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.json), 'utf8'));
  const headers: Record<string, string | number> = { 'x-acs-request-id': requestId, 'content-length': body.length, ...answer.headers };
  if (fc) headers['x-fc-request-id'] = requestId;
  if (answer.raw === undefined || answer.json !== undefined) headers['content-type'] = 'application/json;charset=utf-8';
  res.writeHead(answer.status ?? 200, headers);
  res.end(body);
}

/** The gateway's error JSON; FC 3.0 answers with its own smaller shape, FC 2.0 with `ErrorCode`/`ErrorMessage` (what the fc2 SDK reads). */
function writeError(res: ServerResponse, requestId: string, api: Gateway, host: string, error: ApiFaultError): void {
  const json =
    api === 'fc3'
      ? { Code: error.code, Message: error.message, RequestId: requestId }
      : api === 'fc2'
        ? { ErrorCode: error.code, ErrorMessage: error.message, RequestId: requestId }
        : api === 'eventbridge'
          ? // What @alicloud/eventbridge's doRequest reads from an error: `code`, `message`, `requestId`.
            { requestId, code: error.code, message: error.message }
          : { RequestId: requestId, HostId: host, Code: error.code, Message: error.message, Recommend: `local-cloud: ${error.code}` };
  writeAnswer(res, requestId, api, { status: error.status, json, headers: error.headers });
}

async function handle(parts: ApiServerParts, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const api = parts.router.gatewayOf(target);
  const requestId = api === 'pop' || api === 'eventbridge' ? newRequestId() : newFcRequestId();
  const host = firstHeader(req.headers.host) ?? '127.0.0.1';
  const method = (req.method ?? 'GET').toUpperCase();
  let accessKeyId: string | undefined;
  try {
    const body = await readBody(req, MAX_BODY);
    const { rawPath, query } = parseTarget(target);
    const received = { method, rawPath, query, headers: req.headers, body, rawTarget: target };
    const caller =
      api === 'fc2'
        ? parts.fc2Gate.check(received)
        : api === 'eventbridge' && parts.eventBridgeGate
          ? parts.eventBridgeGate.check(received)
          : parts.gate.check(received);
    accessKeyId = caller.accessKeyId;
    const { operation, params } = parts.router.route(method, rawPath, req.headers, query, body);
    const request: OperationRequest = { requestId, method, rawPath, params, query, headers: req.headers, body, caller };
    const outcome = await parts.dispatcher.dispatch(operation, request);
    if (outcome.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (outcome.kind === 'error') writeError(res, requestId, api, host, outcome.error);
    else writeAnswer(res, requestId, api, outcome.answer);
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
    if (!res.headersSent) writeError(res, requestId, api, host, fault);
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
