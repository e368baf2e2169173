import { clearSecrets, containsSecret, isSecretKey, redactValue, registerSecret, scrubText, unregisterSecret } from './redact';

export { Logger, levelFromEnv } from './logger';
export type { LogFields, LogLevel, LoggerOptions } from './logger';
export { logger, withLogger } from './current';
export { fcLogging } from './middleware';
export type { FcLoggingOptions } from './middleware';
export { REDACTED, MIN_SECRET_LENGTH, clearSecrets, containsSecret, isSecretKey, redactValue, registerSecret, scrubText, unregisterSecret } from './redact';
export type { RedactOptions } from './redact';

/** The redaction registry and helpers under one name: `redact.register(password)`. */
export const redact = {
  register: registerSecret,
  unregister: unregisterSecret,
  clear: clearSecrets,
  text: scrubText,
  value: redactValue,
  contains: containsSecret,
  isSecretKey,
} as const;
