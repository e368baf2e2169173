// The baseline of `npm run bench`: the whitelist job built the way most users would, on the official
// SDK. It lives only in bench/ and is never part of a function bundle.
import middy from '@middy/core';
import { type Decoded, decodeFcEvent } from './decode';
import { clientFor, type FcContextLike, toRequest, updateWhitelist } from './whitelist';

const PATH = /^\/openapi\/instances\/([^/]+)\/private-network-white-ips$/;

interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const json = (statusCode: number, value: unknown): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

async function onEvent(event: Decoded, context: FcContextLike): Promise<unknown> {
  const client = clientFor(context);
  if (event.kind === 'http') {
    const m = PATH.exec(event.path);
    if (event.method !== 'POST' || !m) return json(404, { code: 'NotFound' });
    try {
      const req = toRequest(decodeURIComponent(m[1] ?? ''), event.query['modifyMode'], event.body, event.query['clientToken']);
      const res = await updateWhitelist(client, req);
      return json(200, res.body?.toMap());
    } catch (error) {
      const e = error as { statusCode?: number; code?: string; message?: string };
      return json(e.statusCode ?? 500, { code: e.code ?? 'InternalError', message: e.message });
    }
  }
  // One call per event, in order: each change waits for the previous one to finish activating.
  let done = 0;
  for (const e of event.events) {
    const data = (e.data ?? {}) as Record<string, unknown>;
    const { instanceId, modifyMode, clientToken, ...body } = data;
    await updateWhitelist(client, toRequest(instanceId, modifyMode, body, clientToken));
    done += 1;
  }
  return { done };
}

export const handler = middy<Buffer, unknown, Error, FcContextLike>().handler(async (event, context) =>
  onEvent(decodeFcEvent(event), context),
);
