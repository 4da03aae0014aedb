/** AWS STS: the role's own session, and the bearer tokens other services (CodeArtifact) hand out. */
import { check, type AwsService } from './service.js';

export const sts: AwsService = {
  name: 'sts',
  actions: [
    'AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity AssumeRoot *DecodeAuthorizationMessage *GetAccessKeyInfo',
    '*GetCallerIdentity *GetDelegatedAccessToken GetFederationToken *GetServiceBearerToken *GetSessionToken',
    '*GetWebIdentityToken SetContext SetSourceIdentity *TagGetWebIdentityToken TagSession',
  ].join(' '),
  cli: {},
  free: ['GetCallerIdentity'],
  query: (name, req) => [check(`sts:${name}`, req.form['RoleArn'] ?? '*')],
};
