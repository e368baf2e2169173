import { format } from 'node:util';
import type { FcContext, FcLogger, InvocationRecord, RegisteredFunction } from './functions';

export interface RuntimeOptions {
  readonly region: string;
  readonly accountId: string;
  /** Mirror function logs to stdout (the CLI does; tests keep them in the record). */
  readonly echoLogs: boolean;
}

function logger(record: InvocationRecord, echo: boolean): FcLogger {
  const line =
    (level: string) =>
    (...args: unknown[]): void => {
      const text = `${new Date().toISOString()} ${record.requestId} [${level}] ${format(...args)}`;
      record.logs.push(text);
      if (echo) process.stdout.write(`[fc:${record.functionName}] ${text}\n`);
    };
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR'), log: line('INFO') };
}

class FunctionTimeout extends Error {
  constructor(seconds: number) {
    super(`Function timed out after ${seconds} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

/**
 * Runs one attempt of an invocation in this process, with FC's context and the function's timeout.
 * A timed-out handler keeps running (nothing can stop a promise) but its outcome no longer counts.
 */
export async function runAttempt(fn: RegisteredFunction, record: InvocationRecord, options: RuntimeOptions): Promise<void> {
  record.attempts += 1;
  record.status = 'Running';
  record.startedAt ??= Date.now();
  const context: FcContext = {
    requestId: record.requestId,
    credentials: { accessKeyId: fn.credentials.accessKeyId, accessKeySecret: fn.credentials.accessKeySecret, securityToken: fn.credentials.securityToken },
    function: { name: fn.name, handler: fn.handlerName, memory: fn.memory, timeout: fn.timeout, ...(record.qualifier !== undefined && { qualifier: record.qualifier }) },
    region: options.region,
    accountId: options.accountId,
    logger: logger(record, options.echoLogs),
    retryCount: record.attempts - 1,
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeout(fn.timeout)), fn.timeout * 1000);
    });
    record.result = await Promise.race([Promise.resolve().then(() => fn.handler(Buffer.from(record.payload), context)), timeout]);
    record.error = undefined;
    record.status = 'Succeeded';
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    record.error = { errorType: e.name || 'Error', errorMessage: e.message };
    record.status = 'Failed';
  } finally {
    if (timer) clearTimeout(timer);
    record.endedAt = Date.now();
  }
}
