/**
 * The AWS Regions with a `bedrock-runtime` endpoint, as AWS lists them ("Regional availability by
 * endpoints", and the GovCloud Regions of "Amazon Bedrock endpoints and quotas"). A provider whose
 * `region` is not here needs a `baseUrl` (a VPC endpoint, a Region newer than this list).
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/endpoints-region-availability.html
 * @see https://docs.aws.amazon.com/general/latest/gr/bedrock.html
 */
export const bedrockRuntimeRegions = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'me-central-1',
  'me-south-1',
  'il-central-1',
  'sa-east-1',
  'af-south-1',
  'us-gov-east-1',
  'us-gov-west-1',
] as const;

export function isBedrockRuntimeRegion(region: string): boolean {
  return (bedrockRuntimeRegions as readonly string[]).includes(region);
}

/** The Region's runtime endpoint. @see https://docs.aws.amazon.com/general/latest/gr/bedrock.html */
export function bedrockRuntimeEndpoint(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}
