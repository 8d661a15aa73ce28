/** No reply came from the worker within the sync request's time (the dispatcher answers `request_timeout`). */
export class ReplyTimeoutError extends Error {
  override readonly name = 'ReplyTimeoutError';
}
