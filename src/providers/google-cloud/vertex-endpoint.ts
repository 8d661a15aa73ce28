/** The Vertex AI project and location a call goes to (the project resolved at start). */
export interface VertexLocation {
  project: string;
  location: string;
}

/**
 * Vertex AI's host for a location: `{location}-aiplatform.googleapis.com`, or
 * `aiplatform.googleapis.com` for the `global` endpoint.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/learn/locations
 */
export function vertexBaseUrl(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

/** A path segment encoded, `@` kept (Claude's model ids are `claude-sonnet-4-5@20250929`). */
const segment = (value: string): string => encodeURIComponent(value).replaceAll('%40', '@');

/**
 * `/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}`: a publisher
 * model's resource path, to which the method (`:generateContent`, `:rawPredict`, …) is appended.
 */
export function vertexModelPath(where: VertexLocation, publisher: string, model: string): string {
  return `/v1/projects/${segment(where.project)}/locations/${segment(where.location)}/publishers/${publisher}/models/${segment(model)}`;
}
