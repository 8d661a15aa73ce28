/**
 * Every error class of the gateway, in one folder (as BullMQ keeps its own): what an answer, a job or a
 * start-up can fail with. `GatewayError` is what a client reads; `ProviderError` is every provider
 * failure, with `retryable`; the rest steer jobs and processes.
 */
export { ConfigurationError } from './configuration-error.ts';
export { errorTypeFor, GatewayError, gatewayErrorCodes, type GatewayErrorCode, type GatewayErrorOptions, type GatewayErrorPayload } from './gateway-error.ts';
export { HandBackError } from './hand-back-error.ts';
export { isOutageError, unavailableDependency, type Dependency } from './outage-errors.ts';
export { ProviderError, type ProviderErrorOptions } from './provider-error.ts';
export { ReplyTimeoutError } from './reply-timeout-error.ts';
export { RetryDelayError } from './retry-delay-error.ts';
export { DeploymentConflictError, StartupAbortedError, StartupTimeoutError } from './startup-errors.ts';
export { TimeLimitError } from './time-limit-error.ts';
