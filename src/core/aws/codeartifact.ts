/**
 * AWS CodeArtifact: `codeartifact login` for npm, pip or twine, then the package registry itself, which
 * npm, pip and twine reach with the token (no AWS request: IAM still authorizes each read and publish).
 */
import { check, regionalArn, route, type Authorization, type AwsService, type Route, type Scope } from './service.js';

const ROUTES: Route[] = [
  ['POST', /^\/v1\/authorization-token$/, 'GetAuthorizationToken'],
  ['GET', /^\/v1\/repository\/endpoint$/, 'GetRepositoryEndpoint'],
];

export const codeartifact: AwsService = {
  name: 'codeartifact',
  actions: [
    'AssociateExternalConnection AssociateWithDownstreamRepository CopyPackageVersions *CreateDomain',
    '*CreatePackageGroup *CreateRepository DeleteDomain DeleteDomainPermissionsPolicy DeletePackage',
    'DeletePackageGroup DeletePackageVersions DeleteRepository DeleteRepositoryPermissionsPolicy DescribeDomain',
    'DescribePackage DescribePackageGroup DescribePackageVersion DescribeRepository DisassociateExternalConnection',
    'DisposePackageVersions GetAssociatedPackageGroup GetAuthorizationToken GetDomainPermissionsPolicy',
    'GetPackageVersionAsset GetPackageVersionReadme GetRepositoryEndpoint GetRepositoryPermissionsPolicy',
    'ListAllowedRepositoriesForGroup ListAssociatedPackages *ListDomains ListPackageGroups ListPackageVersionAssets',
    'ListPackageVersionDependencies ListPackageVersions ListPackages *ListRepositories ListRepositoriesInDomain',
    'ListSubPackageGroups ListTagsForResource PublishPackageVersion PutDomainPermissionsPolicy PutPackageMetadata',
    'PutPackageOriginConfiguration PutRepositoryPermissionsPolicy ReadFromRepository TagResource UntagResource',
    'UpdatePackageGroup UpdatePackageGroupOriginConfiguration UpdatePackageVersionsStatus UpdateRepository',
  ].join(' '),
  cli: {
    login: 'GetAuthorizationToken sts:GetServiceBearerToken GetRepositoryEndpoint',
  },
  rest(req, scope) {
    const hit = route(ROUTES, req);
    if (!hit) return undefined;
    const domain = req.query['domain'] ?? '';
    const arn = (resource: string) => regionalArn(scope, 'codeartifact', resource, req.query['domain-owner']);
    if (hit.name === 'GetAuthorizationToken')
      return {
        name: hit.name,
        // the token is an STS bearer token: IAM also checks sts:GetServiceBearerToken for CodeArtifact
        checks: [
          check('codeartifact:GetAuthorizationToken', arn(`domain/${domain}`)),
          check('sts:GetServiceBearerToken', '*', { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' }),
        ],
      };
    return {
      name: hit.name,
      checks: [check(`codeartifact:${hit.name}`, arn(`repository/${domain}/${req.query['repository'] ?? ''}`))],
    };
  },
};

/**
 * The check of a package registry request: reading the repository, or publishing a package (`@scope/name`
 * for npm, a PyPI name, which CodeArtifact compares normalized).
 */
export function packageCheck(
  scope: Scope,
  where: { domain: string; repository: string; format: string },
  published?: string,
): Authorization {
  const { domain, repository, format } = where;
  const arn = (resource: string) => regionalArn(scope, 'codeartifact', resource);
  if (published === undefined)
    return check('codeartifact:ReadFromRepository', arn(`repository/${domain}/${repository}`));
  const name = format === 'npm' ? published : published.toLowerCase().replace(/[-_.]+/g, '-');
  const [namespace, pkg] =
    format === 'npm' && name.startsWith('@') ? [name.slice(1).split('/')[0]!, name.split('/')[1] ?? ''] : ['', name];
  return check(
    'codeartifact:PublishPackageVersion',
    arn(`package/${domain}/${repository}/${format}/${namespace}/${pkg}`),
  );
}
