/**
 * The registry of secret values (passwords, access key secrets, STS tokens) and the scrubbing that keeps
 * them out of logs, error messages, HTTP answers and events. Logging, trigger responses and the rotation
 * code all use it; it depends on nothing else in shared/.
 */

export { containsSecret, isSecretKey, REDACTED, redactValue, registerSecret, scrubText } from './redact';
