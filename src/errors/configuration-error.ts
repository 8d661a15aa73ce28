/** A config file or environment the gateway cannot run with: start-up stops, naming the key. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
