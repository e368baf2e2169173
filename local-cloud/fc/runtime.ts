import { format } from 'node:util';
import type { FcContext, FcLogger, InvocationRecord, RegisteredFunction } from './functions';
import type { InstancePool } from './instances';

export interface RuntimeOptions {
  readonly region: string;
  readonly accountId: string;
  /** Mirror function logs to stdout (the CLI does; tests keep them in the record). */
  readonly echoLogs: boolean;
}

/** One context.logger line, as FC formats it: time, request id, level, message. */
function logLine(record: InvocationRecord, echo: boolean, level: string, message: string): void {
  const text = `${new Date().toISOString()} ${record.requestId} [${level}] ${message}`;
  record.logs.push(text);
  if (echo) process.stdout.write(`[fc:${record.functionName}] ${text}\n`);
}

function logger(record: InvocationRecord, echo: boolean): FcLogger {
  const line =
    (level: string) =>
    (...args: unknown[]): void =>
      logLine(record, echo, level, format(...args));
  return { debug: line('DEBUG'), info: line('INFO'), warn: line('WARN'), error: line('ERROR'), log: line('INFO') };
}

class FunctionTimeoutError extends Error {
  constructor(seconds: number) {
    super(`Function timed out after ${seconds} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

/**
 * Runs one attempt of an invocation with FC's context and the function's timeout: in one of the
 * function's isolated instances when it was registered by code, else in this process (where a timed-out
 * handler keeps running, since nothing can stop a promise, but its outcome no longer counts).
 */
export async function runAttempt(
  fn: RegisteredFunction,
  record: InvocationRecord,
  options: RuntimeOptions,
  pool?: InstancePool,
): Promise<void> {
  record.attempts += 1;
  record.status = 'Running';
  record.startedAt ??= Date.now();
  const context: Omit<FcContext, 'logger'> = {
    requestId: record.requestId,
    credentials: {
      accessKeyId: fn.credentials.accessKeyId,
      accessKeySecret: fn.credentials.accessKeySecret,
      securityToken: fn.credentials.securityToken,
    },
    function: {
      name: fn.name,
      handler: fn.handlerName,
      memory: fn.memory,
      timeout: fn.timeout,
      ...(record.qualifier !== undefined && { qualifier: record.qualifier }),
    },
    region: options.region,
    accountId: options.accountId,
    retryCount: record.attempts - 1,
  };
  try {
    if (fn.runner.kind === 'instances') {
      if (!pool) throw new Error(`function '${fn.name}' has no instance pool`);
      const outcome = await pool.run({
        payload: Buffer.from(record.payload),
        context,
        timeoutMs: fn.timeout * 1000,
        // What the instance prints is the function's log (FC ships stdout to SLS); it also reaches ours.
        onOutput: (stream, text) => {
          record.logs.push(text.replace(/\n$/, ''));
          (stream === 'stderr' ? process.stderr : process.stdout).write(text);
        },
        onLog: (level, text) => logLine(record, options.echoLogs, level, text),
      });
      if (!outcome.ok) throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
      record.result = outcome.result;
    } else {
      record.result = await inProcess(fn.runner.handler, fn.timeout, Buffer.from(record.payload), {
        ...context,
        logger: logger(record, options.echoLogs),
      });
    }
    record.error = undefined;
    record.status = 'Succeeded';
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    record.error = { errorType: e.name || 'Error', errorMessage: e.message };
    record.status = 'Failed';
  } finally {
    record.endedAt = Date.now();
  }
}

async function inProcess(
  handler: (event: Buffer, context: FcContext) => unknown,
  seconds: number,
  event: Buffer,
  context: FcContext,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(seconds)), seconds * 1000);
    });
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
