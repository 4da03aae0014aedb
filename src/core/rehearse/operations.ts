/**
 * Which IAM action an AWS API request needs, on which resource, with which condition keys — read from the
 * request itself, as IAM authorizes it: the protocol names the service and operation (credential scope,
 * `Action=` of Query, `X-Amz-Target` of JSON; a REST path only its service knows), and the service's module
 * in core/aws says what IAM checks. Anything else is named `<service>:<Operation>` on `*`.
 */
import { AWS_SERVICES, awsService, type AwsRequest, type Operation, type Scope } from '../aws/index.js';

const onAll = (service: string, name: string, action = `${service}:${name}`): Operation => ({
  service,
  name,
  checks: [{ action, resource: '*', context: {} }],
});

/** The IAM checks one request needs. `scope` supplies the account and region ARNs are built with. */
export function operationOf(req: AwsRequest, scope: Scope): Operation {
  if (req.form['Action']) {
    // STS is the one service the CLI calls unsigned (AssumeRoleWithWebIdentity)
    const service = req.service ?? 'sts';
    const name = req.form['Action'];
    const checks = awsService(service)?.query?.(name, req, scope);
    return checks ? { service, name, checks } : onAll(service, name);
  }
  if (req.target) {
    const [prefix = '', name = 'Unknown'] = req.target.split('.');
    const service = req.service ?? prefix;
    const checks = awsService(service)?.json?.(name, req, scope);
    return checks ? { service, name, checks } : onAll(service, name);
  }
  const service = req.service ?? 'unknown';
  const known = awsService(service)?.rest?.(req, scope);
  return known ? { service, ...known } : onAll(service, `${req.method} ${req.path}`, `${service}:${req.method}`);
}

/** Operations everyone may call: IAM does not authorize them. */
export const UNAUTHORIZED_ACTIONS: readonly string[] = AWS_SERVICES.flatMap((s) =>
  (s.free ?? []).map((name) => `${s.name}:${name}`),
);
