/** An AWS request as the rehearsal front sees it, for the tables of what IAM checks for each request. */
import type { AwsRequest } from '../../src/core/aws/index.ts';

export const SCOPE = { partition: 'aws', account: '123456789012', region: 'eu-west-1' };

/** A request with the given fields; the rest empty, the method `method`. */
export const request =
  (method: string) =>
  (r: Partial<AwsRequest>): AwsRequest => ({ method, path: '/', query: {}, form: {}, json: {}, body: '', ...r });
