import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';
import { CODEARTIFACT_LOGIN_STATEMENTS, codeartifactDomain, codeartifactRepository, DEBIAN_AWS_CLI } from './shared.js';

/** Build the distribution and upload it to CodeArtifact with twine. */
export const codeartifactPypi: TargetDefinition = {
  id: 'codeartifact-pypi',
  title: 'Publish a Python package to CodeArtifact',
  description:
    'On every push to main: install the build tools through CodeArtifact, build the sdist and wheel, and upload them with twine. Bump the version in the commit you release: uploading a version that exists fails the step.',
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
      'twine upload --repository codeartifact dist/*',
    ],
  },
  statements: [
    ...CODEARTIFACT_LOGIN_STATEMENTS,
    {
      Sid: 'CodeArtifactPublishPypi',
      Effect: 'Allow',
      Action: 'codeartifact:PublishPackageVersion',
      Resource:
        'arn:{{partition}}:codeartifact:{{region}}:{{account}}:package/{{codeartifactDomain}}/{{codeartifactRepository}}/pypi//{{pypiPackage}}',
    },
  ],
  notes: [
    '`codeartifact:GetAuthorizationToken` on the domain: `aws codeartifact login` fetches the token pip and twine send to the repository.',
    '`sts:GetServiceBearerToken` on `*`, only for `codeartifact.amazonaws.com`: CodeArtifact tokens are STS bearer tokens, and this action has no resource to narrow it to.',
    '`codeartifact:GetRepositoryEndpoint` and `codeartifact:ReadFromRepository` on the repository: login looks up the index URL, and pip installs the build tools through it.',
    '`codeartifact:PublishPackageVersion` on this one package (PyPI has no namespace: `pypi//<name>`, with the normalised name): twine may upload this package and no other.',
  ],
  rehearsal: {
    files: [{ path: 'pyproject.toml', text: '[project]\nname = {{pypiPackage}}\nversion = "1.0.0"\n' }],
  },
};
