import { GatewayError } from '../errors/gateway-error.ts';

/**
 * A cap on the uploads one API process receives at once (`files.maxConcurrentUploads`). Each upload
 * streams into one Postgres transaction on a pooled connection for as long as the client sends; without
 * a cap, a few slow uploads could hold every connection and stall every other request. Beyond the cap
 * an upload is refused before its body is read: 503 with Retry-After, which the SDKs retry.
 */
export class UploadSlots {
  private active = 0;

  constructor(readonly limit: number) {}

  async run<Result>(upload: () => Promise<Result>): Promise<Result> {
    if (this.active >= this.limit) {
      throw new GatewayError({
        code: 'service_unavailable',
        message: `This gateway process is receiving ${this.limit} uploads already (files.maxConcurrentUploads); retry shortly.`,
      });
    }
    this.active += 1;
    try {
      return await upload();
    } finally {
      this.active -= 1;
    }
  }
}
