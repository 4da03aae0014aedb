/**
 * AWS CodeArtifact: `codeartifact login` for npm, pip or twine, then the package registry itself, which
 * npm, pip and twine reach with the token (no AWS request: IAM still authorizes each read and publish).
 */
import { check, regionalArn, route, type Authorization, type AwsService, type Route, type Scope } from './service.js';

const ROUTES: Route[] = [
  ['POST', /^\/v1\/authorization-token$/, 'GetAuthorizationToken'],
  ['GET', /^\/v1\/repository\/endpoint$/, 'GetRepositoryEndpoint'],
  ['GET', /^\/v1\/package\/version$/, 'DescribePackageVersion'],
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
    'describe-package-version': 'DescribePackageVersion',
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
    const repository = req.query['repository'] ?? '';
    if (hit.name === 'DescribePackageVersion') {
      const { namespace, name } = packageName(
        req.query['format'] ?? '',
        req.query['package'] ?? '',
        req.query['namespace'],
      );
      const format = req.query['format'] ?? '';
      return {
        name: hit.name,
        checks: [
          check(`codeartifact:${hit.name}`, arn(`package/${domain}/${repository}/${format}/${namespace}/${name}`)),
        ],
      };
    }
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
  const { namespace, name } = packageName(format, published);
  return check(
    'codeartifact:PublishPackageVersion',
    arn(`package/${domain}/${repository}/${format}/${namespace}/${name}`),
  );
}

/**
 * A package as CodeArtifact names it: npm's `@scope/name` split into namespace and name, a PyPI name
 * normalized (lowercase, runs of `-_.` as one `-`); an API request gives the namespace apart.
 */
export function packageName(format: string, given: string, namespace?: string): { namespace: string; name: string } {
  if (namespace !== undefined) return { namespace, name: format === 'pypi' ? packageName(format, given).name : given };
  if (format === 'npm')
    return given.startsWith('@')
      ? { namespace: given.slice(1).split('/')[0]!, name: given.split('/')[1] ?? '' }
      : { namespace: '', name: given };
  return { namespace: '', name: given.toLowerCase().replace(/[-_.]+/g, '-') };
}
