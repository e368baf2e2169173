import { afterEach, beforeEach, vi } from 'vitest';
import { clearSecrets } from '../../shared/redaction/redact';

/**
 * The one way suites capture what the code under test prints: the logger writes JSON lines to stdout,
 * FC instances' output reaches the emulator's stdout, and nothing else is a channel.
 */
export interface Captured {
  /** Everything written to stdout, as written. */
  readonly text: () => string;
  /** One parsed object per line; fails the test if a line is not a JSON object. */
  readonly records: () => Record<string, unknown>[];
  readonly restore: () => void;
}

const asText = (chunk: string | Uint8Array): string => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));

/** Sends what is written to `streams` to `sink` instead of the terminal, until the returned function is called. */
export function captureStreams(streams: readonly NodeJS.WriteStream[], sink: (text: string) => void): () => void {
  const spies = streams.map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      sink(asText(chunk));
      return true;
    }),
  );
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

/** Spies on process.stdout.write, the only channel the logger uses. */
export function captureStdout(): Captured {
  const chunks: string[] = [];
  const restore = captureStreams([process.stdout], (text) => chunks.push(text));
  const text = (): string => chunks.join('');
  return {
    text,
    records: () => {
      const body = text();
      if (body !== '' && !body.endsWith('\n')) throw new Error('stdout does not end with a newline');
      return body
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const value: unknown = JSON.parse(line);
          if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not a JSON object: ${line}`);
          return value as Record<string, unknown>;
        });
    },
    restore,
  };
}

/**
 * Captures stdout around every test of the calling file and forgets registered secrets after each, so
 * no test sees another's records or secrets. Returns a view of the current test's capture.
 */
export function captureEachTest(): Captured {
  let current: Captured | undefined;
  beforeEach(() => {
    current = captureStdout();
  });
  afterEach(() => {
    current?.restore();
    clearSecrets();
  });
  const active = (): Captured => {
    if (!current) throw new Error('captureEachTest: used outside a test');
    return current;
  };
  return { text: () => active().text(), records: () => active().records(), restore: () => active().restore() };
}

// A JSON log record as shared/logging writes it: `{"time":"...","level":"...",...}`.
const LOG_RECORD = /^\{"time":"[^"]*","level":"/;

/**
 * Holds the JSON log records written during each test and prints them only if that test fails, so that
 * `npm test` shows results, the suites' own figures and failures in full rather than every handler's
 * log lines. Anything else written to stdout passes through. Installed once per test file (vitest
 * setupFiles) by plain assignment, so a suite's own spies and `vi.restoreAllMocks()` stack on top of it.
 */
export function holdLogRecordsPerTest(): void {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  let held: string[] | undefined;
  stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (held && LOG_RECORD.test(asText(chunk))) {
      held.push(asText(chunk));
      const done = rest.find((r): r is () => void => typeof r === 'function');
      if (done) queueMicrotask(done);
      return true;
    }
    return write(chunk, ...rest);
  }) as typeof stdout.write;
  beforeEach(({ onTestFailed }) => {
    const mine: string[] = [];
    held = mine;
    onTestFailed(() => {
      if (mine.length > 0) write(`--- ${mine.length} log record(s) the failed test wrote:\n${mine.join('')}`);
    });
  });
  afterEach(() => {
    held = undefined;
  });
}

// `(node:1234) [DEP0005] DeprecationWarning: ...`: how Node prints a process warning, once per thread.
const NODE_WARNING = /^\(node:\d+\) \[([A-Z]+\d+)\] /;

/**
 * Lets each Node warning code through to stderr once per test file. Every FC instance the local cloud
 * starts is a worker thread that prints its own copy (an SDK's `Buffer()` deprecation, say), which made a
 * hundred identical lines of a single suite's output.
 */
export function printEachWarningOnce(): void {
  const stderr = process.stderr;
  const write = stderr.write.bind(stderr) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  const seen = new Set<string>();
  stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const code = NODE_WARNING.exec(asText(chunk))?.[1];
    if (code !== undefined) {
      if (seen.has(code)) {
        const done = rest.find((r): r is () => void => typeof r === 'function');
        if (done) queueMicrotask(done);
        return true;
      }
      seen.add(code);
    }
    return write(chunk, ...rest);
  }) as typeof stderr.write;
}
