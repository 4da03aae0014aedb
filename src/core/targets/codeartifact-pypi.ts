import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { CODEARTIFACT_LOGIN_STATEMENTS, codeartifactDomain, codeartifactRepository, DEBIAN_AWS_CLI } from './shared.js';

/** Build the distribution and upload it to CodeArtifact with twine. */
export const codeartifactPypi: TargetDefinition = {
  id: 'codeartifact-pypi',
  title: 'Publish a Python package to CodeArtifact',
  description:
    'On every push to main: install the build tools through CodeArtifact, build the sdist and wheel, and upload them with twine. A push that does not bump the version uploads nothing: the step says the version is published already and passes.',
  release: 'a version can be published once: a second stage publishing it would fail',
  questions: [
    codeartifactDomain,
    codeartifactRepository,
    {
      name: 'pypiPackage',
      flag: 'pypi-package',
      description:
        'Python package name, normalised as CodeArtifact stores it (lowercase; runs of ".", "_" and "-" become one "-")',
      example: 'acme-widgets',
      pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
    },
  ],
  pipeline: { trigger: 'branch', name: 'main' },
  step: {
    name: 'Publish the Python package to CodeArtifact',
    image: STEP_IMAGES.python.name,
    setup: DEBIAN_AWS_CLI,
    script: [
      'aws codeartifact login --tool pip --domain {{codeartifactDomain}} --domain-owner {{account}} --repository {{codeartifactRepository}}',
      'aws codeartifact login --tool twine --domain {{codeartifactDomain}} --domain-owner {{account}} --repository {{codeartifactRepository}}',
      'pip install build twine',
      'python -m build',
      // the version as the build wrote it (<name>-<version>-<tags>.whl), whatever the build backend reads it from
      'wheel="$(echo dist/*.whl)"',
      'version="${wheel#dist/*-}" && version="${version%%-*}"',
      // CodeArtifact refuses a version twice: a push without a new version releases nothing, and says so
      'found="$(aws codeartifact describe-package-version --domain {{codeartifactDomain}} --domain-owner {{account}} --repository {{codeartifactRepository}} --format pypi --package {{pypiPackage}} --package-version "$version" 2>&1)" && release=no || { release=yes; [ "${found#*ResourceNotFoundException}" != "$found" ] || { echo "$found" >&2; false; }; }',
      '[ "$release" = no ] && echo "Version $version is published already: nothing to release (bump the version to publish)" || twine upload --repository codeartifact dist/*',
    ],
  },
  statements: [
    ...CODEARTIFACT_LOGIN_STATEMENTS,
    {
      Sid: 'CodeArtifactPublishPypi',
      Effect: 'Allow',
      Action: ['codeartifact:DescribePackageVersion', 'codeartifact:PublishPackageVersion'],
      Resource:
        'arn:{{partition}}:codeartifact:{{region}}:{{account}}:package/{{codeartifactDomain}}/{{codeartifactRepository}}/pypi//{{pypiPackage}}',
    },
  ],
  notes: [
    '`codeartifact:GetAuthorizationToken` on the domain: `aws codeartifact login` fetches the token pip and twine send to the repository.',
    '`sts:GetServiceBearerToken` on `*`, only for `codeartifact.amazonaws.com`: CodeArtifact tokens are STS bearer tokens, and this action has no resource to narrow it to.',
    '`codeartifact:GetRepositoryEndpoint` and `codeartifact:ReadFromRepository` on the repository: login looks up the index URL, and pip installs the build tools through it.',
    '`codeartifact:DescribePackageVersion` and `codeartifact:PublishPackageVersion` on this one package (PyPI has no namespace: `pypi//<name>`, with the normalised name): the step looks up whether the version is published already, and twine may upload this package and no other.',
  ],
  rehearsal: {
    files: [{ path: 'pyproject.toml', text: '[project]\nname = {{pypiPackage}}\nversion = "1.0.0"\n' }],
  },
};
