import { ApiFaultError } from '../errors';
import type { Operation, OperationRequest } from '../operation';
import { firstHeader } from '../request';
import type { EventBusStore } from './bus';

/** https://www.alibabacloud.com/help/en/eventbridge/latest/putevents-3 "Limits". */
export const LIMITS = { maxEvents: 16, maxEventBytes: 64 * 1024, maxRequestBytes: 262_144 } as const;

/** Required CloudEvent attributes, per the API page's request parameters. */
const REQUIRED = ['id', 'source', 'type', 'specversion', 'time', 'aliyuneventbusname'] as const;

type Entry = { EventId: string; TraceId: string } | { ErrorCode: string; ErrorMessage: string };

/** Why one event is refused, or undefined when it is taken. Codes are *assumed* (the API page names none). */
function problem(event: unknown, bytes: number, buses: EventBusStore): { code: string; message: string } | undefined {
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    return { code: 'InvalidArgument', message: 'each event must be a JSON object' };
  const e = event as Record<string, unknown>;
  if (bytes > LIMITS.maxEventBytes)
    return { code: 'EventTooLarge', message: `the event is ${bytes} bytes; at most ${LIMITS.maxEventBytes}` };
  for (const name of REQUIRED) {
    const v = e[name];
    if (typeof v !== 'string' || v === '')
      return { code: 'InvalidArgument', message: `attribute ${name} is required (a non-empty string)` };
  }
  if (e['specversion'] !== '1.0') return { code: 'InvalidArgument', message: `specversion must be 1.0, got ${String(e['specversion'])}` };
  const contentType = e['datacontenttype'];
  // The API page: "Set the value of this parameter to application/json".
  if (contentType !== undefined && (typeof contentType !== 'string' || !/^application\/json\b/i.test(contentType))) {
    return { code: 'InvalidArgument', message: 'datacontenttype must be application/json' };
  }
  if ('data_base64' in e) return { code: 'InvalidArgument', message: 'data_base64 is not accepted: data must be JSON' };
  const bus = e['aliyuneventbusname'] as string;
  if (!buses.has(bus)) return { code: 'EventBusNotExist', message: `event bus ${bus} does not exist` };
  return undefined;
}

/**
 * PutEvents on the data plane (`POST /openapi/putEvents`): a JSON array of CloudEvents 1.0 in
 * `application/cloudevents-batch+json`, each naming its bus in the `aliyuneventbusname` extension. The answer
 * is the API page's: RequestId, FailedEntryCount and one EntryList item per event (EventId and TraceId, or
 * ErrorCode and ErrorMessage, the fields `@alicloud/eventbridge`'s PutEventsResponseEntry reads).
 * A request that is not a batch at all is refused whole; single events are refused one by one.
 */
export function eventBridgeOperations(buses: EventBusStore, accountId: string): Operation[] {
  return [
    {
      name: 'PutEvents',
      service: 'eventbridge',
      // https://www.alibabacloud.com/help/en/eventbridge/latest/putevents-3
      routes: [{ style: 'path', methods: ['POST'], path: '/openapi/putEvents', gateway: 'eventbridge' }],
      handle(req: OperationRequest) {
        const contentType = firstHeader(req.headers['content-type']) ?? '';
        if (!/^application\/cloudevents-batch\+json\b/i.test(contentType)) {
          throw new ApiFaultError(
            400,
            'InvalidContentType',
            `Content-Type must be application/cloudevents-batch+json, got "${contentType}"`,
          );
        }
        if (req.body.length > LIMITS.maxRequestBytes)
          throw new ApiFaultError(400, 'EventBatchTooLarge', `the request is ${req.body.length} bytes; at most ${LIMITS.maxRequestBytes}`);
        let parsed: unknown;
        try {
          parsed = JSON.parse(req.body.toString('utf8'));
        } catch {
          throw new ApiFaultError(400, 'InvalidArgument', 'the request body is not valid JSON');
        }
        if (!Array.isArray(parsed) || parsed.length === 0)
          throw new ApiFaultError(400, 'InvalidArgument', 'the request body must be a non-empty JSON array of CloudEvents');
        if (parsed.length > LIMITS.maxEvents)
          throw new ApiFaultError(400, 'EventBatchSizeExceeded', `${parsed.length} events in one request; at most ${LIMITS.maxEvents}`);
        const entries: Entry[] = parsed.map((event: unknown) => {
          const p = problem(event, Buffer.byteLength(JSON.stringify(event) ?? ''), buses);
          if (p) return { ErrorCode: p.code, ErrorMessage: p.message };
          const e = event as Record<string, unknown>;
          const accepted = buses.accept(e['aliyuneventbusname'] as string, e);
          return { EventId: accepted.eventId, TraceId: accepted.traceId };
        });
        return {
          json: {
            RequestId: req.requestId,
            ResourceOwnerAccountId: accountId,
            FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length,
            EntryList: entries,
          },
        };
      },
    },
  ];
}
