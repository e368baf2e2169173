export type {
  CloudEvent,
  DirectTrigger,
  EventsTrigger,
  FcContext,
  FcCredentials,
  FcEvent,
  FcHttpResponse,
  HttpRequest,
  HttpResult,
  HttpTrigger,
  TimerEvent,
  TimerTrigger,
  Trigger,
  TriggerKind,
} from './types';
export { fcTrigger } from './middleware';
export type { FcTriggerOptions } from './middleware';
export { decodeTrigger } from './decode';
export type { DecodeOptions } from './decode';
export { REQUEST_ID_HEADER, errorToHttpResponse, isHttpResult, toHttpResponse } from './response';
export { createRouter } from './router';
export type { RouteMatch, RouteParams, Router } from './router';
export { InvalidJsonError, MethodNotAllowedError, PayloadTooLargeError } from './errors';
export { DEFAULT_MAX_DEPTH, parseJson } from './safeJson';
export { booleanQuery } from './query';
