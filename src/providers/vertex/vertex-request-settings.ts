import type { VertexLocation } from '../google-cloud/vertex-endpoint.ts';

/** What a Vertex AI request needs of its provider: where it goes and the configured extra headers (auth is added per call). */
export interface VertexRequestSettings extends VertexLocation {
  headers: Record<string, string>;
}
